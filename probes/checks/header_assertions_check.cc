// Header assertions: a response header is present / absent, equals a value, or matches a regex.
#include <regex>

#include "daemon/core/text.h"
#include "probes/checks/factories.h"

namespace vigil::probes {
namespace {

class HeaderAssertionsCheck final : public Check {
 public:
  explicit HeaderAssertionsCheck(const std::vector<config::HeaderAssertion>& a) : assertions_(a) {}

  bool judges_content() const override { return true; }

  void Judge(const Observation& obs, std::vector<Finding>& findings) const override {
    for (const auto& a : assertions_) {
      const std::string* value = obs.response().Header(a.name);
      const std::string what = "header " + a.name;
      if (value == nullptr) {
        if (a.present != false) findings.push_back({FindingKind::kAssertion, a.severity, what + ": missing"});
        continue;
      }
      const std::string shown = "\"" + core::Printable(*value, 80) + "\"";
      if (a.present == false) {
        findings.push_back({FindingKind::kAssertion, a.severity, what + ": expected absent, got " + shown});
      } else if (a.equals && *value != *a.equals) {
        findings.push_back({FindingKind::kAssertion, a.severity,
                            what + ": expected \"" + core::Printable(*a.equals, 80) + "\", got " + shown});
      } else if (a.matches_re && !std::regex_search(*value, *a.matches_re)) {
        findings.push_back({FindingKind::kAssertion, a.severity,
                            what + ": " + shown + " does not match /" + *a.matches + "/"});
      }
    }
  }

 private:
  std::vector<config::HeaderAssertion> assertions_;
};

}  // namespace

std::unique_ptr<Check> MakeHeaderAssertionsCheck(const config::CheckConfig& config, const BuildContext&, CheckErrors&) {
  if (config.expect.headers.empty()) return nullptr;
  return std::make_unique<HeaderAssertionsCheck>(config.expect.headers);
}

}  // namespace vigil::probes
