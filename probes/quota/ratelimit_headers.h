// Rate-limit response headers -> quota budgets (SPEC §4). A provider may report several budgets
// at once (requests per minute, tokens per minute, requests per day), in one or more of these
// dialects; each budget comes back under a stable `dimension` name:
//
//   source        headers                                                  dimension
//   "ietf"        RateLimit-Policy: "burst";q=100;w=60                     the policy name
//                 RateLimit: "burst";r=50;t=30   (q limit, w window s, r remaining, t reset s)
//   "ietf-draft"  RateLimit-Limit: 100, 100;w=60 / -Remaining / -Reset     "requests"
//                 (drafts 06-07; also RateLimit: limit=100, remaining=50, reset=30 and
//                 RateLimit-Policy: 100;w=60, whose w= is the window of the policy whose quota
//                 equals the limit)
//   "x-ratelimit" X-RateLimit-Limit/-Remaining/-Reset, X-Rate-Limit-*      "requests"
//   "github"      the same plus x-ratelimit-resource: core, x-ratelimit-used  the resource name
//   "openai"      x-ratelimit-{limit,remaining,reset}-{requests,tokens}    "requests", "tokens"
//   "anthropic"   anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,
//                 remaining,reset}                                          the middle part
//   "shopify"     X-Shopify-Shop-Api-Call-Limit: 32/40 (used/limit)        "calls"
//   Retry-After   delta seconds or HTTP-date -> RateLimitInfo::retry_after_unix_ms
//
// How a reset value is read:
//   * RateLimit t=, RateLimit-Reset, Retry-After: delta seconds from `now_unix_ms`.
//   * X-RateLimit-Reset / X-Rate-Limit-Reset: text that is not a number is an HTTP-date (or an
//     RFC 3339 timestamp); a number >= 1e12 is epoch milliseconds; a number >= 1e9 (2001-09-09
//     onwards in seconds) is epoch seconds; a smaller number is delta seconds. No real delta is
//     31 years long, and no real epoch in seconds is before 2001, so the ranges cannot collide.
//   * OpenAI resets are Go durations ("6m0s", "12ms"); a bare number follows the X-RateLimit rule.
//   * Anthropic resets are RFC 3339 timestamps.
//   A reset (or Retry-After) more than 400 days after `now_unix_ms`, or more than one day before
//   it, is absurd and ignored with a warning; so is a window longer than 400 days.
//
// Quantities (limit, remaining, used, q, r) are plain non-negative decimals up to 1e15: no sign,
// exponent, hex, "inf" or "nan". Anything else is ignored with a warning naming the header and
// value; the other fields and budgets still count. Header names match case-insensitively; a
// repeated list header (RateLimit, RateLimit-Policy, RateLimit-Limit) is read as one list, a
// repeated single-value header uses its first value (with a warning when the copies differ).
//
// Merging: one Budget per dimension. When several dialects describe the same dimension, the most
// specific wins (openai, anthropic, github, shopify > ietf > ietf-draft > x-ratelimit; the first
// seen among equals); the others only fill fields it lacks, and a value that disagrees with the
// kept one (resets by more than a second) is a warning. Budgets keep the order in which their
// dimension first appeared, dialects being read in the order of the table above.
//
// Retry-After wins over every reset: callers must not probe before `retry_after_unix_ms`, whatever
// the budgets say. It is reported on its own and does not alter the budgets.
//
// Everything here is pure, total and thread-safe: no exceptions escape, no global state, and
// work is linear in the size of the input (list headers are read up to 32 members each).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::probes::quota {

// One budget a provider reports (requests per minute, tokens per minute, requests per day...).
struct Budget {
  std::string dimension;  // stable name, see the table above
  std::optional<double> limit;
  std::optional<double> remaining;
  std::optional<int64_t> reset_unix_ms;  // absolute time the budget resets
  std::optional<int64_t> window_ms;      // the policy window when the dialect states it
  std::string source;  // "ietf", "ietf-draft", "x-ratelimit", "github", "openai", "anthropic",
                       // "shopify"
};

struct RateLimitInfo {
  std::vector<Budget> budgets;                 // merged, one per dimension
  std::optional<int64_t> retry_after_unix_ms;  // Retry-After, which wins over every other reset
  std::vector<std::string> warnings;  // one per malformed value that was ignored, naming header
                                      // and value, and one per conflict between dialects
};

// `headers`: name/value pairs exactly as received (names in any case, possibly repeated).
// `now_unix_ms`: when the response arrived (for delta-seconds resets and Retry-After seconds).
// Pure, total and thread-safe: never throws, never crashes, bounded work on any input.
RateLimitInfo ParseRateLimitHeaders(const std::vector<std::pair<std::string, std::string>>& headers,
                                    int64_t now_unix_ms);

// Go-style durations ("6m0s", "12ms", "2m59.56s", "1h2m", "0s", "1.5µs") -> ms, rounded to the
// nearest ms. Units ns, us, µs, μs, ms, s, m, h; a leading "+" is allowed, a "-" is not (no reset
// lies in the past); empty, unit-less (except "0") and int64-nanosecond overflow give nullopt.
std::optional<int64_t> ParseGoDurationMs(std::string_view text);

// RFC 9110 HTTP-date -> unix ms: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850
// ("Sunday, 06-Nov-94 08:49:37 GMT"; two-digit years 70-99 are 19xx, 00-69 are 20xx) and asctime
// ("Sun Nov  6 08:49:37 1994"). Day and month names match case-insensitively, "UTC" is accepted
// for "GMT", the weekday is not checked against the date; invalid calendar dates give nullopt.
std::optional<int64_t> ParseHttpDateMs(std::string_view text);

// RFC 3339 / ISO 8601 timestamp -> unix ms: "2026-11-25T18:00:00Z", "...T18:00:00.123456+01:00"
// ("t", "z" and a space separator also accepted; fractions beyond ms are truncated; offsets as
// +HH:MM or +HHMM). Invalid calendar dates or times give nullopt.
std::optional<int64_t> ParseRfc3339Ms(std::string_view text);

}  // namespace vigil::probes::quota
