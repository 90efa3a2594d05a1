// OutboxDelivery: the retry policy of alert delivery, in one place (SPEC §6). It takes the due
// head of each provider's line in one notifier's lane, makes one attempt through
// alerts::BuildRequest / Classify, and commits the outcome before anything else happens, so a
// restart (or kill -9) resumes exactly where delivery stopped.
//   - 2xx: delivered.
//   - A retryable failure (transport error, 408, 429, 5xx): retried after a full-jitter backoff
//     from 1 s to the notifier's max_backoff, never before the receiver's Retry-After.
//   - A permanent failure (any other status, Slack's named errors): dead, or re-routed.
//   - With `fallback`, an event that fails permanently or keeps failing for `fallback.after` is
//     re-routed: it stays in its lane (order kept) and goes to the fallback's receiver, and so do
//     the lane's next events until a resolve has been delivered there. Re-routing is one hop:
//     the fallback's own fallback is not followed, so chains cannot loop.
//   - An event not delivered within the notifier's give_up_after is dead, wherever it was going.
// Synchronous and single-threaded per lane: the AlertDispatcher runs one lane per thread.
#pragma once

#include <functional>
#include <string>

#include "alerts/alerting.h"
#include "config/config.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "probes/http_client.h"
#include "storage/alert_store.h"

namespace vigil::daemon {

class AlertObserver {
 public:
  virtual ~AlertObserver() = default;
  // outcome: delivered | failed | dead | rerouted | reposted | repost_failed
  virtual void OnAlertOutcome(const std::string& notifier, std::string_view outcome) = 0;
};

class OutboxDelivery {
 public:
  // `jitter` draws uniformly from [0, 1) for the backoff. `observer` may be null.
  OutboxDelivery(storage::AlertStore& store, probes::HttpClient& client, const core::Clock& clock,
                 AlertObserver* observer, std::function<double()> jitter);

  // Attempts every due head of `notifier`'s lane once; true when it attempted any. Lowers
  // `next_due` to the earliest head that is not due yet. `redactor` cleans receiver answers
  // before they are logged or stored.
  bool DeliverDue(const config::Config& config, const core::Redactor& redactor, const std::string& notifier,
                  core::WallTime& next_due);
  // Pending events of notifiers that are no longer configured are dead-lettered.
  void DeadLetterOrphans(const config::Config& config);

 private:
  // False when the outcome could not be recorded (the attempt is then made again later).
  bool Attempt(const config::Config& config, const core::Redactor& redactor, const config::NotifierConfig& lane,
               const alerts::PendingDelivery& d);

  storage::AlertStore& store_;
  probes::HttpClient& client_;
  const core::Clock& clock_;
  AlertObserver* observer_;
  std::function<double()> jitter_;
};

// One event now, outside the outbox (`vigil notify-test`, Alertmanager re-posts): the
// verdict's error, or "" when delivered.
std::string SendOnce(const config::NotifierConfig& notifier, const alerts::AlertEvent& event,
                     probes::HttpClient& client, core::WallTime now);

}  // namespace vigil::daemon
