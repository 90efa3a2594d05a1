#include "probes/quota/usage_endpoint.h"

#include "probes/json_value.h"

namespace vigil::probes::quota {

std::optional<Budget> ReadUsageEndpoint(const Poco::Dynamic::Var& body, const config::QuotaConfig::Endpoint& e,
                                        int64_t now_unix_ms, std::string& problem) {
  const auto number = [&](const core::JsonPointer& p, const char* what) -> std::optional<double> {
    const std::optional<Poco::Dynamic::Var> v = Resolve(body, p);
    const std::optional<double> d = v ? AsNumber(*v) : std::nullopt;
    if (!d || *d < 0 || *d > 1e15) {
      problem = std::string("quota endpoint: ") + what + " at " + p.text() + " is " + (v ? "not a count: " + Describe(*v) : "missing");
    }
    return d && *d >= 0 && *d <= 1e15 ? d : std::nullopt;
  };
  Budget b;
  b.dimension = e.dimension;
  b.source = "endpoint";
  b.remaining = number(e.remaining, "remaining");
  if (!b.remaining) return std::nullopt;
  if (e.limit) {
    b.limit = number(*e.limit, "limit");
    if (!b.limit) return std::nullopt;
  }
  if (e.reset) {
    const std::optional<Poco::Dynamic::Var> v = Resolve(body, *e.reset);
    std::optional<int64_t> at;
    if (v && v->isString()) {
      at = ParseRfc3339Ms(v->extract<std::string>());
    } else if (std::optional<double> d = v ? AsNumber(*v) : std::nullopt; d && *d > 0) {
      at = *d >= 1e12 ? static_cast<int64_t>(*d) : *d >= 1e9 ? static_cast<int64_t>(*d * 1000) : now_unix_ms + static_cast<int64_t>(*d * 1000);
    }
    if (!at) {
      problem = "quota endpoint: reset at " + e.reset->text() + " is " + (v ? "not a time: " + Describe(*v) : "missing");
      return std::nullopt;
    }
    b.reset_unix_ms = at;
  }
  return b;
}

}  // namespace vigil::probes::quota
