// The only translation unit that includes valijson (10-13 s to compile): keep it that way.
#include "probes/schema/json_schema.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <valijson/adapters/poco_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validation_visitor.hpp>

#include "daemon/core/json_pointer.h"
#include "daemon/core/text.h"
#include "probes/json_value.h"

namespace vigil::probes::schema {
namespace {

using Poco::Dynamic::Var;
using ArrayPtr = Poco::JSON::Array::Ptr;
using ObjectPtr = Poco::JSON::Object::Ptr;
using RegexCache = std::unordered_map<std::string, std::regex>;

// The longest subject Validate lets std::regex match with one recursion per character: on an
// 8 MiB stack, "^((a)|(b))*$" overflows at about 10k characters.
constexpr std::size_t kMaxRecursiveRegexSubject = 4096;

bool IsObject(const Var& v) { return v.type() == typeid(ObjectPtr); }
bool IsArray(const Var& v) { return v.type() == typeid(ArrayPtr); }

std::optional<Var> Member(const Var& object, const std::string& key) {
  if (!IsObject(object)) return std::nullopt;
  const ObjectPtr o = object.extract<ObjectPtr>();
  if (!o->has(key)) return std::nullopt;
  return o->get(key);
}

std::optional<std::string> StringMember(const Var& object, const std::string& key) {
  const std::optional<Var> v = Member(object, key);
  if (!v || !v->isString()) return std::nullopt;
  return v->extract<std::string>();
}

// "http(s)://json-schema.org/draft-0N/schema" with or without the trailing '#'.
std::optional<Draft> DraftFromUri(std::string_view uri) {
  if (uri.ends_with('#')) uri.remove_suffix(1);
  for (std::string_view scheme : {"http://", "https://"}) {
    if (uri.starts_with(scheme)) uri.remove_prefix(scheme.size());
  }
  if (uri == "json-schema.org/draft-03/schema") return Draft::kDraft3;
  if (uri == "json-schema.org/draft-04/schema") return Draft::kDraft4;
  if (uri == "json-schema.org/draft-06/schema") return Draft::kDraft6;
  if (uri == "json-schema.org/draft-07/schema") return Draft::kDraft7;
  return std::nullopt;
}

core::Result<Draft> DetectDraft(const Var& document, Draft fallback) {
  const std::optional<Var> uri = Member(document, "$schema");
  if (!uri) return fallback;
  if (!uri->isString()) return core::Result<Draft>::Error("\"$schema\" must be a string");
  const std::string text = uri->extract<std::string>();
  if (const std::optional<Draft> d = DraftFromUri(text)) return *d;
  return core::Result<Draft>::Error("unsupported \"$schema\" \"" + core::Printable(text, 100) +
                                    "\": Vigil supports JSON Schema draft-03, -04, -06 and -07");
}

valijson::SchemaParser::Version EngineVersion(Draft d) {
  switch (d) {
    case Draft::kDraft3:
      return valijson::SchemaParser::kDraft3;
    case Draft::kDraft4:
      return valijson::SchemaParser::kDraft4;
    default:
      return valijson::SchemaParser::kDraft7;  // no draft 6 in valijson; 7 is a superset
  }
}

// A new container holding the same values (children shared); anything else as it is.
Var CopyShallow(const Var& v) {
  if (IsObject(v)) {
    ObjectPtr out = new Poco::JSON::Object;
    for (const auto& [key, value] : *v.extract<ObjectPtr>()) out->set(key, value);
    return out;
  }
  if (IsArray(v)) {
    ArrayPtr out = new Poco::JSON::Array;
    for (const Var& item : *v.extract<ArrayPtr>()) out->add(item);
    return out;
  }
  return v;
}

Var CopyData(const Var& v) {
  if (IsObject(v)) {
    ObjectPtr out = new Poco::JSON::Object;
    for (const auto& [key, value] : *v.extract<ObjectPtr>()) out->set(key, CopyData(value));
    return out;
  }
  if (IsArray(v)) {
    ArrayPtr out = new Poco::JSON::Array;
    for (const Var& item : *v.extract<ArrayPtr>()) out->add(CopyData(item));
    return out;
  }
  return v;
}

// RFC 3986 resolution of `ref` against `base`, the fragment kept verbatim; unchanged when that
// is not possible (no base, or a URI Poco cannot parse).
std::string ResolveUri(const std::string& base, const std::string& ref) {
  const std::size_t hash = ref.find('#');
  const std::string uri = ref.substr(0, hash);
  const std::string fragment = hash == std::string::npos ? "" : ref.substr(hash);
  if (base.empty()) return ref;
  if (uri.empty()) return base + fragment;
  try {
    Poco::URI resolved(base);
    resolved.resolve(uri);
    return resolved.toString() + fragment;
  } catch (const Poco::Exception&) {
    return ref;
  }
}

// One RFC 6901 reference token: "a/b~c" -> "a~1b~0c".
std::string Escape(const std::string& token) {
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

// The same inside a "$ref" fragment, which valijson %-decodes first.
std::string FragmentToken(const std::string& name) {
  std::string out;
  for (char ch : Escape(name)) out += ch == '%' ? std::string("%25") : std::string(1, ch);
  return out;
}

// The node a local "$ref" ("#/definitions/a%25b") points at in `root`.
std::optional<Var> ResolveLocalRef(const Var& root, const std::string& ref) {
  if (ref.empty() || ref[0] != '#') return std::nullopt;
  std::string pointer;
  for (std::size_t i = 1; i < ref.size(); ++i) {
    if (ref[i] == '%' && i + 2 < ref.size() &&
        std::isxdigit(static_cast<unsigned char>(ref[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(ref[i + 2]))) {
      pointer += static_cast<char>(std::stoi(ref.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      pointer += ref[i];
    }
  }
  const core::Result<core::JsonPointer> parsed = core::JsonPointer::Parse(pointer);
  if (!parsed.ok()) return std::nullopt;
  return Resolve(root, *parsed);
}

// Deep-copies a schema, and the remote documents it refers to, into one self-contained document
// that valijson 1.0 handles correctly. Its own URI handling is too weak for the suite (it joins
// relative URIs by concatenation and caches a remote schema under the referrer's scope), so here
// every "$ref" becomes a local JSON Pointer ("#/definitions/node", "#/$vigil:remotes/0/..."),
// resolved per RFC 3986 against the "$id"/"id" scopes, and the ids are removed. Draft-03
// "extends"/"disallow" also gain their "allOf"/"not" equivalents. Remembers the regular
// expressions and date formats for Compile.
class SchemaBundler {
 public:
  SchemaBundler(Draft draft, const RemoteResolver& remotes) : draft_(draft), remotes_(remotes) {}

  core::Result<Var> Bundle(const Var& document) {
    if (!IsObject(document) && !document.isBoolean()) {
      return core::Result<Var>::Error("a schema must be a JSON object (or a boolean)");
    }
    locations_[""] = "";
    Var root = Rewrite(document, "", "");
    ArrayPtr bundled = new Poco::JSON::Array;
    for (std::size_t i = 0; i < refs_.size(); ++i) {  // grows as remote documents come in
      const core::Result<std::string> pointer = Locate(refs_[i].second, *bundled);
      if (!pointer.ok()) return pointer.status();
      refs_[i].first->set("$ref", "#" + *pointer);
    }
    if (bundled->size() > 0) {
      ObjectPtr object = root.extract<ObjectPtr>();  // a "$ref" exists, so the root is an object
      object->set(kRemotesKey, bundled);
    }
    if (const std::optional<std::string> problem = CheckRefs(root)) {
      return core::Result<Var>::Error(*problem);
    }
    return root;
  }

  const std::set<std::string>& patterns() const { return patterns_; }
  const std::set<std::string>& property_patterns() const { return property_patterns_; }
  bool dates() const { return dates_; }  // "format": "date" or "date-time" somewhere

 private:
  static constexpr const char* kRemotesKey = "$vigil:remotes";

  bool Modern() const { return draft_ == Draft::kDraft6 || draft_ == Draft::kDraft7; }

  // Where the absolute reference `target` ("http://x/y.json#/a") lives in the bundle.
  core::Result<std::string> Locate(const std::string& target, Poco::JSON::Array& bundled) {
    const std::size_t hash = target.find('#');
    const std::string uri = target.substr(0, hash);
    const std::string fragment = hash == std::string::npos ? "" : target.substr(hash + 1);
    if (!locations_.contains(uri)) {
      const std::optional<Var> doc = remotes_ ? remotes_(uri) : std::nullopt;
      if (!doc) {
        return core::Result<std::string>::Error(
            "cannot resolve \"$ref\" \"" + core::Printable(target, 200) +
            "\": not in the schema, and Vigil does not fetch remote schemas");
      }
      const std::string location =
          "/" + FragmentToken(kRemotesKey) + "/" + std::to_string(bundled.size());
      locations_[uri] = location;
      bundled.add(Rewrite(*doc, uri, location));
    }
    if (fragment.empty() || fragment[0] == '/') return locations_[uri] + fragment;
    const auto anchor = locations_.find(uri + "#" + fragment);  // a plain-name id: "#foo"
    if (anchor != locations_.end()) return anchor->second;
    return core::Result<std::string>::Error("cannot resolve \"$ref\" \"" +
                                            core::Printable(target, 200) + "\": unknown anchor");
  }

  // Any node in a schema position: objects are schemas, arrays hold schemas.
  Var Rewrite(const Var& node, const std::string& base, const std::string& location) {
    if (IsObject(node)) return RewriteSchema(node.extract<ObjectPtr>(), base, location);
    if (!IsArray(node)) return node;
    ArrayPtr out = new Poco::JSON::Array;
    const ArrayPtr in = node.extract<ArrayPtr>();
    for (std::size_t i = 0; i < in->size(); ++i) {
      out->add(
          Rewrite(in->get(static_cast<unsigned>(i)), base, location + "/" + std::to_string(i)));
    }
    return out;
  }

  // Registers the id of the schema at `location` and returns the base URI inside it. An id
  // beside "$ref" is ignored, as the drafts say.
  std::string EnterScope(const ObjectPtr& in, const std::string& base,
                         const std::string& location) {
    const std::optional<std::string> id = StringMember(in, Modern() ? "$id" : "id");
    if (!id || in->has("$ref")) return base;
    std::string resolved = ResolveUri(base, *id);
    if (resolved.ends_with('#')) resolved.pop_back();
    locations_.emplace(resolved, location);
    return resolved.find('#') == std::string::npos ? resolved : base;  // "#foo" only names
  }

  Var RewriteSchema(const ObjectPtr& in, const std::string& outer_base,
                    const std::string& location) {
    const std::string base = EnterScope(in, outer_base, location);
    ObjectPtr out = new Poco::JSON::Object;
    for (const auto& [key, value] : *in) {
      const std::string at = location + "/" + FragmentToken(key);
      if (key == "enum" || key == "const" || key == "default" || key == "examples") {
        out->set(key, CopyData(value));
      } else if (IsSchemaMap(key) && IsObject(value)) {
        out->set(key, RewriteSchemaMap(key, value.extract<ObjectPtr>(), base, at));
      } else if (key == "$ref" && value.isString()) {
        refs_.emplace_back(out, ResolveUri(outer_base, value.extract<std::string>()));
      } else if (!RewriteKeyword(key, value, base, at, *out)) {
        out->set(key, Rewrite(value, base, at));
      }
    }
    return out;
  }

  // Values of these keywords map names (not keywords) to schemas.
  static bool IsSchemaMap(const std::string& key) {
    return key == "properties" || key == "patternProperties" || key == "definitions" ||
           key == "dependencies";
  }

  Var RewriteSchemaMap(const std::string& keyword, const ObjectPtr& in, const std::string& base,
                       const std::string& location) {
    ObjectPtr out = new Poco::JSON::Object;
    for (const auto& [name, value] : *in) {
      if (keyword == "patternProperties") property_patterns_.insert(name);
      out->set(name, Rewrite(value, base, location + "/" + FragmentToken(name)));
    }
    return out;
  }

  // Keywords valijson knows (and would enforce, or reject) that are not keywords in `draft_`,
  // so that a schema must be able to use them as unknown, ignored keywords.
  bool Foreign(const std::string& key) const {
    static const std::set<std::string> kSince4 = {
        "allOf", "anyOf", "oneOf", "not", "minProperties", "maxProperties", "multipleOf"};
    static const std::set<std::string> kSince6 = {"const", "contains", "propertyNames"};
    static const std::set<std::string> kSince7 = {"if", "then", "else"};
    static const std::set<std::string> kOnly3 = {"divisibleBy", "extends", "disallow"};
    switch (draft_) {
      case Draft::kDraft3:
        return kSince4.contains(key) || kSince6.contains(key) || kSince7.contains(key);
      case Draft::kDraft4:
        return kSince6.contains(key) || kSince7.contains(key) || kOnly3.contains(key);
      case Draft::kDraft6:
        return kSince7.contains(key) || kOnly3.contains(key);
      case Draft::kDraft7:
        return kOnly3.contains(key);
    }
    return false;
  }

  // Handles the keywords valijson must not see, or must see differently; false for the rest.
  bool RewriteKeyword(const std::string& key, const Var& value, const std::string& base,
                      const std::string& location, Poco::JSON::Object& out) {
    if (key == "id" || (Modern() && key == "$id")) return true;  // valijson would rescope
    if (Foreign(key)) return true;
    if (key == "pattern" && value.isString()) patterns_.insert(value.extract<std::string>());
    if (key == "format" && value.isString()) {
      dates_ = dates_ || value.extract<std::string>() == "date" ||
               value.extract<std::string>() == "date-time";
    }
    if (draft_ == Draft::kDraft3 && (key == "extends" || key == "disallow")) {
      Var copy = Rewrite(value, base, location);
      out.set(key, copy);  // kept, so that pointers into it still resolve
      if (key == "disallow") {
        ObjectPtr type = new Poco::JSON::Object;
        type->set("type", copy);
        out.set("not", type);
      } else if (IsArray(copy)) {
        out.set("allOf", copy);
      } else {
        ArrayPtr one = new Poco::JSON::Array;
        one->add(copy);
        out.set("allOf", one);
      }
      return true;
    }
    return false;
  }

  // A "$ref" that points nowhere, or a chain of "$ref"-only schemas that loops (valijson would
  // follow it by recursion until the stack overflows).
  std::optional<std::string> CheckRefs(const Var& root) const {
    for (const auto& [owner, target] : refs_) {
      const std::string& ref = owner->getValue<std::string>("$ref");
      std::optional<Var> next = ResolveLocalRef(root, ref);
      if (!next) return "\"$ref\" \"" + core::Printable(target, 200) + "\" points to nothing";
      std::set<const Poco::JSON::Object*> seen{owner.get()};
      while (const std::optional<std::string> hop = StringMember(*next, "$ref")) {
        if (!seen.insert(next->extract<ObjectPtr>().get()).second) {
          return "circular \"$ref\" chain through \"" + core::Printable(target, 200) + "\"";
        }
        next = ResolveLocalRef(root, *hop);
        if (!next) break;  // reported when its own owner comes up
      }
    }
    return std::nullopt;
  }

  Draft draft_;
  const RemoteResolver& remotes_;
  std::map<std::string, std::string> locations_;         // absolute URI (or URI#anchor) -> pointer
  std::vector<std::pair<ObjectPtr, std::string>> refs_;  // schema with "$ref" -> absolute target
  std::set<std::string> patterns_;
  std::set<std::string> property_patterns_;
  bool dates_ = false;
};

}  // namespace

struct CompiledSchema::Compiled {
  Draft draft = Draft::kDraft7;
  Var document;                           // the bundled copy; valijson's values point into it
  RegexCache regexes;                     // every valid "pattern", compiled once
  std::vector<std::string> bad_patterns;  // "'(': <what std::regex says>"
  // std::regex matches that valijson would run with one recursion per character.
  bool guard_strings = false;     // a "pattern" with back-references
  bool guard_keys = false;        // "patternProperties" (valijson compiles those itself)
  bool guard_digit_runs = false;  // "format": "date"/"date-time": "^([0-9]+)-..."
  valijson::Schema schema;
};

namespace {

// Compiles the patterns the way the visitor will use them. libstdc++'s default executor
// recurses once per subject character, so patterns are compiled in its polynomial (breadth-first)
// mode, which it cannot use for back-references.
void CompilePatterns(const SchemaBundler& rewriter, CompiledSchema::Compiled& c) {
  for (const std::string& p : rewriter.patterns()) {
    try {
      c.regexes.emplace(p,
                        std::regex(p, std::regex::ECMAScript | std::regex_constants::__polynomial));
      continue;
    } catch (const std::regex_error&) {
    }
    try {
      c.regexes.emplace(p, std::regex(p));
      c.guard_strings = true;
    } catch (const std::regex_error& e) {
      c.bad_patterns.push_back("'" + core::Printable(p, 100) + "': " + e.what());
    }
  }
  for (const std::string& p : rewriter.property_patterns()) {
    try {
      std::regex check(p);
    } catch (const std::regex_error& e) {
      c.bad_patterns.push_back("'" + core::Printable(p, 100) + "': " + e.what());
    }
  }
  c.guard_keys = !rewriter.property_patterns().empty();
  c.guard_digit_runs = rewriter.dates();
}

std::size_t LeadingDigits(const std::string& s) {
  const auto it = std::find_if(s.begin(), s.end(), [](char ch) { return ch < '0' || ch > '9'; });
  return static_cast<std::size_t>(it - s.begin());
}

// Why `s` is too long for the per-character recursive std::regex matches valijson would run on
// it for this schema ("pattern" with back-references, "patternProperties", date formats); "" if
// it is not.
std::string TooLong(const CompiledSchema::Compiled& c, const std::string& s, bool is_key) {
  const std::size_t limit = kMaxRecursiveRegexSubject;
  const bool regex = (c.guard_strings || (is_key && c.guard_keys)) && s.size() > limit;
  if (!regex && !(c.guard_digit_runs && LeadingDigits(s) > limit)) return "";
  return "cannot validate: a " + std::to_string(s.size()) + "-byte " +
         (is_key ? "property name" : "string") +
         " is too long to match safely against the schema's regular expressions (limit " +
         std::to_string(limit) + " bytes)";
}

// The first string or property name in `v` for which TooLong says why.
std::optional<SchemaError> FindUnsafeSubject(const CompiledSchema::Compiled& c, const Var& v,
                                             const std::string& path) {
  if (v.type() == typeid(std::string)) {
    std::string why = TooLong(c, v.extract<std::string>(), false);
    if (!why.empty()) return SchemaError{path, std::move(why)};
  } else if (IsObject(v)) {
    for (const auto& [key, value] : *v.extract<ObjectPtr>()) {
      std::string why = TooLong(c, key, true);
      if (!why.empty()) return SchemaError{path, std::move(why)};
      if (auto e = FindUnsafeSubject(c, value, path + "/" + Escape(key))) return e;
    }
  } else if (IsArray(v)) {
    const ArrayPtr a = v.extract<ArrayPtr>();
    for (unsigned i = 0; i < a->size(); ++i) {
      if (auto e = FindUnsafeSubject(c, a->get(i), path + "/" + std::to_string(i))) return e;
    }
  }
  return std::nullopt;
}

// Since draft-06, 1.0 is an integer; Poco parses it as a double, which valijson's integer checks
// reject. Returns a copy of `v` with such numbers as Int64, or nullopt when there are none.
std::optional<Var> IntegralFloatsAsIntegers(const Var& v) {
  if (IsObject(v)) {
    ObjectPtr changed;
    for (const auto& [key, value] : *v.extract<ObjectPtr>()) {
      if (std::optional<Var> integral = IntegralFloatsAsIntegers(value)) {
        if (!changed) changed = CopyShallow(v).extract<ObjectPtr>();
        changed->set(key, *integral);
      }
    }
    return changed ? std::make_optional<Var>(changed) : std::nullopt;
  }
  if (IsArray(v)) {
    const ArrayPtr in = v.extract<ArrayPtr>();
    ArrayPtr changed;
    for (unsigned i = 0; i < in->size(); ++i) {
      if (std::optional<Var> integral = IntegralFloatsAsIntegers(in->get(i))) {
        if (!changed) changed = CopyShallow(v).extract<ArrayPtr>();
        changed->set(i, *integral);
      }
    }
    return changed ? std::make_optional<Var>(changed) : std::nullopt;
  }
  if (!v.isNumeric() || v.isInteger() || v.isBoolean()) return std::nullopt;
  const double d = v.convert<double>();
  if (!std::isfinite(d) || std::floor(d) != d || std::fabs(d) >= 9.0e18) return std::nullopt;
  return Var(static_cast<Poco::Int64>(d));
}

// Reads valijson's results: errors carry a context ("<root>", "[available]", "[0]") and a
// description written for developers. Explains them against the instance and the schema.
class ErrorExplainer {
 public:
  ErrorExplainer(const CompiledSchema::Compiled& c, const Var& instance)
      : compiled_(c), instance_(instance) {}

  std::vector<SchemaError> Explain(const valijson::ValidationResults& results,
                                   std::size_t max_errors) const {
    std::vector<Entry> entries;
    std::set<std::string> specific;  // paths with an error that is not a summary
    for (const valijson::ValidationResults::Error& e : results) {
      entries.push_back(Read(e));
      if (!entries.back().covers) specific.insert(entries.back().path);
    }
    std::erase_if(entries, [&specific](const Entry& e) {
      return e.covers && Covered(*e.covers, e.strictly_below, specific);
    });
    for (Entry& e : entries) {
      if (!e.one_child) continue;  // a summary left alone: its child failed without saying why
      if (e.child) e.tokens.push_back(*e.child);
      e.path = *e.covers;
      e.description.clear();
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const Entry& a, const Entry& b) { return Depth(a.path) > Depth(b.path); });
    std::set<std::pair<std::string, std::string>> seen;
    std::erase_if(entries, [&seen](const Entry& e) {
      return !seen.insert({e.path, e.description}).second;
    });
    std::vector<SchemaError> out;
    for (const Entry& e : entries) {
      if (out.size() == std::max<std::size_t>(max_errors, 1)) break;
      out.push_back({e.path, Message(e)});
    }
    if (out.empty()) out.push_back({"", Silent({})});
    return out;
  }

 private:
  struct Entry {
    std::vector<std::string> tokens;    // instance location, unescaped
    std::string path;                   // the same as a JSON Pointer
    std::string description;            // valijson's ("" once explained by Silent)
    std::optional<std::string> covers;  // for "a child failed" summaries: where that child is
    std::optional<std::string> child;   // the child's token, when the summary names it
    bool one_child = false;             // the summary is about the one child at `covers`
    bool strictly_below = false;        // the summary covers only locations below `covers`
  };

  static std::size_t Depth(const std::string& path) {
    return static_cast<std::size_t>(std::count(path.begin(), path.end(), '/'));
  }

  static Entry Read(const valijson::ValidationResults::Error& e) {
    Entry entry;
    for (const std::string& part : e.context) {
      if (part.size() < 2 || part.front() != '[' || part.back() != ']') continue;  // "<root>"
      entry.tokens.push_back(part.substr(1, part.size() - 2));
      entry.path += "/" + Escape(entry.tokens.back());
    }
    entry.description = e.description;
    const std::string& d = entry.description;
    const std::string name = "Failed to validate against schema associated with property name '";
    if (d.starts_with("Failed to validate item #") && !d.ends_with("corresponding item schema.")) {
      entry.child = d.substr(25, d.find(' ', 25) - 25);
    } else if (d.starts_with(name) && d.ends_with("'.")) {
      entry.child = d.substr(name.size(), d.size() - name.size() - 2);
    }
    entry.one_child = entry.child || d.ends_with("against corresponding item schema.");
    if (entry.one_child) {
      entry.covers = entry.path + (entry.child ? "/" + Escape(*entry.child) : "");
    } else if (d.starts_with("Failed to validate against schema associated with pattern") ||
               d.starts_with("Failed to validate against additional properties schema")) {
      entry.covers = entry.path;
      entry.strictly_below = true;
    } else if (d.starts_with("Failed to validate against child schema #") ||
               d.starts_with("Failed to validate against dependent schema")) {
      entry.covers = entry.path;
    }
    return entry;
  }

  // True when a specific error lies at (or, if `strictly_below`, only under) `path`.
  static bool Covered(const std::string& path, bool strictly_below,
                      const std::set<std::string>& specific) {
    if (!strictly_below && specific.contains(path)) return true;
    const auto below = specific.lower_bound(path + "/");
    return below != specific.end() && below->starts_with(path + "/");
  }

  // valijson reports nothing when a "false" schema or "propertyNames" fails.
  std::string Silent(const std::vector<std::string>& tokens) const {
    const std::optional<Var> schema = SchemaAt(tokens);
    if (schema && schema->isBoolean()) return "no value is allowed here (the schema is false)";
    if (schema && Member(*schema, "propertyNames")) {
      return "a property name does not match 'propertyNames'";
    }
    return "does not match its schema (a 'false' subschema or 'propertyNames')";
  }

  std::string Message(const Entry& e) const {
    const std::string& d = e.description;
    if (d.empty()) return Silent(e.tokens);
    const std::optional<Var> value = InstanceAt(e.tokens);
    const std::string got = value ? Got(*value) : "a missing value";
    if (d.starts_with("Value type not permitted")) {
      const std::optional<std::string> types = TypeNames(SchemaAt(e.tokens));
      return types ? "expected type " + *types + ", got " + got : "type not allowed: got " + got;
    }
    if (d.starts_with("Failed to match regex specified by 'pattern'")) {
      const std::optional<Var> schema = SchemaAt(e.tokens);
      const std::optional<std::string> p = schema ? StringMember(*schema, "pattern") : std::nullopt;
      return got + " does not match " +
             (p ? "pattern '" + core::Printable(*p, 100) + "'" : "its 'pattern'");
    }
    if (d.starts_with("Failed to match against any enum")) {
      return "expected one of the 'enum' values, got " + got;
    }
    if (d.starts_with("Failed to match expected value set by 'const'")) {
      return "expected the 'const' value, got " + got;
    }
    const std::string unwanted = "or 'additionalProperties' constraints: ";
    if (const std::size_t at = d.find(unwanted); at != std::string::npos) {
      return "unexpected property " + Plain(d.substr(at + unwanted.size()));
    }
    if (d.starts_with("Expected number") || d.starts_with("Value should be a multiple")) {
      return TrimZeros(Plain(d)) + ", got " + got;
    }
    return Reworded(d);
  }

  // valijson's sentences about combinators, in the keywords' own terms.
  static std::string Reworded(const std::string& d) {
    static const std::pair<std::string_view, std::string_view> kWordings[] = {
        {"Failed to validate against any schemas allowed by anyOf",
         "matches none of the 'anyOf' schemas"},
        {"Failed to validate against any child schemas allowed by oneOf",
         "matches none of the 'oneOf' schemas"},
        {"Failed to validate against exactly one child schema",
         "matches more than one of the 'oneOf' schemas"},
        {"Target should not validate against schema specified in 'not'",
         "matches the 'not' schema"},
        {"Failed to any values against subschema in 'contains'",
         "no item matches the 'contains' schema"},
        {"Failed to validate against a conditional schema",
         "does not match the schema its 'if' selects"},
    };
    for (const auto& [valijson_says, we_say] : kWordings) {
      if (d.starts_with(valijson_says)) return std::string(we_say);
    }
    return Plain(d);
  }

  // valijson's sentence as a one-line rule: "Missing required property 'id'." ->
  // "missing required property 'id'".
  static std::string Plain(std::string d) {
    d = core::Printable(d, 300);
    if (!d.empty() && d.back() == '.') d.pop_back();
    if (!d.empty() && d[0] >= 'A' && d[0] <= 'Z') d[0] = static_cast<char>(d[0] - 'A' + 'a');
    return d;
  }

  // valijson prints limits with std::to_string: "10.000000" -> "10", "2.500000" -> "2.5".
  static std::string TrimZeros(const std::string& s) {
    const auto digit = [&s](std::size_t i) { return i < s.size() && s[i] >= '0' && s[i] <= '9'; };
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
      if (s[i] != '.' || i == 0 || !digit(i - 1) || !digit(i + 1)) {
        out += s[i++];
        continue;
      }
      std::size_t end = i + 1;
      while (digit(end)) ++end;
      std::string fraction = s.substr(i + 1, end - i - 1);
      fraction.erase(fraction.find_last_not_of('0') + 1);
      if (!fraction.empty()) out += "." + fraction;
      i = end;
    }
    return out;
  }

  static std::string Got(const Var& v) {
    const config::JsonType t = TypeOf(v);
    if (t == config::JsonType::kNull || t == config::JsonType::kObject ||
        t == config::JsonType::kArray) {
      return Describe(v);
    }
    std::string text = Describe(v);
    if (t == config::JsonType::kNumber && text.find_first_of(".eEn") == std::string::npos) {
      text += ".0";  // Poco prints 1.0 as "1", which would contradict "expected type integer"
    }
    return std::string(config::JsonTypeName(t)) + " " + text;
  }

  std::optional<Var> InstanceAt(const std::vector<std::string>& tokens) const {
    Var current = instance_;
    for (const std::string& token : tokens) {
      if (std::optional<Var> next = Child(current, token)) {
        current = *next;
      } else {
        return std::nullopt;
      }
    }
    return current;
  }

  static std::optional<Var> Child(const Var& container, const std::string& token) {
    if (IsObject(container)) return Member(container, token);
    if (!IsArray(container)) return std::nullopt;
    const ArrayPtr a = container.extract<ArrayPtr>();
    const std::size_t i = std::strtoul(token.c_str(), nullptr, 10);
    if (i >= a->size()) return std::nullopt;
    return a->get(static_cast<unsigned>(i));
  }

  // Follows "$ref" (all local after bundling); nullopt if it cannot.
  std::optional<Var> Deref(Var schema) const {
    for (int hops = 0; hops < 16; ++hops) {
      const std::optional<std::string> ref = StringMember(schema, "$ref");
      if (!ref) return schema;
      const std::optional<Var> target = ResolveLocalRef(compiled_.document, *ref);
      if (!target) return std::nullopt;
      schema = *target;
    }
    return std::nullopt;
  }

  // The one schema object that governs the instance at `tokens`, when that is unambiguous
  // (no combinators on the way, which could be where the error came from).
  std::optional<Var> SchemaAt(const std::vector<std::string>& tokens) const {
    std::optional<Var> schema = std::make_optional(compiled_.document);
    Var value = instance_;
    for (std::size_t i = 0; i <= tokens.size() && schema; ++i) {
      schema = Deref(*schema);
      if (schema && schema->isBoolean() && i == tokens.size()) break;
      if (!schema || !IsObject(*schema) || HasCombinator(*schema)) return std::nullopt;
      if (i == tokens.size()) break;
      schema = ChildSchema(*schema, value, tokens[i]);
      const std::optional<Var> next = Child(value, tokens[i]);
      if (!next) return std::nullopt;
      value = *next;
    }
    return schema;
  }

  static bool HasCombinator(const Var& schema) {
    for (const char* k : {"allOf", "anyOf", "oneOf", "not", "if", "dependencies"}) {
      if (Member(schema, k)) return true;
    }
    return false;
  }

  static std::optional<Var> ChildSchema(const Var& schema, const Var& value,
                                        const std::string& token) {
    if (IsObject(value)) {
      if (std::optional<Var> p = Member(Member(schema, "properties").value_or(Var()), token)) {
        return p;
      }
      if (Member(schema, "patternProperties")) return std::nullopt;
      return Member(schema, "additionalProperties");
    }
    const std::optional<Var> items = Member(schema, "items");
    if (!items || !IsArray(*items)) return items;
    const std::size_t i = std::strtoul(token.c_str(), nullptr, 10);
    const ArrayPtr list = items->extract<ArrayPtr>();
    if (i < list->size()) return list->get(static_cast<unsigned>(i));
    return Member(schema, "additionalItems");
  }

  static std::optional<std::string> TypeNames(const std::optional<Var>& schema) {
    const std::optional<Var> type = schema ? Member(*schema, "type") : std::nullopt;
    if (!type) return std::nullopt;
    if (type->isString()) return type->extract<std::string>();
    if (!IsArray(*type)) return std::nullopt;
    std::vector<std::string> names;
    for (const Var& t : *type->extract<ArrayPtr>()) {
      if (!t.isString()) return std::nullopt;
      names.push_back(t.extract<std::string>());
    }
    return core::Join(names, " or ");
  }

  const CompiledSchema::Compiled& compiled_;
  const Var& instance_;
};

}  // namespace

const char* DraftName(Draft d) {
  switch (d) {
    case Draft::kDraft3:
      return "draft-03";
    case Draft::kDraft4:
      return "draft-04";
    case Draft::kDraft6:
      return "draft-06";
    case Draft::kDraft7:
      return "draft-07";
  }
  return "draft-??";
}

CompiledSchema::CompiledSchema(std::unique_ptr<const Compiled> compiled)
    : compiled_(std::move(compiled)) {}

CompiledSchema::~CompiledSchema() = default;

Draft CompiledSchema::draft() const { return compiled_->draft; }

core::Result<std::shared_ptr<const CompiledSchema>> CompiledSchema::Compile(
    const Var& document, Draft fallback, RemoteResolver remotes) {
  using R = core::Result<std::shared_ptr<const CompiledSchema>>;
  const core::Result<Draft> draft = DetectDraft(document, fallback);
  if (!draft.ok()) return R::Error(draft.message());
  const std::string invalid = std::string("invalid ") + DraftName(*draft) + " schema: ";
  auto c = std::make_unique<Compiled>();
  c->draft = *draft;
  SchemaBundler bundler(*draft, remotes);
  try {
    core::Result<Var> bundled = bundler.Bundle(document);
    if (!bundled.ok()) return R::Error(invalid + bundled.message());
    c->document = *bundled;
    valijson::SchemaParser parser(EngineVersion(*draft));
    parser.populateSchema(valijson::adapters::PocoJsonAdapter(c->document), c->schema);
  } catch (const std::exception& e) {  // valijson's, Poco's, or the RemoteResolver's
    return R::Error(invalid + core::Printable(e.what(), 300));
  }
  CompilePatterns(bundler, *c);
  return std::shared_ptr<const CompiledSchema>(new CompiledSchema(std::move(c)));
}

std::vector<SchemaError> CompiledSchema::Validate(const Var& instance,
                                                  std::size_t max_errors) const {
  const Compiled& c = *compiled_;
  try {
    if (c.guard_strings || c.guard_keys || c.guard_digit_runs) {
      if (std::optional<SchemaError> unsafe = FindUnsafeSubject(c, instance, "")) return {*unsafe};
    }
    std::optional<Var> normalized;
    if (c.draft == Draft::kDraft6 || c.draft == Draft::kDraft7) {
      normalized = IntegralFloatsAsIntegers(instance);
    }
    const Var& subject = normalized ? *normalized : instance;
    // valijson::Validator would keep one regex cache per Validator; the visitor takes the cache
    // by reference, so each call gets its own copy of the precompiled patterns (the compiled
    // automata are shared, not copied).
    RegexCache regexes = c.regexes;
    valijson::ValidationResults results;
    const valijson::adapters::PocoJsonAdapter target(subject);
    valijson::ValidationVisitor<valijson::adapters::PocoJsonAdapter> visitor(
        target, {"<root>"}, /*strictTypes=*/true, &results, regexes);
    if (visitor.validateSchema(c.schema)) return {};
    return ErrorExplainer(c, subject).Explain(results, max_errors);
  } catch (const std::regex_error& e) {
    const std::string which = c.bad_patterns.empty() ? e.what() : c.bad_patterns.front();
    return {{"", "schema error: invalid regular expression " + which}};
  } catch (const std::exception& e) {  // Poco::Exception included
    return {{"", "cannot validate: " + core::Printable(e.what(), 300)}};
  }
}

}  // namespace vigil::probes::schema
