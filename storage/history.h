// HistoryStore: what the API and the status page read about the past, from rollups and the
// provider's state transitions, never by scanning raw results (README "Uptime").
//
// Two definitions of uptime, both leaving maintenance windows out (they count neither up nor down):
//   - a check's uptime is the share of its results that did not fail;
//   - a provider's uptime is the share of wall time it was not `down`, from its state
//     transitions: time in maintenance, and time before its state was first known, are left out.
// Queries compose the finest data still kept: raw rows at a window's edges (exact within the raw
// retention), then minute detail, then hours (to the minute within the minute retention, to the
// hour beyond). Every method is safe to call from any thread, concurrently with the writer.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alerts/health.h"
#include "daemon/core/clock.h"
#include "daemon/core/status.h"
#include "storage/rollup.h"

namespace vigil::storage {

enum class Resolution { kMinute, kHour, kDay };  // UTC days: counts only, no latency

// One rollup bucket of one check, for charts.
struct RollupPoint {
  core::WallTime start;
  OutcomeCounts counts;
  LatencySketch latency;
};

struct MaintenancePeriod {
  core::WallTime start;
  std::optional<core::WallTime> end;  // open: still in maintenance
};

// Everything needed to replay a provider's state over a window.
struct ProviderTimeline {
  core::WallTime since;
  alerts::HealthState state_at_since = alerts::HealthState::kUnknown;
  std::vector<std::pair<core::WallTime, alerts::HealthState>> changes;  // in [since, until), ascending
  std::vector<MaintenancePeriod> maintenance;                           // overlapping the window
};

struct TimeShare {
  core::Millis observed{0};  // known, outside maintenance
  core::Millis down{0};      // of that, down
  core::Millis maintenance{0};
  // 1 - down/observed; nullopt when nothing was observed.
  std::optional<double> uptime() const;
};

// A provider's time in [since, until) by state. REQUIRES: since >= timeline.since.
TimeShare ShareOfTime(const ProviderTimeline& timeline, core::WallTime since, core::WallTime until);

// A check's uptime from its counts: nullopt without counted results.
std::optional<double> CheckUptime(const OutcomeCounts& c);

class HistoryStore {
 public:
  virtual ~HistoryStore() = default;
  // One check's results in [since[i], until) for each i, counted by outcome.
  virtual core::Result<std::vector<OutcomeCounts>> Counts(const std::string& provider, const std::string& check,
                                                          const std::vector<core::WallTime>& since,
                                                          core::WallTime until) const = 0;
  // One check's latency over [since, until) from its rollups (hour sketches, minutes at the edges).
  virtual core::Result<LatencySketch> Latency(const std::string& provider, const std::string& check,
                                              core::WallTime since, core::WallTime until) const = 0;
  // One check's rollup buckets starting in [since, until), ascending.
  virtual core::Result<std::vector<RollupPoint>> Rollups(const std::string& provider, const std::string& check,
                                                         Resolution resolution, core::WallTime since,
                                                         core::WallTime until) const = 0;
  // The provider's state at `since` and every change and maintenance period up to `until`.
  virtual core::Result<ProviderTimeline> Timeline(const std::string& provider, core::WallTime since,
                                                  core::WallTime until) const = 0;
};

}  // namespace vigil::storage
