// Metrics: every SPEC §7 metric, on one prometheus-cpp registry, rendered by its
// TextSerializer. It observes the scheduler (lag, skipped slots) and is the last pipeline
// stage (probe counts, durations, findings, check and provider states from the published
// snapshot), so every figure reflects committed results only. Thread-safe.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>

#include "daemon/alert_dispatcher.h"
#include "daemon/health_stage.h"
#include "daemon/result_pipeline.h"
#include "daemon/scheduler.h"
#include "storage/retention.h"

namespace vigil::daemon {

class Metrics final : public SchedulerObserver,
                      public PipelineStage,
                      public AlertObserver,
                      public storage::RetentionObserver {
 public:
  explicit Metrics(const HealthStage& health);

  void OnStarted(const std::string& key, double lag_seconds) override;
  void OnSkipped(const std::string& key, std::string_view reason) override;
  void OnDeferred(const std::string& key, std::string_view reason) override;
  void Published(const storage::WriteBatch& batch) override;

  void OnAlertOutcome(const std::string& notifier, std::string_view outcome) override;

  // storage::RetentionObserver
  void Pruned(storage::PruneKind kind, int64_t rows) override;
  void Backfilled(const storage::BackfillProgress& progress) override;
  void RetentionFailed(const std::string& operation) override;

  void SetReloadResult(bool ok, core::WallTime at);
  // Read at each scrape: events waiting in the outbox, and whether the monitor is offline.
  void SetAlertSources(std::function<int64_t()> outbox_depth, std::function<bool()> offline);
  // Read at each scrape: the database's size on disk.
  void SetStoreSize(std::function<int64_t()> bytes);
  // Drops the series of providers and checks the config no longer has.
  void Reconfigure(const config::Config& config);
  void CountDroppedResult();
  void CountStoreError();
  std::string Render();
  prometheus::Registry& registry() { return *registry_; }

 private:
  // The series of one check, found once: label-map lookups cost more than the probe itself.
  struct CheckSeries {
    std::array<prometheus::Counter*, 3> outcomes{};    // by probes::Outcome
    std::array<prometheus::Histogram*, 6> phases{};    // dns, connect, tls, ttfb, transfer, total
  };
  CheckSeries& SeriesFor(const std::string& provider, const std::string& check);  // REQUIRES: mu_ held
  void SetCheckUp(const std::string& provider, const std::string& check, alerts::HealthState s);  // REQUIRES: mu_
  void SetProviderState(const std::string& provider, alerts::HealthState s);  // REQUIRES: mu_ held
  void UpdateAllStates();  // REQUIRES: mu_ held
  void SetBudget(const std::string& provider, const probes::quota::Budget& b);  // REQUIRES: mu_ held
  // Notes the expiries `r` reports and sets the provider's expiry gauges to the earliest its
  // checks last reported (checks may reach other hosts or carry their own credentials).
  void SetExpiries(const probes::ProbeResult& r);        // REQUIRES: mu_ held
  void UpdateExpiryGauges(const std::string& provider);  // REQUIRES: mu_ held

  const HealthStage& health_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Gauge>& check_up_;
  prometheus::Family<prometheus::Gauge>& provider_state_;
  prometheus::Family<prometheus::Gauge>& provider_impacted_;
  prometheus::Family<prometheus::Histogram>& probe_duration_;
  prometheus::Family<prometheus::Counter>& probes_total_;
  prometheus::Family<prometheus::Counter>& findings_total_;
  prometheus::Family<prometheus::Gauge>& certificate_expiry_;
  prometheus::Family<prometheus::Gauge>& credential_expiry_;
  prometheus::Family<prometheus::Gauge>& quota_remaining_;
  prometheus::Family<prometheus::Gauge>& quota_ratio_;
  prometheus::Family<prometheus::Gauge>& quota_reset_;
  prometheus::Family<prometheus::Counter>& quota_header_warnings_;
  prometheus::Family<prometheus::Counter>& probe_retries_;
  prometheus::Family<prometheus::Counter>& scheduler_deferred_;
  prometheus::Family<prometheus::Histogram>& scheduler_lag_;
  prometheus::Family<prometheus::Counter>& scheduler_skipped_;
  prometheus::Family<prometheus::Gauge>& reload_ok_;
  prometheus::Family<prometheus::Gauge>& reload_time_;
  prometheus::Family<prometheus::Counter>& pipeline_problems_;
  prometheus::Family<prometheus::Counter>& alerts_total_;
  prometheus::Gauge& outbox_depth_;
  prometheus::Gauge& offline_;
  prometheus::Family<prometheus::Counter>& storage_pruned_;
  prometheus::Family<prometheus::Counter>& storage_errors_;
  prometheus::Gauge& backfill_pending_;
  prometheus::Gauge& store_size_;
  std::function<int64_t()> outbox_depth_source_;  // GUARDED_BY(mu_)
  std::function<bool()> offline_source_;          // GUARDED_BY(mu_)
  std::function<int64_t()> store_size_source_;    // GUARDED_BY(mu_)
  prometheus::Histogram& lag_;

  std::mutex mu_;
  std::set<std::string> providers_;  // GUARDED_BY(mu_): providers with series
  std::set<std::pair<std::string, std::string>> checks_;  // GUARDED_BY(mu_)
  std::unordered_map<std::string, CheckSeries> series_;   // GUARDED_BY(mu_): by "provider/check"
  std::set<std::pair<std::string, std::string>> budgets_;  // GUARDED_BY(mu_): (provider, dimension) with series
  struct Expiries {
    std::optional<core::WallTime> certificate, credential;
  };
  // GUARDED_BY(mu_): what each (provider, check) last reported.
  std::map<std::pair<std::string, std::string>, Expiries> expiries_;
};

}  // namespace vigil::daemon
