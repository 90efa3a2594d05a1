// Status: the response code is one of the expected codes or ranges (default 2xx). 401 and 403
// are `auth` findings (the fix is on our side) and 429 a `quota` finding, unless the user listed
// them as expected.
#include "daemon/core/text.h"
#include "probes/auth/www_authenticate.h"
#include "probes/checks/factories.h"

namespace vigil::probes {
namespace {

std::string DescribeRange(const config::StatusRange& r) {
  if (r.low == r.high) return std::to_string(r.low);
  if (r.low % 100 == 0 && r.high == r.low + 99) return std::to_string(r.low / 100) + "xx";
  return std::to_string(r.low) + "-" + std::to_string(r.high);
}

class StatusCheck final : public Check {
 public:
  explicit StatusCheck(const config::Expectations& e) : ranges_(e.status) {
    std::vector<std::string> parts;
    for (const auto& r : ranges_) parts.push_back(DescribeRange(r));
    expected_ = core::Join(parts, ", ");
  }

  bool judges_status() const override { return true; }

  void Judge(const Observation& obs, std::vector<Finding>& findings) const override {
    const HttpResponse& r = obs.response();
    for (const auto& range : ranges_) {
      if (range.Contains(r.status)) return;
    }
    const std::string got = std::to_string(r.status) + (r.reason.empty() ? "" : " " + r.reason);
    if (r.status == 401 || r.status == 403) {
      findings.push_back({FindingKind::kAuth, Severity::kCritical,
                          auth::DescribeAuthFailure(r.status, r.reason, r.Header("WWW-Authenticate"))});
    } else if (r.status == 429) {
      const std::string* retry = r.Header("Retry-After");
      findings.push_back({FindingKind::kQuota, Severity::kWarn,
                          got + ": rate limited" +
                              (retry ? " (Retry-After: " + core::Printable(*retry, 40) + ")" : "")});
    } else {
      findings.push_back({FindingKind::kStatus, Severity::kCritical, "expected status " + expected_ + ", got " + got});
    }
  }

 private:
  std::vector<config::StatusRange> ranges_;
  std::string expected_;
};

}  // namespace

std::unique_ptr<Check> MakeStatusCheck(const config::CheckConfig& config, const BuildContext&, CheckErrors&) {
  return std::make_unique<StatusCheck>(config.expect);
}

}  // namespace vigil::probes
