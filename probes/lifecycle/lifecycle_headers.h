// API lifecycle response headers -> a `deprecation` finding (SPEC §2 `expect.deprecation`, §4).
//
//   Deprecation: @1688169599                 RFC 9745: a structured-field Date (epoch seconds,
//                                            optionally followed by ;parameters, which are ignored)
//   Deprecation: true                        older drafts: deprecated, date unknown
//   Deprecation: Fri, 30 Jun 2023 23:59:59 GMT   older drafts: an HTTP-date
//   Sunset: Thu, 31 Dec 2026 23:59:59 GMT    RFC 8594: an HTTP-date
//   Link: <https://d.example/deprecation>; rel="deprecation", <https://d.example/sunset>;
//   rel=sunset
//
// Dates: an HTTP-date is any RFC 9110 form ParseHttpDateMs reads; an RFC 3339 timestamp is also
// accepted on both headers (not standard, but unambiguous). Dates before 1970 or after 9999 are
// malformed. A malformed value is ignored with one warning naming header and value
// ("sunset: ignored \"soon\" (not an HTTP-date)"). A repeated header uses its first well-formed
// value; a later one that differs is a warning too.
//
// Link (RFC 8288): several links per header and several Link headers; parameters separated by
// ';', values as tokens or quoted strings (with \-escapes); a URI may hold ',' and ';' inside
// <>. `rel` lists space-separated relation types, matched case-insensitively; only a link's
// first `rel` counts (RFC 8288 §3.3). The first link whose relations include "deprecation"
// (resp. "sunset") gives deprecation_link (resp. sunset_link). A malformed link-value is skipped
// up to the next top-level ',' with a warning; URIs are kept as sent (not resolved), but one that
// is empty, longer than 2048 bytes or holds whitespace or control bytes is ignored with a warning.
//
// Header names match case-insensitively. Everything here is pure, total and thread-safe: no
// exceptions, no global state, work linear in the input (at most 64 links per Link header).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/clock.h"
#include "probes/finding.h"

namespace vigil::probes::lifecycle {

struct Lifecycle {
  bool deprecated = false;                  // a well-formed Deprecation header (any date)
  std::optional<int64_t> deprecated_at_ms;  // unknown (nullopt) for "Deprecation: true"
  std::optional<int64_t> sunset_at_ms;
  std::string deprecation_link;
  std::string sunset_link;
  std::vector<std::string> warnings;  // one per malformed value ignored, naming it
};

using Headers = std::vector<std::pair<std::string, std::string>>;

// `headers`: name/value pairs as received (names in any case, possibly repeated).
Lifecycle ParseLifecycle(const Headers& headers);

// The `deprecation` finding for a response, or nullopt when it is neither deprecated nor has a
// sunset date (a Link alone is no finding). An attention finding, severity warn, critical once
// the sunset is within `critical_within` of `now`; a sunset already past is a critical health
// finding (the endpoint may go at any moment). Message, dates in UTC, parts joined by "; ":
//   "deprecated since 2023-06-30; sunset 2026-12-31 (in 36 days); see https://d.example/dep"
// "deprecated" (date unknown), "deprecated from D (in N days)" (a future date),
// "sunset D (N days ago)" (past); "within a day" / "less than a day ago" below one day;
// "see A and B" when both links are present and differ.
std::optional<Finding> LifecycleFinding(const Lifecycle& l, core::WallTime now,
                                        core::Millis critical_within);

// One link-value of a Link header.
struct Link {
  std::string uri;                // between < and >, as sent
  std::vector<std::string> rels;  // lower-cased relation types of the first rel parameter
};
// Parses one Link header value (see above); malformed link-values are skipped and named in
// `warnings`.
std::vector<Link> ParseLinkHeader(std::string_view value, std::vector<std::string>& warnings);

}  // namespace vigil::probes::lifecycle
