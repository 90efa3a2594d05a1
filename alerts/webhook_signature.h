// Standard Webhooks signing (https://www.standardwebhooks.com, SPEC §6): a webhook carries
//   webhook-id:        the event id, the same on every retry
//   webhook-timestamp: Unix seconds of this attempt
//   webhook-signature: "v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">"
// The secret is "whsec_" followed by the base64 of the HMAC key, as Standard Webhooks issues
// them. A secret without that prefix is used as its raw bytes (so a plain shared string works
// with a receiver that computes the HMAC itself); note that the reference Standard Webhooks
// libraries base64-decode unprefixed secrets, so give those receivers a whsec_ secret.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core/status.h"

namespace vigil::alerts {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// The HMAC key a secret stands for (see above). A whsec_ secret that is not valid base64 (which
// config::ValidateWebhookSecret rejects at load) is used as its raw bytes, like an unprefixed one.
std::string WebhookKey(const std::string& secret);

// "v1,<base64 signature>" for one attempt.
std::string SignStandardWebhook(const std::string& secret, const std::string& id,
                                int64_t timestamp_s, const std::string& body);

// {webhook-id, webhook-timestamp, webhook-signature} in that order. With an empty secret the
// signature header is left out (an unsigned webhook), the other two are still sent.
HttpHeaders SignedHeaders(const std::string& secret, const std::string& id, int64_t timestamp_s,
                          const std::string& body);

// The receiver's check: the timestamp is an integer within `tolerance_s` of `now_s` (either
// way: replay and clock-skew protection), and one of the space-separated signatures in
// `signature_header` is a "v1," signature of this id, timestamp and body (compared in constant
// time). Other versions ("v1a,...") are skipped. The error says which check failed.
core::Status VerifyStandardWebhook(const std::string& secret, const std::string& id,
                                   const std::string& timestamp,
                                   const std::string& signature_header, const std::string& body,
                                   int64_t now_s, int64_t tolerance_s = 300);

}  // namespace vigil::alerts
