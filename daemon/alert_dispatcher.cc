#include "daemon/alert_dispatcher.h"

#include <algorithm>

#include "daemon/core/log.h"

namespace vigil::daemon {
namespace {

constexpr auto kIdleWait = std::chrono::seconds(30);

}  // namespace

AlertDispatcher::AlertDispatcher(storage::AlertStore& store, probes::HttpClient& client, const core::Clock& clock,
                                 AlertObserver* observer)
    : client_(client), clock_(clock), observer_(observer), delivery_(store, client, clock, observer, [this] { return Jitter(); }) {}

AlertDispatcher::~AlertDispatcher() { Stop(); }

std::shared_ptr<const config::Config> AlertDispatcher::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

std::shared_ptr<const core::Redactor> AlertDispatcher::redactor() const {
  std::lock_guard lock(mu_);
  return secrets_ ? secrets_->redactor() : std::make_shared<const core::Redactor>();
}

double AlertDispatcher::Jitter() {
  std::lock_guard lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
}

void AlertDispatcher::Configure(std::shared_ptr<const config::Config> config,
                                std::shared_ptr<const core::SecretRegistry> secrets) {
  std::vector<std::unique_ptr<Lane>> retired;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    config_ = config;
    secrets_ = std::move(secrets);
    for (auto it = lanes_.begin(); it != lanes_.end();) {
      if (config->FindNotifier(it->first)) {
        it->second->dirty = true;
        ++it;
      } else {
        retired.push_back(std::move(it->second));
        it = lanes_.erase(it);
      }
    }
    for (const auto& n : config->notifiers) {
      if (lanes_.count(n.name)) continue;
      auto lane = std::make_unique<Lane>();
      lane->name = n.name;
      Lane* raw = lane.get();
      lanes_.emplace(n.name, std::move(lane));
      raw->thread = std::thread([this, raw] { Run(raw); });
    }
  }
  cv_.notify_all();
  for (auto& lane : retired) lane->thread.join();
  delivery_.DeadLetterOrphans(*config);
}

void AlertDispatcher::Wake() {
  {
    std::lock_guard lock(mu_);
    for (auto& [name, lane] : lanes_) lane->dirty = true;
  }
  cv_.notify_all();
}

void AlertDispatcher::SetOpenAlerts(std::vector<alerts::AlertMark> open) {
  std::lock_guard lock(mu_);
  open_ = std::move(open);
}

void AlertDispatcher::Drain(core::SteadyTime deadline) {
  std::vector<std::unique_ptr<Lane>> lanes;
  {
    std::lock_guard lock(mu_);
    drain_deadline_ = deadline;
    for (auto& [name, lane] : lanes_) {
      lane->dirty = true;
      lanes.push_back(std::move(lane));
    }
    lanes_.clear();
  }
  cv_.notify_all();
  // Lanes end once nothing is due or the deadline passed; one in the middle of an attempt ends
  // when the attempt does (bounded by the notifier's timeout).
  for (auto& lane : lanes) lane->thread.join();
  Stop();
}

void AlertDispatcher::Stop() {
  std::vector<std::unique_ptr<Lane>> lanes;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (auto& [name, lane] : lanes_) lanes.push_back(std::move(lane));
    lanes_.clear();
  }
  cv_.notify_all();
  for (auto& lane : lanes) {
    if (lane->thread.joinable()) lane->thread.join();
  }
}

void AlertDispatcher::Run(Lane* lane) {
  auto next_repost = clock_.Steady();
  for (;;) {
    bool draining = false;
    {
      std::lock_guard lock(mu_);
      // A lane that Configure() retired or Drain() took over is no longer in lanes_.
      const auto it = lanes_.find(lane->name);
      const bool current = it != lanes_.end() && it->second.get() == lane;
      draining = drain_deadline_.has_value();
      if (stopping_ || (!current && !draining)) return;
      if (draining && clock_.Steady() >= *drain_deadline_) return;
      lane->dirty = false;
    }
    core::WallTime next_due = clock_.Now() + kIdleWait;
    if (Pass(lane->name, next_due)) continue;
    if (draining) return;  // nothing more is due
    const auto cfg = config();
    const config::NotifierConfig* n = cfg ? cfg->FindNotifier(lane->name) : nullptr;
    if (n && n->type == config::NotifierConfig::Type::kAlertmanager && clock_.Steady() >= next_repost) {
      Repost(*n);
      next_repost = clock_.Steady() + kAlertmanagerRepost;
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_due - clock_.Now());
    wait = std::clamp<std::chrono::milliseconds>(wait, std::chrono::milliseconds(0), kIdleWait);
    if (n && n->type == config::NotifierConfig::Type::kAlertmanager) {
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(next_repost - clock_.Steady()));
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return stopping_ || lane->dirty || drain_deadline_.has_value(); });
  }
}

bool AlertDispatcher::Pass(const std::string& lane, core::WallTime& next_due) {
  const auto cfg = config();
  return cfg && delivery_.DeliverDue(*cfg, *redactor(), lane, next_due);
}

void AlertDispatcher::Repost(const config::NotifierConfig& n) {
  std::vector<alerts::AlertMark> open;
  {
    std::lock_guard lock(mu_);
    for (const auto& m : open_) {
      if (m.notifier == n.name && !m.event.id.empty()) open.push_back(m);
    }
  }
  for (const auto& m : open) {
    const std::string error = SendOnce(n, m.event, client_, clock_.Now());
    if (observer_) observer_->OnAlertOutcome(n.name, error.empty() ? "reposted" : "repost_failed");
    if (!error.empty()) {
      core::Log::Warn("alerts", "re-posting a firing alert failed; Alertmanager may resolve it on its own",
                      {{"notifier", n.name}, {"provider", m.provider}, {"error", redactor()->Redact(error)}});
    }
  }
}

}  // namespace vigil::daemon
