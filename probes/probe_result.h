// ProbeResult: the plain value one probe of one check produces. It flows one way from the
// worker to storage, the health model, metrics and the API; nothing mutates it after it is made.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/core/clock.h"
#include "probes/finding.h"
#include "probes/http_client.h"
#include "probes/quota/ratelimit_headers.h"
#include "probes/shape/baseline_book.h"

namespace vigil::probes {

inline constexpr std::size_t kBodyExcerptBytes = 4096;

struct ProbeResult {
  std::string provider;
  std::string check;
  core::WallTime time;  // when the probe started
  Outcome outcome = Outcome::kPass;
  int status_code = 0;  // 0 when no response arrived
  Phases phases;
  std::vector<Finding> findings;
  int attempts = 1;  // more than 1: the first ones failed at the network level (check `retries`)
  std::string body_excerpt;  // failures only: the first 4 KiB, secrets redacted
  bool body_truncated = false;
  std::optional<core::WallTime> cert_not_after;        // the server's TLS certificate
  std::optional<core::WallTime> credential_not_after;  // the earliest known expiry of our credentials
  std::vector<quota::Budget> budgets;                  // the rate limits this response reported
  std::size_t quota_header_warnings = 0;               // malformed rate-limit values that were ignored
  std::optional<shape::StoredBaseline> baseline;       // what this response taught, to store with it
  // Set downstream, by the health stage: the probe started inside one of its provider's
  // maintenance windows, so uptime leaves it out.
  bool maintenance = false;
};

// The finding for an exchange that got no usable response (network, timeout or tls).
Finding TransportFinding(const HttpResponse& response);

}  // namespace vigil::probes
