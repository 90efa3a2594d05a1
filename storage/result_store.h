// ResultStore: durable storage of probe results (and, as later stages land, of incidents and
// alert events written in the same transaction). Write() commits one batch atomically: when it
// returns OK the batch survives a crash or kill -9, so callers publish a result only after that.
// Write() is called from one writer thread; queries may come from any thread concurrently.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/clock.h"
#include "alerts/alerting.h"
#include "alerts/health_tracker.h"
#include "daemon/core/status.h"
#include "probes/probe_result.h"

namespace vigil::storage {

// A learned baseline to store, or (`reset`) to forget: for one check, or every check of a
// provider when `check` is empty. Applied in order, after the batch's results.
struct BaselineOp {
  bool reset = false;
  probes::shape::StoredBaseline baseline;  // provider and check always set (check may be empty for a reset)
};

struct WriteBatch {
  std::vector<probes::ProbeResult> results;
  alerts::HealthChanges health;        // stored in the same transaction as the results
  std::vector<BaselineOp> baselines;   // learned shapes and tracked headers, and resets
  alerts::AlertWrites alerts;          // events for the outbox, caused by `health`
  bool empty() const { return results.empty() && health.empty() && baselines.empty() && alerts.empty(); }
};

struct ResultQuery {
  std::string provider;  // required
  std::string check;     // empty: every check
  std::optional<core::WallTime> since;  // inclusive
  std::optional<core::WallTime> until;  // exclusive
  std::size_t limit = 100;
};

struct StoredResult {
  int64_t id = 0;
  probes::ProbeResult result;
};

struct IncidentQuery {
  std::string provider;                 // empty: every provider
  std::optional<core::WallTime> since;  // incidents still open at or started after `since`
  std::size_t limit = 100;
  std::size_t offset = 0;    // skip this many of the newest first (paging)
  bool transitions = true;   // false: leave StoredIncident::transitions empty (cheaper)
};

struct StoredTransition {
  alerts::HealthState from;
  alerts::HealthState to;
  core::WallTime at;
  std::vector<alerts::Reason> reasons;
};

struct StoredIncident {
  int64_t id = 0;
  std::string provider;
  alerts::HealthState state;  // the worst state during the incident
  core::WallTime started;
  std::optional<core::WallTime> ended;
  std::vector<alerts::Reason> reasons;  // at the worst moment
  std::vector<StoredTransition> transitions;
};

class ResultStore {
 public:
  virtual ~ResultStore() = default;
  virtual core::Status Write(const WriteBatch& batch) = 0;
  // Newest first.
  virtual core::Result<std::vector<StoredResult>> Results(const ResultQuery& query) const = 0;
  // Newest first.
  virtual core::Result<std::vector<StoredIncident>> Incidents(const IncidentQuery& query) const = 0;
  // Total time of every result that got a response since `since`, ascending (exact percentiles
  // over a short recent window; longer ones come from the rollups, see HistoryStore).
  virtual core::Result<std::vector<double>> Latencies(const std::string& provider, const std::string& check,
                                                      core::WallTime since) const = 0;
  // The state a restart resumes from.
  virtual core::Result<alerts::SavedState> LoadSavedState() const = 0;
  virtual core::Result<std::vector<probes::shape::StoredBaseline>> LoadBaselines() const = 0;
  // When each of the provider's checks last learned (its shape baseline last changed), by check.
  virtual core::Result<std::map<std::string, core::WallTime>> BaselineTimes(const std::string& provider) const = 0;
};

}  // namespace vigil::storage
