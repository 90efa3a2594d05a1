// The factory of every check kind; registry.cc lists them. Each returns nullptr when its kind
// is not configured for the given check.
#pragma once

#include <memory>

#include "probes/check.h"

namespace vigil::probes {

std::unique_ptr<Check> MakeStatusCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors& errors);
std::unique_ptr<Check> MakeLatencyCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors& errors);
std::unique_ptr<Check> MakeBodySizeCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors& errors);
std::unique_ptr<Check> MakeHeaderAssertionsCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors& errors);
std::unique_ptr<Check> MakeJsonAssertionsCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors& errors);
std::unique_ptr<Check> MakeShapeDriftCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors& errors);
std::unique_ptr<Check> MakeTrackHeadersCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors& errors);
std::unique_ptr<Check> MakeDeprecationCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors& errors);
std::unique_ptr<Check> MakeOpenApiCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors& errors);
std::unique_ptr<Check> MakeJsonSchemaCheck(const config::CheckConfig& config, const BuildContext& context, CheckErrors& errors);

}  // namespace vigil::probes
