// What the status page and the API derive from the snapshot and the history store, computed
// once here so both show the same numbers: the provider's day-by-day record, its uptime over
// windows, its hourly latency, the latest report of each quota budget and its expiries.
// Pure functions of their inputs (the store is read, never written); safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "alerts/health_tracker.h"
#include "daemon/core/clock.h"
#include "probes/quota/quota_book.h"
#include "storage/history.h"
#include "storage/result_store.h"

namespace vigil::daemon::http {

// One UTC day of a provider: its worst state and share of time up.
struct DayRecord {
  core::WallTime start;           // 00:00 UTC
  std::string worst;              // "up", "degraded", "down", "maintenance", or "none" (nothing known)
  std::optional<double> uptime;   // time-based, maintenance left out; nullopt: nothing observed
  int incidents = 0;              // incidents open at some moment of the day
};

// The last `days` UTC days up to `now` (the last one is today, so far), oldest first.
// REQUIRES: timeline.since <= the first day's start.
std::vector<DayRecord> DailyRecord(const storage::ProviderTimeline& timeline,
                                   const std::vector<storage::StoredIncident>& incidents, core::WallTime now, int days);

// 00:00 UTC of the day `days_back` days before the one `now` is in.
core::WallTime DayStart(core::WallTime now, int days_back);

// The names of the provider's checks, in order.
std::vector<std::string> CheckNames(const alerts::ProviderStatus& status);

// One hour of latency over all of a provider's checks (or one check).
struct LatencyPoint {
  core::WallTime start;
  std::optional<double> p50, p95;  // ms; nullopt: no response that hour
};

// Hourly p50/p95 over [since, now), oldest first, one point per hour (empty hours included),
// merging the sketches of `checks`. An error when the store cannot be read.
core::Result<std::vector<LatencyPoint>> HourlyLatency(const storage::HistoryStore& history, const std::string& provider,
                                                      const std::vector<std::string>& checks, core::WallTime since,
                                                      core::WallTime now);

// The newest reading of each quota budget: the quota model's reports, and (after a restart,
// before new ones) what the checks' last results reported. One per dimension, by name.
std::vector<probes::quota::ObservedBudget> LatestBudgets(const std::vector<probes::quota::ObservedBudget>& observed,
                                                         const alerts::ProviderStatus& status);

// The earliest expiry each of the provider's checks' last results reported.
struct Expiries {
  std::optional<core::WallTime> certificate;  // the server's TLS certificate
  std::optional<core::WallTime> credential;   // API key, JWT, client certificate or OAuth2 token
};
Expiries EarliestExpiries(const alerts::ProviderStatus& status);

// "99.95%": rounded down to two decimals, so that any downtime shows; "—" when unknown.
std::string FormatPercent(std::optional<double> share);

// Whole days from `now` to `t` (negative when past), rounded down.
long DaysLeft(core::WallTime t, core::WallTime now);

}  // namespace vigil::daemon::http
