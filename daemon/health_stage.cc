#include "daemon/health_stage.h"

#include <set>
#include <string_view>

namespace vigil::daemon {

const alerts::ProviderStatus* StatusSnapshot::Find(std::string_view name) const {
  for (const auto& p : providers) {
    if (p->name == name) return p.get();
  }
  return nullptr;
}

HealthStage::HealthStage(std::shared_ptr<const config::Config> config, const core::Clock& clock)
    : clock_(clock), tracker_(std::move(config)) {
  PublishAllLocked();
}

void HealthStage::Restore(const alerts::SavedState& saved) {
  std::lock_guard lock(mu_);
  tracker_.Restore(saved);
  PublishAllLocked();
}

void HealthStage::Reconfigure(std::shared_ptr<const config::Config> config) {
  std::lock_guard lock(mu_);
  tracker_.Reconfigure(std::move(config));
  PublishAllLocked();
}

std::shared_ptr<const StatusSnapshot> HealthStage::snapshot() const {
  std::lock_guard lock(mu_);
  return snapshot_;
}

std::vector<alerts::ProviderStatus> HealthStage::CurrentStatuses() const {
  std::lock_guard lock(mu_);
  return tracker_.Snapshot();
}

void HealthStage::Prepare(storage::WriteBatch& batch) {
  std::lock_guard lock(mu_);
  batch.health.Append(tracker_.Advance(clock_.Now()));
  for (auto& r : batch.results) {
    r.maintenance = tracker_.config().MaintenanceOf(r.provider, r.time).has_value();
    batch.health.Append(tracker_.Observe(r));
  }
}

void HealthStage::Published(const storage::WriteBatch& batch) {
  std::lock_guard lock(mu_);
  PublishLocked(batch);
}

void HealthStage::PublishAllLocked() {
  auto next = std::make_shared<StatusSnapshot>();
  for (const auto& p : tracker_.config().providers) {
    next->providers.push_back(std::make_shared<const alerts::ProviderStatus>(tracker_.StatusOf(p)));
  }
  snapshot_ = std::move(next);
}

void HealthStage::PublishLocked(const storage::WriteBatch& batch) {
  // A transition can change other providers' `recommended`: rebuild everything (rare).
  if (!batch.health.transitions.empty() || !batch.health.maintenance.empty()) return PublishAllLocked();
  std::set<std::string_view> touched;
  for (const auto& r : batch.results) touched.insert(r.provider);
  auto next = std::make_shared<StatusSnapshot>(*snapshot_);
  const auto& providers = tracker_.config().providers;
  for (std::size_t i = 0; i < providers.size(); ++i) {
    if (touched.count(providers[i].name)) {
      next->providers[i] = std::make_shared<const alerts::ProviderStatus>(tracker_.StatusOf(providers[i]));
    }
  }
  snapshot_ = std::move(next);
}

}  // namespace vigil::daemon
