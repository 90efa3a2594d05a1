// What one delivery attempt sends and what its answer means, per notifier type. Pure: the
// dispatcher does the I/O. To add a notifier type, add it to config::NotifierConfig::Type (and
// the loader), then give it a case in BuildRequest() and, if its receiver answers in its own
// way, in Classify().
//   webhook       POST url, the SPEC §6 body, Standard Webhooks headers (signed with `secret`
//                 when one is set), the notifier's own headers
//   slack         POST url, a Block Kit message (SlackBody)
//   alertmanager  POST url + /api/v2/alerts, the alert list (AlertmanagerBody)
#pragma once

#include <optional>
#include <string>

#include "alerts/event.h"
#include "config/config.h"
#include "probes/http_client.h"

namespace vigil::alerts {

probes::HttpRequest BuildRequest(const config::NotifierConfig& notifier, const AlertEvent& event,
                                 core::WallTime now);

struct Verdict {
  enum class Kind { kDelivered, kRetry, kPermanent };
  Kind kind = Kind::kRetry;
  std::string error;                          // one line; empty when delivered
  std::optional<core::WallTime> retry_after;  // the receiver asked not to retry before this
};

// 2xx is delivered (for Slack, unless the body names an error). Transport errors, 408, 429 and
// 5xx are retried, honouring Retry-After on 429 and 503; every other status is permanent, and
// so are Slack's invalid_payload, channel_not_found, channel_is_archived (and the like).
Verdict Classify(const config::NotifierConfig& notifier, const probes::HttpResponse& response,
                 core::WallTime now);

// The delay before retry number `attempt` (1 for the first retry): full jitter, a uniform draw
// from [1 s, min(max_backoff, 1 s * 2^attempt)] with `unit` in [0, 1).
core::Millis Backoff(int attempt, core::Millis max_backoff, double unit);

}  // namespace vigil::alerts
