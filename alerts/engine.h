// AlertEngine: decides which notifier hears what about which provider (SPEC §2 `notifiers`, §3,
// §6). It reconciles, for every (notifier, provider) pair the notifier's `match` selects, what
// the notifier was last told (its AlertMark) with the provider's current state:
//   - the provider is down or degraded, the notifier's `on` lists that state and nothing quiets
//     the provider: a provider.down / provider.degraded event, once per state change;
//   - the same alert is still open after `repeat`: a provider.reminder;
//   - an alert is open and the provider is up again: a provider.up, always — quiet or not, and
//     whatever `on` says ("a resolve is always sent for every alert that was sent");
//   - the provider is quiet (maintenance window, active silence, monitor offline, or impacted
//     by a down `depends_on` provider for a notifier without include_impacted): the page is
//     recorded as suppressed, with the reason, and not sent. When the quiet ends and the
//     provider is still failing, the page goes out then.
// The monitor is offline when the connectivity targets fail, or when most providers (at least
// 3 probed, more than half of them) failed their last probes with only network and timeout
// errors. Once it is online again, a provider that went down meanwhile is paged only after a
// probe made since then fails too (a recovering provider still needs success_threshold passes
// before it is up, and must not be paged for the monitor's own outage).
// An open alert hears of every change of its provider's state (down -> degraded as well),
// whatever `on` says: `on` only chooses which states open one.
// Deterministic: time comes in as an argument, ids from NewEventId. Not thread-safe: owned by
// the pipeline thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "alerts/alerting.h"
#include "alerts/health_tracker.h"
#include "config/config.h"

namespace vigil::alerts {

struct QuietInputs {
  std::vector<Silence> silences;
  bool connectivity_down = false;  // every connectivity target failed its last probe
};

class AlertEngine {
 public:
  explicit AlertEngine(std::shared_ptr<const config::Config> config);

  // New notifiers start with nothing open; marks of removed notifiers or providers are dropped.
  void Reconfigure(std::shared_ptr<const config::Config> config);
  void Restore(const std::vector<AlertMark>& marks);

  // One step: `transitions` happened in this batch (possibly none: a tick for reminders and
  // ended quiet periods), `providers` is every provider's state after them.
  AlertWrites Process(const std::vector<ProviderTransition>& transitions,
                      const std::vector<ProviderStatus>& providers, const QuietInputs& quiet,
                      core::WallTime now);

  // Why the monitor considers itself offline ("" when it does not), as of the last Process().
  const std::string& offline_reason() const { return offline_reason_; }
  // The marks with an open alert, for re-posting to Alertmanager.
  std::vector<AlertMark> OpenAlerts() const;

  // Why pages about `p` are held back now ("" when they are not), for notifier `n`.
  static std::string QuietReason(const config::Config& config, const config::ProviderConfig& p,
                                 const config::NotifierConfig& n, const std::string& impacted_by,
                                 const std::string& offline_reason,
                                 const std::vector<Silence>& silences, core::WallTime now);

 private:
  using Key = std::pair<std::string, std::string>;  // (notifier, provider)
  struct StepInputs {
    std::map<std::string, const ProviderTransition*> first;  // the batch's first transition per provider
    std::map<std::string, const ProviderStatus*> by_name;
    const QuietInputs& quiet;
    core::WallTime now;
  };
  // Decides what `n` hears about `p` in this step; true when its mark changed.
  bool Reconcile(const config::NotifierConfig& n, const config::ProviderConfig& p, const StepInputs& in,
                 AlertWrites& out);
  // provider.attention: one event when an item appears, one (resolved) when it is gone; true
  // when the mark changed.
  bool ReconcileAttention(const config::NotifierConfig& n, const config::ProviderConfig& p, const StepInputs& in,
                          AlertWrites& out);
  AlertEvent MakeEvent(EventType type, const config::ProviderConfig& p, const ProviderStatus& s,
                       HealthState previous, const std::string& impacted_by, core::WallTime now) const;
  std::string OfflineReason(const std::vector<ProviderStatus>& providers, const QuietInputs& quiet) const;

  std::shared_ptr<const config::Config> config_;
  std::map<Key, AlertMark> marks_;
  std::string offline_reason_;
  std::optional<core::WallTime> online_since_;  // when the monitor last came back online
};

}  // namespace vigil::alerts
