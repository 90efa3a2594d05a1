// libFuzzer target: an OpenAPI document (YAML or JSON, as `expect.openapi.spec` names it) through
// the loader: every path and method it describes (at most 4), by path and by operationId, then
// response selection for a spread of statuses and media types and a validation with each schema
// selected. Contract: no crash, hang or sanitizer report, no exception out of the loader; a load
// either succeeds or is an error with a message that names the file; Select never fails, and
// says either what describes a response or why nothing does, never both.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <yaml-cpp/yaml.h>

#include "config/yaml_json.h"
#include "probes/schema/openapi.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

std::optional<Poco::Dynamic::Var> Parse(const std::string& text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && (text[first] == '{' || text[first] == '[')) {
    try {
      return std::optional<Poco::Dynamic::Var>(std::in_place, Poco::JSON::Parser().parse(text));
    } catch (const Poco::Exception&) {
      return std::nullopt;
    }
  }
  try {
    auto json = vigil::config::YamlToJson(YAML::Load(text));
    if (json.ok()) return std::optional<Poco::Dynamic::Var>(std::in_place, *json);
  } catch (const YAML::Exception&) {
  }
  return std::nullopt;  // config load reports an unreadable spec with its position
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  using probes::schema::OpenApiOperation;
  const std::optional<Poco::Dynamic::Var> doc = Parse(std::string(fuzz::Text(data, size)));
  if (!doc) return 0;
  // The operations to load: each path and method the document names, plus one that is absent.
  std::vector<std::pair<std::string, std::string>> ops{{"GET", "/absent"}};
  std::vector<std::string> ids{"Absent"};
  if (doc->type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto root = doc->extract<Poco::JSON::Object::Ptr>();
    if (const auto paths = root->getObject("paths")) {
      for (const auto& [path, item] : *paths) {
        if (item.type() != typeid(Poco::JSON::Object::Ptr)) continue;
        for (const auto& [method, op] : *item.extract<Poco::JSON::Object::Ptr>()) {
          if (ops.size() >= 4) break;
          ops.emplace_back(method, path);
          if (op.type() == typeid(Poco::JSON::Object::Ptr)) {
            const auto id = op.extract<Poco::JSON::Object::Ptr>()->get("operationId");
            if (id.isString()) ids.push_back(id.toString());
          }
        }
      }
    }
  }
  std::vector<std::shared_ptr<const OpenApiOperation>> loaded;
  const auto keep = [&](core::Result<std::shared_ptr<const OpenApiOperation>> r) {
    if (r.ok()) {
      loaded.push_back(*r);
    } else {
      fuzz::Check(r.message().rfind("fuzz.yaml", 0) == 0);
    }
  };
  for (const auto& [method, path] : ops) keep(OpenApiOperation::FromDocument(*doc, "fuzz.yaml", "", method, path));
  for (std::size_t i = 0; i < ids.size() && i < 4; ++i) keep(OpenApiOperation::FromDocument(*doc, "fuzz.yaml", ids[i], "", ""));
  keep(OpenApiOperation::FromDocument(*doc, "fuzz.yaml", "", "", ""));  // neither: an error
  for (const auto& op : loaded) {
    for (int status : {200, 201, 204, 301, 404, 429, 500, 503, 99, 600}) {
      for (const char* type : {"application/json", "application/problem+json; charset=utf-8", "text/plain", ""}) {
        const OpenApiOperation::Selected s = op->Select(status, type);
        fuzz::Check(s.described_as.empty() || s.not_described.empty());  // described, or why not; never both
        fuzz::Check(!s.schema || !s.described_as.empty());
        if (s.schema && &op == &loaded.front()) s.schema->Validate(*doc);
      }
    }
  }
  return 0;
}
