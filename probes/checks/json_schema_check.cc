// JSON Schema: the body against a schema given as a file or inline (expect.json_schema),
// compiled once when the config is loaded. A mismatch is one `schema` finding listing the first
// few violations with their JSON paths.
#include "daemon/core/text.h"
#include "probes/checks/factories.h"
#include "probes/schema/json_schema.h"

namespace vigil::probes {
namespace {

constexpr std::size_t kListed = 3;

class JsonSchemaCheck final : public Check {
 public:
  explicit JsonSchemaCheck(std::shared_ptr<const schema::CompiledSchema> schema) : schema_(std::move(schema)) {}

  bool judges_content() const override { return true; }

  void Judge(const Observation& obs, std::vector<Finding>& findings) const override {
    const Observation::Json& json = obs.json();
    if (!json.ok) {
      findings.push_back({FindingKind::kSchema, Severity::kCritical, json.error + "; the schema was not checked"});
      return;
    }
    const std::vector<schema::SchemaError> errors = schema_->Validate(json.value, kListed + 1);
    if (errors.empty()) return;
    findings.push_back({FindingKind::kSchema, Severity::kCritical, Describe(errors)});
  }

  // "does not match the schema (draft-07): /a: expected ...; /b: ... (and more)"
  std::string Describe(const std::vector<schema::SchemaError>& errors) const {
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < errors.size() && i < kListed; ++i) {
      parts.push_back((errors[i].path.empty() ? "(root)" : errors[i].path) + ": " + core::Printable(errors[i].message, 160));
    }
    return std::string("does not match the schema (") + schema::DraftName(schema_->draft()) + "): " + core::Join(parts, "; ") +
           (errors.size() > kListed ? " (and more)" : "");
  }

 private:
  std::shared_ptr<const schema::CompiledSchema> schema_;
};

}  // namespace

std::unique_ptr<Check> MakeJsonSchemaCheck(const config::CheckConfig& config, const BuildContext&, CheckErrors& errors) {
  if (!config.expect.json_schema) return nullptr;
  const config::JsonDocument& doc = *config.expect.json_schema;
  core::Result<std::shared_ptr<const schema::CompiledSchema>> compiled = schema::CompiledSchema::Compile(doc.document);
  if (!compiled.ok()) {
    errors.Add(doc.pos, doc.key, "invalid JSON Schema" + (doc.file.empty() ? std::string() : " in " + doc.file) + ": " + compiled.message());
    return nullptr;
  }
  return std::make_unique<JsonSchemaCheck>(*compiled);
}

}  // namespace vigil::probes
