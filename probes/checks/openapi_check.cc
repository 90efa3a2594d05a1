// OpenAPI: the response against the provider's own OpenAPI 3.0/3.1 document (expect.openapi),
// the schema chosen by status code (exact, then 2XX, then default) and content type. A response
// the spec does not describe is itself a `schema` finding. Runs whatever the status: an error
// response is checked against its documented shape too.
#include "daemon/core/text.h"
#include "probes/checks/factories.h"
#include "probes/schema/openapi.h"

namespace vigil::probes {
namespace {

constexpr std::size_t kListed = 3;

class OpenApiCheck final : public Check {
 public:
  explicit OpenApiCheck(std::shared_ptr<const schema::OpenApiOperation> op) : op_(std::move(op)) {}

  void Judge(const Observation& obs, std::vector<Finding>& findings) const override {
    const HttpResponse& r = obs.response();
    const std::string* type = r.Header("Content-Type");
    const schema::OpenApiOperation::Selected s = op_->Select(r.status, type ? std::string_view(*type) : std::string_view());
    if (!s.not_described.empty()) {
      findings.push_back({FindingKind::kSchema, Severity::kCritical, "not in the OpenAPI spec: " + s.not_described});
      return;
    }
    if (s.schema == nullptr) return;  // described, with nothing to check (no content)
    const Observation::Json& json = obs.json();
    if (!json.ok) {
      findings.push_back({FindingKind::kSchema, Severity::kCritical, json.error + "; " + op_->name() + " " + s.described_as + " not checked"});
      return;
    }
    const std::vector<schema::SchemaError> errors = s.schema->Validate(json.value, kListed + 1);
    if (errors.empty()) return;
    std::vector<std::string> parts;
    for (std::size_t i = 0; i < errors.size() && i < kListed; ++i) {
      parts.push_back((errors[i].path.empty() ? "(root)" : errors[i].path) + ": " + core::Printable(errors[i].message, 160));
    }
    findings.push_back({FindingKind::kSchema, Severity::kCritical,
                        "does not match " + op_->name() + " " + s.described_as + " in the OpenAPI spec: " +
                            core::Join(parts, "; ") + (errors.size() > kListed ? " (and more)" : "")});
  }

 private:
  std::shared_ptr<const schema::OpenApiOperation> op_;
};

}  // namespace

std::unique_ptr<Check> MakeOpenApiCheck(const config::CheckConfig& config, const BuildContext&, CheckErrors& errors) {
  if (!config.expect.openapi) return nullptr;
  const config::OpenApiExpectation& o = *config.expect.openapi;
  core::Result<std::shared_ptr<const schema::OpenApiOperation>> op =
      schema::OpenApiOperation::FromDocument(o.spec.document, o.spec.file, o.operation, o.method, o.path);
  if (!op.ok()) {
    errors.Add(o.spec.pos, o.spec.key, op.message());
    return nullptr;
  }
  return std::make_unique<OpenApiCheck>(*op);
}

}  // namespace vigil::probes
