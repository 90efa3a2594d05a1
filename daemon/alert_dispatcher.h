// AlertDispatcher: takes events out of the durable outbox and delivers them (SPEC §6). One lane
// (thread) per notifier, so a slow or dead receiver delays nobody else. Within a lane a
// provider's events go strictly in order: only the oldest pending event of each provider is
// tried. An attempt and its outcome are committed before the next attempt, so a restart (or
// kill -9) resumes exactly where delivery stopped; the only possible duplicate is an event
// whose receiver answered 2xx in the instant before a crash (at-least-once).
// Failures back off with full jitter from 1 s to the notifier's max_backoff (5 min), honouring
// Retry-After; 4xx other than 408/429 are permanent; after give_up_after (24 h) an event is
// dead. With `fallback`, an event that failed permanently, or kept failing for `after`, moves
// to the fallback notifier's lane (same event id). Alertmanager lanes also re-post every open
// alert each minute, since Alertmanager resolves alerts that stop being sent. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

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
  virtual void OnAlertOutcome(const std::string& notifier, std::string_view outcome) = 0;
};

class AlertDispatcher {
 public:
  AlertDispatcher(storage::AlertStore& store, probes::HttpClient& client, const core::Clock& clock,
                  AlertObserver* observer);
  ~AlertDispatcher();  // Stop()

  // Starts a lane per notifier of `config`, stops lanes of removed ones. Pending events of a
  // notifier that is no longer configured are dead-lettered.
  void Configure(std::shared_ptr<const config::Config> config, std::shared_ptr<const core::SecretRegistry> secrets);
  // Events were committed to the outbox.
  void Wake();
  // The alerts Alertmanager should keep firing (from the alert engine).
  void SetOpenAlerts(std::vector<alerts::AlertMark> open);
  // Delivers what is due until nothing is, or until `deadline`; then stops every lane.
  void Drain(core::SteadyTime deadline);
  void Stop();

  // One event now, outside the outbox (`vigil notify-test`): the verdict's error, or "".
  static std::string SendOnce(const config::NotifierConfig& notifier, const alerts::AlertEvent& event,
                              probes::HttpClient& client, core::WallTime now);

  static constexpr std::chrono::seconds kAlertmanagerRepost{60};

 private:
  struct Lane {
    std::string name;
    std::thread thread;
    bool dirty = true;  // GUARDED_BY(mu_): new events may be due
  };
  void Run(Lane* lane);
  // Attempts every due head once; true when it attempted any.
  bool Pass(const std::string& lane, core::WallTime& next_due);
  void Attempt(const config::NotifierConfig& n, const alerts::PendingDelivery& d);
  void Repost(const config::NotifierConfig& n);
  void DeadLetterOrphans(const config::Config& config);
  std::shared_ptr<const config::Config> config() const;
  std::string Redact(const std::string& text) const;

  storage::AlertStore& store_;
  probes::HttpClient& client_;
  const core::Clock& clock_;
  AlertObserver* observer_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::shared_ptr<const config::Config> config_;          // GUARDED_BY(mu_)
  std::shared_ptr<const core::SecretRegistry> secrets_;   // GUARDED_BY(mu_)
  std::map<std::string, std::unique_ptr<Lane>> lanes_;    // GUARDED_BY(mu_)
  std::vector<std::unique_ptr<Lane>> retired_;            // GUARDED_BY(mu_): lanes to join
  std::vector<alerts::AlertMark> open_;                   // GUARDED_BY(mu_)
  std::mt19937_64 rng_{std::random_device{}()};           // GUARDED_BY(mu_)
  bool stopping_ = false;                                 // GUARDED_BY(mu_)
  std::optional<core::SteadyTime> drain_deadline_;        // GUARDED_BY(mu_)
};

}  // namespace vigil::daemon
