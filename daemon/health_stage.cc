#include "daemon/health_stage.h"

namespace vigil::daemon {

HealthStage::HealthStage(std::shared_ptr<const config::Config> config) : tracker_(std::move(config)) {
  PublishLocked();
}

void HealthStage::Restore(const alerts::SavedState& saved) {
  std::lock_guard lock(mu_);
  tracker_.Restore(saved);
  PublishLocked();
}

void HealthStage::Reconfigure(std::shared_ptr<const config::Config> config) {
  std::lock_guard lock(mu_);
  tracker_.Reconfigure(std::move(config));
  PublishLocked();
}

std::shared_ptr<const StatusSnapshot> HealthStage::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

void HealthStage::Prepare(storage::WriteBatch& batch) {
  std::lock_guard lock(mu_);
  for (const auto& r : batch.results) batch.health.Append(tracker_.Observe(r));
}

void HealthStage::Published(const storage::WriteBatch&) {
  std::lock_guard lock(mu_);
  PublishLocked();
}

void HealthStage::PublishLocked() { snapshot_ = std::make_shared<const StatusSnapshot>(tracker_.Snapshot()); }

}  // namespace vigil::daemon
