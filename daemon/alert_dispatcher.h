// AlertDispatcher: runs alert delivery (SPEC §6). One lane (thread) per notifier, so a slow or
// dead receiver delays nobody else; each lane hands its due events to OutboxDelivery, which
// holds the retry, dead-letter and fallback policy. Within a lane a provider's events go
// strictly in order: only the oldest pending event of each provider is tried. The only possible
// duplicate is an event whose receiver answered 2xx in the instant before a crash
// (at-least-once). Alertmanager lanes also re-post every open alert each minute, since
// Alertmanager resolves alerts that stop being sent. Thread-safe.
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
#include "daemon/outbox_delivery.h"
#include "probes/http_client.h"
#include "storage/alert_store.h"

namespace vigil::daemon {

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
  void Repost(const config::NotifierConfig& n);
  std::shared_ptr<const config::Config> config() const;
  std::shared_ptr<const core::Redactor> redactor() const;
  double Jitter();

  probes::HttpClient& client_;
  const core::Clock& clock_;
  AlertObserver* observer_;
  OutboxDelivery delivery_;

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
