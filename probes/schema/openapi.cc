#include "probes/schema/openapi.h"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <exception>

#include "config/yaml_json.h"
#include "daemon/core/text.h"
#include "probes/schema/openapi_schema.h"

namespace vigil::probes::schema {
namespace {

using Poco::Dynamic::Var;
using ObjectPtr = Poco::JSON::Object::Ptr;

constexpr std::array<const char*, 8> kMethods = {"get",     "put",  "post",  "delete",
                                                 "options", "head", "patch", "trace"};
constexpr std::size_t kMaxListed = 20;

std::string Quoted(std::string_view s) { return "\"" + core::Printable(s, 200) + "\""; }

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  return out;
}

// "a, b, c", or "a, b, ... (and 12 more)" past kMaxListed.
std::string Listed(const std::vector<std::string>& items) {
  std::vector<std::string> shown(items.begin(), items.begin() + std::min(items.size(), kMaxListed));
  std::string out = core::Join(shown, ", ");
  if (items.size() > kMaxListed) {
    out += " (and " + std::to_string(items.size() - kMaxListed) + " more)";
  }
  return out;
}

// "Application/JSON; charset=utf-8" -> "application/json".
std::string NormalizeMediaType(std::string_view s) {
  return core::ToLower(core::Trim(s.substr(0, s.find(';'))));
}

bool IsJsonMediaType(std::string_view type) {
  return type == "application/json" ||
         (type.find('/') != std::string_view::npos && type.ends_with("+json"));
}

// Media types whose schema may describe a JSON body, and so is compiled.
bool MayCarryJson(std::string_view type) {
  return IsJsonMediaType(type) || type == "*/*" || type == "application/*";
}

// "200", "4XX" (from "4XX" or "4xx"), "default"; nullopt for anything else.
std::optional<std::string> StatusKey(const std::string& key) {
  if (core::EqualsIgnoreCase(key, "default")) return "default";
  if (key.size() != 3 || key[0] < '1' || key[0] > '5') return std::nullopt;
  const auto digit = [](char ch) { return ch >= '0' && ch <= '9'; };
  if (digit(key[1]) && digit(key[2])) return key;
  if (core::EqualsIgnoreCase(key.substr(1), "xx")) return key.substr(0, 1) + "XX";
  return std::nullopt;
}

}  // namespace

// Reads one operation out of a parsed document into an OpenApiOperation. Used once per Load.
class OpenApiOperation::Builder {
 public:
  Builder(const Var& document, const std::string& source) : doc_(document), source_(source) {}

  core::Status Build(const std::string& operation_id, const std::string& method,
                     const std::string& path, OpenApiOperation& out) {
    if (!IsJsonObject(doc_)) return Fail("not an OpenAPI document (no mapping at the top level)");
    if (core::Status s = ReadVersion(out); !s.ok()) return s;
    if (!operation_id.empty() && (!method.empty() || !path.empty())) {
      return Fail("select the operation by operationId, or by method and path, not both");
    }
    if (operation_id.empty() && (method.empty() || path.empty())) {
      return Fail("select an operation: give its operationId, or its method and path");
    }
    const std::optional<Var> paths = Field(doc_, "paths");
    if (!paths || !IsJsonObject(*paths)) return Fail("the document has no \"paths\"");
    paths_ = paths->extract<ObjectPtr>();
    core::Result<Located> op =
        operation_id.empty() ? FindByPath(method, path) : FindById(operation_id);
    if (!op.ok()) return op.status();
    out.name_ = operation_id.empty() ? Upper(method) + " " + path : operation_id;
    name_ = out.name_;
    return ReadResponses(*op, out);
  }

 private:
  core::Status Fail(const std::string& message) const {
    return core::Status::Error(source_ + ": " + message);
  }

  core::Status ReadVersion(OpenApiOperation& out) {
    const std::optional<Var> openapi = Field(doc_, "openapi");
    if (!openapi || openapi->isEmpty()) {
      if (const std::optional<Var> swagger = Field(doc_, "swagger")) {
        return Fail("Swagger/OpenAPI " + Quoted(swagger->toString()) +
                    " is not supported: Vigil reads OpenAPI 3.0 and 3.1 (convert the document, "
                    "e.g. with swagger2openapi)");
      }
      return Fail("not an OpenAPI document: no \"openapi\" version field");
    }
    if (!openapi->isString()) {  // YAML reads an unquoted 3.0 as a number
      return Fail("\"openapi\" must be a string such as \"3.0.3\" (quote it in YAML)");
    }
    out.version_ = openapi->toString();
    if (out.version_.starts_with("3.0")) {
      dialect_ = OpenApiDialect::k30;
    } else if (out.version_.starts_with("3.1")) {
      dialect_ = OpenApiDialect::k31;
    } else {
      return Fail("unsupported OpenAPI version " + Quoted(out.version_) +
                  ": Vigil reads OpenAPI 3.0 and 3.1");
    }
    return core::Status::Ok();
  }

  static std::string OperationWhere(const std::string& path, const std::string& method) {
    return "#/paths/" + EscapePointerToken(path) + "/" + method;
  }

  core::Result<Located> FindById(const std::string& id) const {
    std::vector<Located> found;
    std::vector<std::string> found_names;
    std::vector<std::string> known;
    for (const auto& [path, item] : *paths_) {
      // A Path Item that cannot be resolved cannot hold the operation; it is not an error here.
      const core::Result<Located> resolved = FollowReferences(doc_, {item, ""});
      for (const char* method : kMethods) {
        const std::optional<Var> op = resolved.ok() ? Field(resolved->node, method) : std::nullopt;
        const std::optional<Var> op_id = op ? Field(*op, "operationId") : std::nullopt;
        if (!op_id || !op_id->isString()) continue;
        known.push_back(op_id->toString());
        if (known.back() != id) continue;
        found.push_back({*op, OperationWhere(path, method)});
        found_names.push_back(Upper(method) + " " + path);
      }
    }
    if (found.size() == 1) return found.front();
    if (found.size() > 1) {
      return Fail("operationId " + Quoted(id) + " is used by " + std::to_string(found.size()) +
                  " operations: " + Listed(found_names));
    }
    if (known.empty()) {
      return Fail("operationId " + Quoted(id) +
                  " not found: the document has no operationIds; select by method and path");
    }
    std::sort(known.begin(), known.end());
    return Fail("operationId " + Quoted(id) + " not found" + Suggestion(id, known) +
                "; the document has: " + Listed(known));
  }

  // " (did you mean "GetBalance"?)" when one name is close to `wanted`.
  static std::string Suggestion(const std::string& wanted, const std::vector<std::string>& names) {
    const std::string* best = nullptr;
    std::size_t best_distance = std::max<std::size_t>(2, wanted.size() / 3) + 1;
    for (const std::string& name : names) {
      const std::size_t d = core::EditDistance(core::ToLower(wanted), core::ToLower(name));
      if (d < best_distance) {
        best = &name;
        best_distance = d;
      }
    }
    return best ? " (did you mean " + Quoted(*best) + "?)" : "";
  }

  core::Result<Located> FindByPath(const std::string& method, const std::string& path) const {
    const std::string m = core::ToLower(method);
    if (std::find(kMethods.begin(), kMethods.end(), m) == kMethods.end()) {
      return Fail("unknown HTTP method " + Quoted(method) +
                  "; OpenAPI has get, put, post, delete, options, head, patch and trace");
    }
    if (!paths_->has(path)) {
      std::vector<std::string> known;
      for (const auto& [p, item] : *paths_) known.push_back(p);
      return Fail("path " + Quoted(path) + " not found" + Suggestion(path, known) +
                  "; the document has: " + Listed(known));
    }
    const std::string where = "#/paths/" + EscapePointerToken(path);
    core::Result<Located> item = FollowReferences(doc_, {paths_->get(path), where});
    if (!item.ok()) return Fail(item.message());
    if (const std::optional<Var> op = Field(item->node, m)) {
      return Located{*op, OperationWhere(path, m)};
    }
    std::vector<std::string> methods;
    for (const char* known : kMethods) {
      if (Field(item->node, known)) methods.push_back(Upper(known));
    }
    return Fail("no " + Upper(method) + " operation on path " + Quoted(path) +
                (methods.empty() ? "; it has none" : "; it has: " + Listed(methods)));
  }

  core::Status ReadResponses(const Located& op, OpenApiOperation& out) const {
    const std::optional<Var> responses = Field(op.node, "responses");
    if (!responses || !IsJsonObject(*responses) || responses->extract<ObjectPtr>()->size() == 0) {
      return Fail(name_ + " has no \"responses\" (at " + op.where + ")");
    }
    for (const auto& [key, response] : *responses->extract<ObjectPtr>()) {
      if (key.starts_with("x-")) continue;  // a specification extension
      const std::string where = op.where + "/responses/" + EscapePointerToken(key);
      const std::optional<std::string> status = StatusKey(key);
      if (!status) {
        return Fail("unknown response code " + Quoted(key) +
                    " (expected 100-599, 1XX-5XX or default) (at " + where + ")");
      }
      core::Result<Response> read = ReadResponse(*status, {response, where});
      if (!read.ok()) return read.status();
      out.responses_[*status] = std::move(read.value());
    }
    return core::Status::Ok();
  }

  core::Result<Response> ReadResponse(const std::string& status, const Located& at) const {
    core::Result<Located> response = FollowReferences(doc_, at);
    if (!response.ok()) return Fail(response.message());
    Response out{status, {}};
    const std::optional<Var> content = Field(response->node, "content");
    if (!content || !IsJsonObject(*content)) return out;  // no content described
    for (const auto& [type, media] : *content->extract<ObjectPtr>()) {
      Media m{NormalizeMediaType(type), nullptr};
      const std::optional<Var> schema = Field(media, "schema");
      if (schema && MayCarryJson(m.type)) {
        const std::string where =
            response->where + "/content/" + EscapePointerToken(type) + "/schema";
        core::Result<Var> json = ToJsonSchema(doc_, {*schema, where}, dialect_);
        if (!json.ok()) return Fail(json.message());
        auto compiled = CompiledSchema::Compile(*json, Draft::kDraft7);
        if (!compiled.ok()) {
          return Fail("the schema of the " + status + " " + m.type + " response of " + name_ +
                      " cannot be compiled (at " + where + "): " + compiled.message());
        }
        m.schema = std::move(compiled.value());
      }
      out.media.push_back(std::move(m));
    }
    std::sort(out.media.begin(), out.media.end(),
              [](const Media& a, const Media& b) { return a.type < b.type; });
    return out;
  }

  const Var& doc_;
  const std::string& source_;
  OpenApiDialect dialect_ = OpenApiDialect::k30;
  ObjectPtr paths_;
  std::string name_;
};

core::Result<std::shared_ptr<const OpenApiOperation>> OpenApiOperation::Load(
    const std::string& spec_path, const std::string& operation_id, const std::string& method,
    const std::string& path) {
  core::Result<Var> document = config::ReadJsonOrYamlFile(spec_path);
  if (!document.ok()) {
    return core::Status::Error("cannot read OpenAPI spec " + Quoted(spec_path) + ": " +
                               document.message());
  }
  return FromDocument(*document, spec_path, operation_id, method, path);
}

core::Result<std::shared_ptr<const OpenApiOperation>> OpenApiOperation::FromDocument(
    const Var& document, const std::string& source, const std::string& operation_id,
    const std::string& method, const std::string& path) {
  std::shared_ptr<OpenApiOperation> op(new OpenApiOperation);
  try {
    const core::Status built = Builder(document, source).Build(operation_id, method, path, *op);
    if (!built.ok()) return built;
  } catch (const std::exception& e) {  // Poco's, on a value of an unexpected type
    return core::Status::Error(source +
                               ": cannot read the document: " + core::Printable(e.what(), 200));
  }
  return std::shared_ptr<const OpenApiOperation>(std::move(op));
}

OpenApiOperation::~OpenApiOperation() = default;

const OpenApiOperation::Response* OpenApiOperation::FindResponse(int status) const {
  std::vector<std::string> keys = {std::to_string(status)};
  if (status >= 100 && status <= 599) keys.push_back(std::to_string(status / 100) + "XX");
  keys.push_back("default");
  for (const std::string& key : keys) {
    if (const auto it = responses_.find(key); it != responses_.end()) return &it->second;
  }
  return nullptr;
}

const OpenApiOperation::Media* OpenApiOperation::FindMedia(const Response& response,
                                                           const std::string& type) {
  const auto find = [&response](const auto& matches) -> const Media* {
    for (const Media& m : response.media) {
      if (matches(m.type)) return &m;
    }
    return nullptr;
  };
  const auto any = [](std::string_view listed) { return listed == "*/*"; };
  const std::size_t slash = type.find('/');
  if (slash == std::string::npos) return find(any);
  const Media* found = find([&type](std::string_view listed) { return listed == type; });
  if (!found && IsJsonMediaType(type)) {
    found = find([](std::string_view listed) { return listed == "application/json"; });
    if (!found) found = find(IsJsonMediaType);
  }
  const std::string range = type.substr(0, slash) + "/*";
  if (!found) found = find([&range](std::string_view listed) { return listed == range; });
  return found ? found : find(any);
}

OpenApiOperation::Selected OpenApiOperation::Select(int status,
                                                    std::string_view content_type) const {
  Selected selected;
  const Response* response = FindResponse(status);
  if (!response) {
    std::vector<std::string> keys;
    for (const auto& [key, r] : responses_) keys.push_back(key);
    selected.not_described = "the spec describes no " + std::to_string(status) + " response for " +
                             name_ + " (only " + Listed(keys) + ")";
    return selected;
  }
  if (response->media.empty()) {
    selected.described_as = response->key + " (no content)";
    return selected;
  }
  const std::string type = NormalizeMediaType(content_type);
  const Media* media = FindMedia(*response, type);
  if (!media) {
    std::vector<std::string> types;
    for (const Media& m : response->media) types.push_back(m.type);
    const std::string described = "the spec describes the " + response->key + " response of " +
                                  name_ + " as " + Listed(types);
    selected.not_described = type.empty() ? "the response has no Content-Type; " + described
                                          : described + ", not " + core::Printable(type, 100);
    return selected;
  }
  selected.described_as = response->key + " " + media->type;
  if (IsJsonMediaType(type)) selected.schema = media->schema.get();
  return selected;
}

}  // namespace vigil::probes::schema
