// HealthStage: the pipeline stage that runs the HealthTracker. Before each commit it turns the
// batch's results into health changes stored in the same transaction (and marks the results
// that fell in a maintenance window, for uptime; every batch, ticks included, also enters and
// leaves maintenance windows as the clock says); after the commit it
// publishes a fresh status snapshot for the API. The snapshot is what readers (API, page,
// metrics) see: immutable, swapped atomically. Thread-safe: the tracker is guarded because a
// reload reconfigures it from the main thread.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "alerts/health_tracker.h"
#include "daemon/result_pipeline.h"

namespace vigil::daemon {

// An immutable view of every provider, in config order. After a batch only the providers it
// touched are rebuilt; the others are shared with the previous snapshot.
struct StatusSnapshot {
  std::vector<std::shared_ptr<const alerts::ProviderStatus>> providers;
  const alerts::ProviderStatus* Find(std::string_view name) const;
};

class HealthStage final : public PipelineStage {
 public:
  // `clock` says when maintenance windows begin and end.
  HealthStage(std::shared_ptr<const config::Config> config, const core::Clock& clock);

  void Restore(const alerts::SavedState& saved);
  void Reconfigure(std::shared_ptr<const config::Config> config);
  std::shared_ptr<const StatusSnapshot> snapshot() const;
  // Every provider's state as of now, including a batch not yet committed (for the alert stage).
  std::vector<alerts::ProviderStatus> CurrentStatuses() const;

  void Prepare(storage::WriteBatch& batch) override;
  void Published(const storage::WriteBatch& batch) override;

 private:
  void PublishAllLocked();                              // REQUIRES: mu_ held
  void PublishLocked(const storage::WriteBatch& batch);  // REQUIRES: mu_ held

  const core::Clock& clock_;
  mutable std::mutex mu_;
  alerts::HealthTracker tracker_;                // GUARDED_BY(mu_)
  std::shared_ptr<const StatusSnapshot> snapshot_;  // GUARDED_BY(mu_)
};

}  // namespace vigil::daemon
