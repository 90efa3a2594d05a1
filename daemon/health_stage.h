// HealthStage: the pipeline stage that runs the HealthTracker. Before each commit it turns the
// batch's results into health changes stored in the same transaction; after the commit it
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

using StatusSnapshot = std::vector<alerts::ProviderStatus>;

class HealthStage final : public PipelineStage {
 public:
  explicit HealthStage(std::shared_ptr<const config::Config> config);

  void Restore(const alerts::SavedState& saved);
  void Reconfigure(std::shared_ptr<const config::Config> config);
  std::shared_ptr<const StatusSnapshot> snapshot() const;

  void Prepare(storage::WriteBatch& batch) override;
  void Published(const storage::WriteBatch& batch) override;

 private:
  void PublishLocked();  // REQUIRES: mu_ held

  mutable std::mutex mu_;
  alerts::HealthTracker tracker_;                // GUARDED_BY(mu_)
  std::shared_ptr<const StatusSnapshot> snapshot_;  // GUARDED_BY(mu_)
};

}  // namespace vigil::daemon
