// Latency: total time of the exchange against the warn and critical thresholds.
#include "daemon/core/duration.h"
#include "probes/checks/factories.h"

namespace vigil::probes {
namespace {

class LatencyCheck final : public Check {
 public:
  explicit LatencyCheck(const config::LatencyThresholds& t) : t_(t) {}

  void Judge(const Observation& obs, std::vector<Finding>& findings) const override {
    const double ms = obs.response().phases.total_ms;
    const std::string took = "took " + core::FormatMillis(ms);
    if (t_.critical && ms > static_cast<double>(t_.critical->count())) {
      findings.push_back({FindingKind::kLatency, Severity::kCritical,
                          took + ", above the critical threshold of " + core::FormatDuration(*t_.critical)});
    } else if (t_.warn && ms > static_cast<double>(t_.warn->count())) {
      findings.push_back({FindingKind::kLatency, Severity::kWarn,
                          took + ", above the warn threshold of " + core::FormatDuration(*t_.warn)});
    }
  }

 private:
  config::LatencyThresholds t_;
};

class BodySizeCheck final : public Check {
 public:
  explicit BodySizeCheck(std::size_t max_body) : max_body_(max_body) {}

  void Judge(const Observation& obs, std::vector<Finding>& findings) const override {
    if (!obs.response().body_truncated) return;
    findings.push_back({FindingKind::kNetwork, Severity::kWarn,
                        "the body is larger than max_body (" + core::FormatBytes(max_body_) +
                            "); reading stopped there"});
  }

 private:
  std::size_t max_body_;
};

}  // namespace

std::unique_ptr<Check> MakeLatencyCheck(const config::CheckConfig& config, const BuildContext&, CheckErrors&) {
  if (!config.expect.latency.warn && !config.expect.latency.critical) return nullptr;
  return std::make_unique<LatencyCheck>(config.expect.latency);
}

std::unique_ptr<Check> MakeBodySizeCheck(const config::CheckConfig& config, const BuildContext&, CheckErrors&) {
  return std::make_unique<BodySizeCheck>(config.max_body);
}

}  // namespace vigil::probes
