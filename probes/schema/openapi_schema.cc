#include "probes/schema/openapi_schema.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <set>
#include <utility>
#include <vector>

#include "daemon/core/json_pointer.h"
#include "daemon/core/text.h"
#include "probes/json_value.h"

namespace vigil::probes::schema {
namespace {

using Poco::Dynamic::Var;
using ArrayPtr = Poco::JSON::Array::Ptr;
using ObjectPtr = Poco::JSON::Object::Ptr;

bool IsJsonArray(const Var& v) { return v.type() == typeid(ArrayPtr); }

bool IsTrue(const std::optional<Var>& v) { return v && v->isBoolean() && v->extract<bool>(); }

std::string At(const std::string& where) { return " (at " + core::Printable(where, 200) + ")"; }

// "#/a%7Bb%7D" -> "/a{b}"; nullopt for a malformed escape.
std::optional<std::string> DecodeFragment(std::string_view fragment) {
  std::string out;
  for (std::size_t i = 1; i < fragment.size(); ++i) {
    if (fragment[i] != '%') {
      out += fragment[i];
      continue;
    }
    if (i + 2 >= fragment.size() || !std::isxdigit(static_cast<unsigned char>(fragment[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(fragment[i + 2]))) {
      return std::nullopt;
    }
    out += static_cast<char>(std::stoi(std::string(fragment.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return out;
}

// A "$ref" inside a JSON Schema fragment: the token RFC 6901-escaped, then '%' escaped, since
// the schema compiler %-decodes fragments.
std::string FragmentToken(std::string_view token) {
  std::string out;
  for (char ch : EscapePointerToken(token)) {
    out += ch == '%' ? std::string("%25") : std::string(1, ch);
  }
  return out;
}

// `values` (a list, or one value) as a new list that also holds `null_value` ("null" for
// "type", null for "enum").
ArrayPtr WithNull(const Var& values, const Var& null_value) {
  ArrayPtr out = new Poco::JSON::Array;
  bool present = false;
  const auto add = [&](const Var& item) {
    present =
        present || (item.isEmpty() && null_value.isEmpty()) ||
        (item.isString() && null_value.isString() && item.toString() == null_value.toString());
    out->add(item);
  };
  if (IsJsonArray(values)) {
    for (const Var& item : *values.extract<ArrayPtr>()) add(item);
  } else {
    add(values);
  }
  if (!present) out->add(null_value);
  return out;
}

// Keywords kept as they are (their values are data, not schemas).
const std::set<std::string>& PlainKeywords(OpenApiDialect dialect) {
  static const std::set<std::string> k30 = {
      "type",          "enum",         "format",           "required",         "multipleOf",
      "maximum",       "minimum",      "exclusiveMaximum", "exclusiveMinimum", "maxLength",
      "minLength",     "pattern",      "maxItems",         "minItems",         "uniqueItems",
      "maxProperties", "minProperties"};
  static const std::set<std::string> k31 = [] {
    std::set<std::string> s = k30;
    s.insert({"const", "dependentRequired"});
    return s;
  }();
  return dialect == OpenApiDialect::k30 ? k30 : k31;
}

enum class Shape { kOne, kList, kMap, kNone };

// Keywords whose value is a schema, a list of schemas, or a map of names to schemas.
Shape SchemaShape(OpenApiDialect dialect, const std::string& key) {
  static const std::set<std::string> kOne = {"not", "additionalProperties", "items"};
  static const std::set<std::string> kOne31 = {"contains", "propertyNames", "if", "then", "else"};
  static const std::set<std::string> kList = {"allOf", "anyOf", "oneOf"};
  const bool v31 = dialect == OpenApiDialect::k31;
  if (kOne.contains(key) || (v31 && kOne31.contains(key))) return Shape::kOne;
  if (kList.contains(key) || (v31 && key == "prefixItems")) return Shape::kList;
  if (key == "properties") return Shape::kMap;
  if (v31 && (key == "patternProperties" || key == "dependentSchemas")) return Shape::kMap;
  return Shape::kNone;
}

class SchemaConverter {
 public:
  SchemaConverter(const Var& document, OpenApiDialect dialect)
      : document_(document), dialect_(dialect), definitions_(new Poco::JSON::Object) {}

  core::Result<Var> Run(const Located& schema) {
    core::Result<Var> root = Convert(schema.node, schema.where);
    while (root.ok() && !pending_.empty()) {
      const auto [key, target] = pending_.front();
      pending_.pop_front();
      core::Result<Var> converted = Convert(target.node, target.where);
      if (!converted.ok()) return converted;
      definitions_->set(key, *converted);
    }
    if (root.ok() && definitions_->size() > 0) {
      ObjectPtr object = root.value().extract<ObjectPtr>();  // an object: it has a "$ref"
      object->set("definitions", definitions_);
    }
    return root;
  }

 private:
  core::Result<Var> Convert(const Var& schema, const std::string& where) {
    if (schema.isBoolean()) return schema;  // true/false: 3.1, and 3.0's additionalProperties
    if (!IsJsonObject(schema)) {
      return core::Result<Var>::Error("a schema must be an object" + At(where));
    }
    const ObjectPtr in = schema.extract<ObjectPtr>();
    std::optional<Var> ref;
    if (in->has("$ref")) {
      core::Result<Var> r = Reference(in->get("$ref"), where + "/$ref");
      if (!r.ok() || dialect_ == OpenApiDialect::k30) return r;  // 3.0 ignores $ref siblings
      ref = *r;
    }
    ObjectPtr out = new Poco::JSON::Object;
    for (const auto& [key, value] : *in) {
      const core::Status s = Keyword(key, value, where + "/" + EscapePointerToken(key), *out);
      if (!s.ok()) return s;
    }
    DropWriteOnlyRequired(*in, *out);
    if (dialect_ == OpenApiDialect::k30) {
      ExclusiveBounds(*in, *out);
      return Nullable(*in, out);
    }
    Map2020Keywords(*out);
    if (!ref) return Var(out);
    if (out->size() == 0) return *ref;
    ArrayPtr all = new Poco::JSON::Array;
    all->add(*ref);
    if (out->has("allOf")) {
      for (const Var& s : *out->getArray("allOf")) all->add(s);
    }
    out->set("allOf", all);
    return Var(out);
  }

  core::Status Keyword(const std::string& key, const Var& value, const std::string& where,
                       Poco::JSON::Object& out) {
    if (PlainKeywords(dialect_).contains(key)) {
      out.set(key, value);
      return core::Status::Ok();
    }
    core::Result<Var> converted = Var();
    switch (SchemaShape(dialect_, key)) {
      case Shape::kNone:
        return core::Status::Ok();  // annotations, extensions, unsupported keywords
      case Shape::kOne:
        converted = IsJsonArray(value) ? ConvertList(value, where) : Convert(value, where);
        break;
      case Shape::kList:
        converted = ConvertList(value, where);
        break;
      case Shape::kMap:
        converted = ConvertMap(value, where);
        break;
    }
    if (!converted.ok()) return converted.status();
    out.set(key, *converted);
    return core::Status::Ok();
  }

  core::Result<Var> ConvertList(const Var& value, const std::string& where) {
    if (!IsJsonArray(value)) {
      return core::Result<Var>::Error("expected a list of schemas" + At(where));
    }
    ArrayPtr out = new Poco::JSON::Array;
    const ArrayPtr in = value.extract<ArrayPtr>();
    for (std::size_t i = 0; i < in->size(); ++i) {
      core::Result<Var> s =
          Convert(in->get(static_cast<unsigned>(i)), where + "/" + std::to_string(i));
      if (!s.ok()) return s;
      out->add(*s);
    }
    return Var(out);
  }

  core::Result<Var> ConvertMap(const Var& value, const std::string& where) {
    if (!IsJsonObject(value)) {
      return core::Result<Var>::Error("expected a map of schemas" + At(where));
    }
    ObjectPtr out = new Poco::JSON::Object;
    for (const auto& [name, schema] : *value.extract<ObjectPtr>()) {
      core::Result<Var> s = Convert(schema, where + "/" + EscapePointerToken(name));
      if (!s.ok()) return s;
      out->set(name, *s);
    }
    return Var(out);
  }

  // {"$ref": "#/definitions/<key>"}, the target queued for conversion once.
  core::Result<Var> Reference(const Var& ref, const std::string& where) {
    if (!ref.isString()) return core::Result<Var>::Error("\"$ref\" must be a string" + At(where));
    core::Result<Located> target = ResolveRef(document_, ref.extract<std::string>(), where);
    if (!target.ok()) return target.status();
    const core::JsonPointer pointer = *core::JsonPointer::Parse(*DecodeFragment(target->where));
    const std::vector<std::string>& tokens = pointer.tokens();
    const bool component =
        tokens.size() == 3 && tokens[0] == "components" && tokens[1] == "schemas";
    const std::string key = component ? tokens[2] : pointer.text();
    if (queued_.insert(key).second) pending_.emplace_back(key, *target);
    ObjectPtr out = new Poco::JSON::Object;
    out->set("$ref", "#/definitions/" + FragmentToken(key));
    return Var(out);
  }

  // 3.0 (draft-04 style): "exclusiveMinimum: true" makes "minimum" exclusive.
  static void ExclusiveBounds(const Poco::JSON::Object& in, Poco::JSON::Object& out) {
    for (const auto& [bound, flag] :
         {std::pair{"minimum", "exclusiveMinimum"}, std::pair{"maximum", "exclusiveMaximum"}}) {
      const std::optional<Var> exclusive =
          in.has(flag) ? std::optional(in.get(flag)) : std::nullopt;
      if (!exclusive || !exclusive->isBoolean()) continue;  // absent, or already numeric
      out.remove(flag);
      if (exclusive->extract<bool>() && in.has(bound)) {
        out.set(flag, in.get(bound));
        out.remove(bound);
      }
    }
  }

  // 3.0 "nullable: true": null is allowed as well.
  static Var Nullable(const Poco::JSON::Object& in, ObjectPtr out) {
    if (!in.has("nullable") || !IsTrue(in.get("nullable"))) return out;
    for (const char* combinator : {"allOf", "anyOf", "oneOf", "not"}) {
      if (!out->has(combinator)) continue;
      ObjectPtr null_type = new Poco::JSON::Object;
      null_type->set("type", "null");
      ArrayPtr either = new Poco::JSON::Array;
      either->add(null_type);
      either->add(out);
      ObjectPtr wrapped = new Poco::JSON::Object;
      wrapped->set("anyOf", either);
      return wrapped;
    }
    if (out->has("type")) out->set("type", WithNull(out->get("type"), Var("null")));
    if (out->has("enum") && IsJsonArray(out->get("enum"))) {
      out->set("enum", WithNull(out->get("enum"), Var()));
    }
    return out;
  }

  // A writeOnly property is never sent in a response, so "required" does not apply to it there.
  void DropWriteOnlyRequired(const Poco::JSON::Object& in, Poco::JSON::Object& out) const {
    if (!out.has("required") || !IsJsonArray(out.get("required")) || !in.has("properties")) return;
    const Var properties = in.get("properties");
    ArrayPtr kept = new Poco::JSON::Array;
    for (const Var& name : *out.getArray("required")) {
      const std::optional<Var> p =
          name.isString() ? Field(properties, name.toString()) : std::nullopt;
      core::Result<Located> schema = p ? FollowReferences(document_, {*p, ""}) : Located{};
      if (!(schema.ok() && IsTrue(Field(schema->node, "writeOnly")))) kept->add(name);
    }
    out.set("required", kept);
  }

  // 2020-12 keywords that have a draft-07 equivalent.
  static void Map2020Keywords(Poco::JSON::Object& out) {
    if (out.has("prefixItems")) {
      if (out.has("items")) out.set("additionalItems", out.get("items"));
      out.set("items", out.get("prefixItems"));
      out.remove("prefixItems");
    }
    ObjectPtr dependencies = new Poco::JSON::Object;
    for (const char* key : {"dependentRequired", "dependentSchemas"}) {
      if (!out.has(key)) continue;
      if (IsJsonObject(out.get(key))) {
        for (const auto& [name, value] : *out.getObject(key)) dependencies->set(name, value);
      }
      out.remove(key);
    }
    if (dependencies->size() > 0) out.set("dependencies", dependencies);
  }

  const Var& document_;
  const OpenApiDialect dialect_;
  ObjectPtr definitions_;
  std::set<std::string> queued_;
  std::deque<std::pair<std::string, Located>> pending_;
};

}  // namespace

bool IsJsonObject(const Var& v) { return v.type() == typeid(ObjectPtr); }

std::optional<Var> Field(const Var& object, const std::string& key) {
  if (!IsJsonObject(object)) return std::nullopt;
  const ObjectPtr o = object.extract<ObjectPtr>();
  if (!o->has(key)) return std::nullopt;
  return o->get(key);
}

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  for (char ch : token) {
    if (ch == '~') {
      out += "~0";
    } else if (ch == '/') {
      out += "~1";
    } else {
      out += ch;
    }
  }
  return out;
}

core::Result<Located> ResolveRef(const Var& document, const std::string& ref,
                                 const std::string& where) {
  using R = core::Result<Located>;
  const std::string shown = "\"" + core::Printable(ref, 200) + "\"";
  if (ref.empty() || ref[0] != '#') {
    return R::Error("external $ref not supported: " + shown + At(where));
  }
  const std::optional<std::string> pointer_text = DecodeFragment(ref);
  if (ref.size() > 1 && ref[1] != '/') {
    return R::Error("$ref " + shown + " is not a JSON Pointer (\"#/components/...\")" + At(where));
  }
  core::Result<core::JsonPointer> pointer =
      pointer_text ? core::JsonPointer::Parse(*pointer_text)
                   : core::Result<core::JsonPointer>::Error("bad %-escape");
  std::optional<Var> target = pointer.ok() ? Resolve(document, *pointer) : std::nullopt;
  if (!target) return R::Error("$ref " + shown + " points to nothing" + At(where));
  return Located{*target, ref};
}

core::Result<Located> FollowReferences(const Var& document, Located at) {
  std::vector<std::string> chain;  // the references followed so far
  while (const std::optional<Var> ref = Field(at.node, "$ref")) {
    if (!ref->isString()) {
      return core::Result<Located>::Error("\"$ref\" must be a string" + At(at.where + "/$ref"));
    }
    core::Result<Located> next =
        ResolveRef(document, ref->extract<std::string>(), at.where + "/$ref");
    if (!next.ok()) return next;
    const auto seen = std::find(chain.begin(), chain.end(), next->where);
    if (seen != chain.end()) {
      std::vector<std::string> loop(seen, chain.end());
      loop.push_back(next->where);
      return core::Result<Located>::Error("circular $ref: " + core::Join(loop, " -> "));
    }
    chain.push_back(next->where);
    at = *next;
  }
  return at;
}

core::Result<Var> ToJsonSchema(const Var& document, const Located& schema, OpenApiDialect dialect) {
  return SchemaConverter(document, dialect).Run(schema);
}

}  // namespace vigil::probes::schema
