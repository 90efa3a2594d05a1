#include "daemon/alert_dispatcher.h"

#include <algorithm>

#include "alerts/notifier.h"
#include "alerts/payloads.h"
#include "daemon/core/duration.h"

namespace vigil::daemon {
namespace {

constexpr auto kIdleWait = std::chrono::seconds(30);
constexpr auto kStoreErrorWait = std::chrono::seconds(1);
constexpr auto kMaxRetryAfter = std::chrono::hours(1);

}  // namespace

AlertDispatcher::AlertDispatcher(storage::AlertStore& store, probes::HttpClient& client, const core::Clock& clock,
                                 AlertObserver* observer)
    : store_(store), client_(client), clock_(clock), observer_(observer) {}

AlertDispatcher::~AlertDispatcher() { Stop(); }

std::shared_ptr<const config::Config> AlertDispatcher::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

std::string AlertDispatcher::Redact(const std::string& text) const {
  std::shared_ptr<const core::SecretRegistry> secrets;
  {
    std::lock_guard lock(mu_);
    secrets = secrets_;
  }
  return secrets ? secrets->redactor()->Redact(text) : text;
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
  DeadLetterOrphans(*config);
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
  const config::NotifierConfig* n = cfg ? cfg->FindNotifier(lane) : nullptr;
  if (!n) return false;
  core::Result<std::vector<alerts::PendingDelivery>> heads = store_.PendingHeads(lane);
  if (!heads.ok()) {
    core::Log::Error("alerts", "cannot read the outbox", {{"notifier", lane}, {"error", heads.message()}});
    next_due = clock_.Now() + kStoreErrorWait;
    return false;
  }
  bool attempted = false;
  const core::WallTime now = clock_.Now();
  for (const auto& d : *heads) {
    if (d.next_attempt <= now) {
      Attempt(*n, d);
      attempted = true;
    } else {
      next_due = std::min(next_due, d.next_attempt);
    }
  }
  return attempted;
}

void AlertDispatcher::Attempt(const config::NotifierConfig& n, const alerts::PendingDelivery& d) {
  const core::WallTime now = clock_.Now();
  alerts::DeliveryAttempt a;
  a.outbox_id = d.id;
  a.at = now;
  const auto fail = [&](bool permanent) {
    const core::WallTime first = d.first_attempt.value_or(now);
    const bool keeps_failing = now - first >= n.fallback_after;
    if (n.fallback && (permanent || keeps_failing)) {
      a.outcome = alerts::AttemptOutcome::kRerouted;
      a.reroute_to = *n.fallback;
    } else if (permanent) {
      a.outcome = alerts::AttemptOutcome::kDead;
    } else {
      a.outcome = alerts::AttemptOutcome::kRetry;
    }
  };
  std::optional<core::WallTime> retry_after;
  if (now - d.created >= n.give_up_after) {
    a.counted = false;
    a.error = "not delivered within " + core::FormatDuration(n.give_up_after) + "; giving up";
    fail(true);
  } else {
    const probes::HttpRequest req = alerts::BuildRequest(n, d.event, now);
    const auto t0 = clock_.Steady();
    const probes::HttpResponse resp = client_.Execute(req);
    a.duration_ms = std::chrono::duration<double, std::milli>(clock_.Steady() - t0).count();
    const alerts::Verdict v = alerts::Classify(n, resp, now);
    a.status_code = resp.error == probes::TransportError::kNone ? resp.status : 0;
    a.error = Redact(v.error);
    retry_after = v.retry_after;
    if (v.kind == alerts::Verdict::Kind::kDelivered) a.outcome = alerts::AttemptOutcome::kDelivered;
    else fail(v.kind == alerts::Verdict::Kind::kPermanent);
  }
  if (a.outcome == alerts::AttemptOutcome::kRetry) {
    double unit = 0;
    {
      std::lock_guard lock(mu_);
      unit = std::uniform_real_distribution<double>(0.0, 1.0)(rng_);
    }
    core::WallTime next = now + alerts::Backoff(d.attempts + 1, n.max_backoff, unit);
    if (retry_after && *retry_after > next) next = std::min(*retry_after, now + kMaxRetryAfter);
    a.next_retry = next;
  }
  if (const core::Status s = store_.RecordAttempt(a); !s.ok()) {
    core::Log::Error("alerts", "cannot record a delivery attempt; it will be retried", {{"error", s.message()}});
    std::this_thread::sleep_for(kStoreErrorWait);  // the store is failing: do not spin on it
    return;
  }
  if (observer_ && (a.counted || a.outcome != alerts::AttemptOutcome::kRetry)) {
    observer_->OnAlertOutcome(n.name, alerts::AttemptOutcomeName(a.outcome));
  }
  const std::initializer_list<core::LogField> fields = {
      {"notifier", n.name}, {"provider", d.event.provider}, {"event", alerts::EventTypeName(d.event.type)},
      {"id", d.event.id},   {"attempt", std::to_string(d.attempts + 1)}, {"error", a.error}};
  switch (a.outcome) {
    case alerts::AttemptOutcome::kDelivered: core::Log::Info("alerts", "delivered", fields); break;
    case alerts::AttemptOutcome::kRetry: core::Log::Warn("alerts", "delivery failed; will retry", fields); break;
    case alerts::AttemptOutcome::kDead: core::Log::Error("alerts", "delivery failed for good; dead-lettered", fields); break;
    case alerts::AttemptOutcome::kRerouted:
      core::Log::Warn("alerts", "delivery keeps failing; re-routed to " + a.reroute_to, fields);
      Wake();
      break;
  }
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
    if (!error.empty()) {
      core::Log::Debug("alerts", "re-posting a firing alert failed", {{"notifier", n.name}, {"provider", m.provider},
                                                                      {"error", Redact(error)}});
    }
  }
}

void AlertDispatcher::DeadLetterOrphans(const config::Config& config) {
  core::Result<std::vector<std::string>> pending = store_.PendingNotifiers();
  if (!pending.ok()) return;
  for (const auto& name : *pending) {
    if (config.FindNotifier(name)) continue;
    for (;;) {
      core::Result<std::vector<alerts::PendingDelivery>> heads = store_.PendingHeads(name);
      if (!heads.ok() || heads->empty()) break;
      for (const auto& d : *heads) {
        alerts::DeliveryAttempt a;
        a.outbox_id = d.id;
        a.at = clock_.Now();
        a.outcome = alerts::AttemptOutcome::kDead;
        a.counted = false;
        a.error = "notifier '" + name + "' is no longer configured";
        if (!store_.RecordAttempt(a).ok()) return;
      }
    }
    core::Log::Warn("alerts", "pending events of a notifier that is no longer configured were dead-lettered",
                    {{"notifier", name}});
  }
}

std::string AlertDispatcher::SendOnce(const config::NotifierConfig& notifier, const alerts::AlertEvent& event,
                                      probes::HttpClient& client, core::WallTime now) {
  const probes::HttpResponse resp = client.Execute(alerts::BuildRequest(notifier, event, now));
  const alerts::Verdict v = alerts::Classify(notifier, resp, now);
  return v.kind == alerts::Verdict::Kind::kDelivered ? "" : v.error;
}

}  // namespace vigil::daemon
