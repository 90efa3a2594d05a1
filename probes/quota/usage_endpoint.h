// Reading a provider's usage endpoint (quota.endpoint): JSON Pointers to the remaining budget,
// and optionally its limit and reset (epoch seconds, epoch milliseconds or an RFC 3339 string).
#pragma once

#include <Poco/Dynamic/Var.h>

#include <optional>
#include <string>

#include "config/config.h"
#include "probes/quota/ratelimit_headers.h"

namespace vigil::probes::quota {

// The budget the endpoint reports, or nullopt with `problem` saying what was missing or wrong.
std::optional<Budget> ReadUsageEndpoint(const Poco::Dynamic::Var& body, const config::QuotaConfig::Endpoint& endpoint,
                                        int64_t now_unix_ms, std::string& problem);

}  // namespace vigil::probes::quota
