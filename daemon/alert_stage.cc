#include "daemon/alert_stage.h"

#include <algorithm>

#include "daemon/core/log.h"

namespace vigil::daemon {

AlertStage::AlertStage(std::shared_ptr<const config::Config> config, HealthStage& health, const core::Clock& clock,
                       AlertDispatcher& dispatcher)
    : health_(health), clock_(clock), dispatcher_(dispatcher), engine_(std::move(config)) {}

void AlertStage::Restore(const std::vector<alerts::AlertMark>& marks, std::vector<alerts::Silence> silences) {
  std::lock_guard lock(mu_);
  engine_.Restore(marks);
  quiet_.silences = std::move(silences);
  dispatcher_.SetOpenAlerts(engine_.OpenAlerts());
}

void AlertStage::Reconfigure(std::shared_ptr<const config::Config> config) {
  std::lock_guard lock(mu_);
  engine_.Reconfigure(std::move(config));
  dispatcher_.SetOpenAlerts(engine_.OpenAlerts());
}

void AlertStage::AddSilence(alerts::Silence silence) {
  std::lock_guard lock(mu_);
  quiet_.silences.push_back(std::move(silence));
}

void AlertStage::ExpireSilence(const std::string& id, core::WallTime at) {
  std::lock_guard lock(mu_);
  for (auto& s : quiet_.silences) {
    if (s.id == id && s.ends > at) s.ends = at;
  }
}

void AlertStage::SetConnectivityDown(bool down) {
  std::lock_guard lock(mu_);
  quiet_.connectivity_down = down;
}

std::string AlertStage::offline_reason() const {
  std::lock_guard lock(mu_);
  return offline_reason_;
}

void AlertStage::Prepare(storage::WriteBatch& batch) {
  const std::vector<alerts::ProviderStatus> providers = health_.CurrentStatuses();
  const core::WallTime now = clock_.Now();
  std::lock_guard lock(mu_);
  // Silences long over are of no use to the engine.
  std::erase_if(quiet_.silences, [&](const alerts::Silence& s) { return s.ends + std::chrono::hours(1) < now; });
  batch.alerts.Append(engine_.Process(batch.health.transitions, providers, quiet_, now));
  if (engine_.offline_reason() != offline_reason_) {
    offline_reason_ = engine_.offline_reason();
    if (offline_reason_.empty()) {
      core::Log::Info("alerts", "the monitor is online again; provider pages resume");
    } else {
      core::Log::Warn("alerts", "the monitor is offline; nobody is paged about providers", {{"reason", offline_reason_}});
    }
  }
  for (const auto& e : batch.alerts.outbox) {
    if (!e.suppressed.empty()) {
      core::Log::Info("alerts", "page suppressed", {{"notifier", e.notifier}, {"provider", e.event.provider},
                                                    {"event", alerts::EventTypeName(e.event.type)}, {"reason", e.suppressed}});
    }
  }
}

void AlertStage::Published(const storage::WriteBatch& batch) {
  if (batch.alerts.empty()) return;
  {
    std::lock_guard lock(mu_);
    dispatcher_.SetOpenAlerts(engine_.OpenAlerts());
  }
  dispatcher_.Wake();
}

}  // namespace vigil::daemon
