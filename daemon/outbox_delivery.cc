#include "daemon/outbox_delivery.h"

#include <algorithm>

#include "alerts/notifier.h"
#include "daemon/core/duration.h"
#include "daemon/core/log.h"

namespace vigil::daemon {
namespace {

constexpr auto kMaxRetryAfter = std::chrono::hours(1);
constexpr auto kStoreErrorWait = std::chrono::seconds(1);  // a failing store is not spun on

void LogOutcome(const alerts::DeliveryAttempt& a, const std::string& notifier, const alerts::PendingDelivery& d) {
  const std::initializer_list<core::LogField> fields = {
      {"notifier", notifier},  {"provider", d.event.provider}, {"event", alerts::EventTypeName(d.event.type)},
      {"id", d.event.id},      {"via", a.via},                 {"attempt", std::to_string(d.attempts + 1)},
      {"error", a.error}};
  switch (a.outcome) {
    case alerts::AttemptOutcome::kDelivered: core::Log::Info("alerts", "delivered", fields); break;
    case alerts::AttemptOutcome::kRetry: core::Log::Warn("alerts", "delivery failed; will retry", fields); break;
    case alerts::AttemptOutcome::kDead: core::Log::Error("alerts", "delivery failed for good; dead-lettered", fields); break;
    case alerts::AttemptOutcome::kRerouted:
      core::Log::Warn("alerts", "delivery keeps failing; re-routed to " + a.reroute_to, fields);
      break;
  }
}

}  // namespace

OutboxDelivery::OutboxDelivery(storage::AlertStore& store, probes::HttpClient& client, const core::Clock& clock,
                               AlertObserver* observer, std::function<double()> jitter)
    : store_(store), client_(client), clock_(clock), observer_(observer), jitter_(std::move(jitter)) {}

bool OutboxDelivery::DeliverDue(const config::Config& config, const core::Redactor& redactor,
                                const std::string& notifier, core::WallTime& next_due) {
  const config::NotifierConfig* n = config.FindNotifier(notifier);
  if (!n) return false;
  core::Result<std::vector<alerts::PendingDelivery>> heads = store_.PendingHeads(notifier);
  const core::WallTime now = clock_.Now();
  if (!heads.ok()) {
    core::Log::Error("alerts", "cannot read the outbox", {{"notifier", notifier}, {"error", heads.message()}});
    next_due = std::min(next_due, now + kStoreErrorWait);
    return false;
  }
  bool attempted = false;
  for (const auto& d : *heads) {
    if (d.next_attempt <= now) {
      if (!Attempt(config, redactor, *n, d)) {
        next_due = std::min(next_due, now + kStoreErrorWait);
        return false;
      }
      attempted = true;
    } else {
      next_due = std::min(next_due, d.next_attempt);
    }
  }
  return attempted;
}

bool OutboxDelivery::Attempt(const config::Config& config, const core::Redactor& redactor,
                             const config::NotifierConfig& lane, const alerts::PendingDelivery& d) {
  const core::WallTime now = clock_.Now();
  // The receiver: the lane's own, or its fallback's (back to its own if that was removed).
  const config::NotifierConfig* route = d.via.empty() ? &lane : config.FindNotifier(d.via);
  if (!route) route = &lane;
  alerts::DeliveryAttempt a;
  a.outbox_id = d.id;
  a.at = now;
  a.via = route == &lane ? "" : route->name;
  std::optional<core::WallTime> retry_after;
  if (now - d.created >= lane.give_up_after) {
    a.counted = false;
    a.outcome = alerts::AttemptOutcome::kDead;
    a.error = "not delivered within " + core::FormatDuration(lane.give_up_after) + "; giving up";
  } else {
    const auto t0 = clock_.Steady();
    const probes::HttpResponse resp = client_.Execute(alerts::BuildRequest(*route, d.event, now));
    a.duration_ms = std::chrono::duration<double, std::milli>(clock_.Steady() - t0).count();
    const alerts::Verdict v = alerts::Classify(*route, resp, now);
    a.status_code = resp.error == probes::TransportError::kNone ? resp.status : 0;
    a.error = redactor.Redact(v.error);
    retry_after = v.retry_after;
    const bool permanent = v.kind == alerts::Verdict::Kind::kPermanent;
    const bool can_reroute = route == &lane && lane.fallback && config.FindNotifier(*lane.fallback);
    const bool keeps_failing = now - d.first_attempt.value_or(now) >= lane.fallback_after;
    if (v.kind == alerts::Verdict::Kind::kDelivered) {
      a.outcome = alerts::AttemptOutcome::kDelivered;
    } else if (can_reroute && (permanent || keeps_failing)) {
      a.outcome = alerts::AttemptOutcome::kRerouted;
      a.reroute_to = *lane.fallback;
    } else {
      a.outcome = permanent ? alerts::AttemptOutcome::kDead : alerts::AttemptOutcome::kRetry;
    }
  }
  if (a.outcome == alerts::AttemptOutcome::kRetry) {
    core::WallTime next = now + alerts::Backoff(d.attempts + 1, route->max_backoff, jitter_());
    if (retry_after && *retry_after > next) next = std::min(*retry_after, now + kMaxRetryAfter);
    a.next_retry = next;
  }
  if (const core::Status s = store_.RecordAttempt(a); !s.ok()) {
    core::Log::Error("alerts", "cannot record a delivery attempt; it will be retried", {{"error", s.message()}});
    return false;
  }
  if (observer_ && (a.counted || a.outcome != alerts::AttemptOutcome::kRetry)) {
    observer_->OnAlertOutcome(lane.name, alerts::AttemptOutcomeName(a.outcome));
  }
  LogOutcome(a, lane.name, d);
  return true;
}

void OutboxDelivery::DeadLetterOrphans(const config::Config& config) {
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

std::string SendOnce(const config::NotifierConfig& notifier, const alerts::AlertEvent& event,
                     probes::HttpClient& client, core::WallTime now) {
  const probes::HttpResponse resp = client.Execute(alerts::BuildRequest(notifier, event, now));
  const alerts::Verdict v = alerts::Classify(notifier, resp, now);
  return v.kind == alerts::Verdict::Kind::kDelivered ? "" : v.error;
}

}  // namespace vigil::daemon
