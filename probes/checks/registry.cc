#include "probes/check.h"
#include "probes/checks/factories.h"

namespace vigil::probes {

std::vector<std::unique_ptr<Check>> BuildChecks(const config::CheckConfig& config, const BuildContext& context,
                                                CheckErrors& errors) {
  static constexpr CheckFactory kFactories[] = {
      &MakeStatusCheck,
      &MakeLatencyCheck,
      &MakeBodySizeCheck,
      &MakeHeaderAssertionsCheck,
      &MakeJsonAssertionsCheck,
      &MakeJsonSchemaCheck,
      &MakeOpenApiCheck,
      &MakeShapeDriftCheck,
      &MakeTrackHeadersCheck,
      &MakeDeprecationCheck,
  };
  std::vector<std::unique_ptr<Check>> checks;
  for (CheckFactory make : kFactories) {
    if (std::unique_ptr<Check> c = make(config, context, errors)) checks.push_back(std::move(c));
  }
  return checks;
}

}  // namespace vigil::probes
