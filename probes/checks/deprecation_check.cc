// Deprecation: the provider says an endpoint is going away (RFC 9745 Deprecation, RFC 8594
// Sunset, and their Link relations). A `deprecation` attention finding with the days left,
// urgent once the sunset is within expect.deprecation.sunset_critical_within; past the sunset a
// critical health finding.
#include "probes/checks/factories.h"
#include "probes/lifecycle/lifecycle_headers.h"

namespace vigil::probes {
namespace {

class DeprecationCheck final : public Check {
 public:
  DeprecationCheck(const core::Clock& clock, core::Millis critical_within) : clock_(clock), critical_within_(critical_within) {}

  void Judge(const Observation& obs, std::vector<Finding>& findings) const override {
    const lifecycle::Lifecycle l = lifecycle::ParseLifecycle(obs.response().headers);
    if (std::optional<Finding> f = lifecycle::LifecycleFinding(l, clock_.Now(), critical_within_)) findings.push_back(*f);
  }

 private:
  const core::Clock& clock_;
  core::Millis critical_within_;
};

}  // namespace

std::unique_ptr<Check> MakeDeprecationCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors&) {
  if (!config.expect.deprecation || context.clock == nullptr) return nullptr;
  return std::make_unique<DeprecationCheck>(*context.clock, config.expect.sunset_critical_within);
}

}  // namespace vigil::probes
