// App: the composition root of `vigil run`. It builds and wires the parts — store, HTTP client,
// health stage, metrics, pipeline, worker pool, scheduler, listener — and runs the signal loop:
// SIGHUP reloads (a bad config is rejected and the old one keeps running), SIGTERM/SIGINT
// drain in-flight probes and commit every result before exiting 0. It does nothing else.
#pragma once

#include <signal.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "config/loader.h"
#include "daemon/alert_dispatcher.h"
#include "daemon/alert_stage.h"
#include "daemon/connectivity.h"
#include "daemon/health_stage.h"
#include "daemon/http/api.h"
#include "daemon/http/server.h"
#include "daemon/metrics.h"
#include "daemon/quota_gate.h"
#include "daemon/result_pipeline.h"
#include "daemon/scheduler.h"
#include "daemon/worker_pool.h"
#include "probes/check_runner.h"
#include "probes/poco_http_client.h"
#include "storage/retention.h"
#include "storage/store.h"

namespace vigil::daemon {

struct AppOptions {
  std::string config_path;
  std::string state_dir;  // empty: $STATE_DIRECTORY, else the working directory
  std::string listen;     // empty: server.listen from the config
};

class App final : public http::ApiBackend {
 public:
  explicit App(AppOptions options);
  ~App() override;

  // Blocks until SIGTERM/SIGINT; returns the exit code. `signals` are already blocked.
  int Run(const sigset_t& signals);

  // ApiBackend
  std::shared_ptr<const config::Config> config() const override;
  std::shared_ptr<const StatusSnapshot> status() const override { return health_->snapshot(); }
  const storage::ResultStore& store() const override { return *store_; }
  const storage::HistoryStore& history() const override { return *store_; }
  std::string RenderMetrics() override { return metrics_->Render(); }
  std::string NotReadyReason() const override;
  std::vector<std::string> ProbeNow(const std::string& provider) override;
  core::WallTime Now() const override { return core::SystemClock::Instance().Now(); }
  std::optional<probes::quota::Throttle> QuotaThrottle(const std::string& provider) const override {
    return quota_->CurrentThrottle(provider, Now());
  }
  std::vector<probes::quota::ObservedBudget> QuotaBudgets(const std::string& provider) const override {
    return quota_->LatestBudgets(provider);
  }
  void ResetBaseline(const std::string& provider, const std::string& check) override;
  const storage::AlertStore& alert_store() const override { return *store_; }
  core::Status AddSilence(const alerts::Silence& silence) override;
  core::Result<bool> ExpireSilence(const std::string& id) override;
  std::string OfflineReason() const override { return alerts_ ? alerts_->offline_reason() : ""; }

 private:
  int Start();
  // A runner (with every check compiled) and secrets for a loaded config, or every error found.
  struct Prepared {
    std::shared_ptr<probes::CheckRunner> runner;
    std::shared_ptr<core::SecretRegistry> secrets;
    std::vector<config::ConfigError> errors;
  };
  Prepared Prepare(const config::LoadResult& loaded);
  void Apply(std::shared_ptr<const config::Config> config, Prepared prepared);  // schedule, health, metrics
  void Reload();
  void Shutdown();
  void DrainOutbox(core::SteadyTime deadline);
  void SchedulerLoop();

  AppOptions options_;
  mutable std::mutex config_mu_;
  std::shared_ptr<const config::Config> config_;  // GUARDED_BY(config_mu_)
  std::shared_ptr<probes::CheckRunner> runner_;   // GUARDED_BY(config_mu_)
  std::shared_ptr<core::SecretRegistry> secrets_;  // GUARDED_BY(config_mu_)

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<storage::RetentionTask> retention_;
  probes::PocoHttpClient client_;
  probes::PocoHttpClient alert_client_;  // its own, so shutdown can cut deliveries short apart from probes
  std::shared_ptr<probes::quota::QuotaBook> quota_ = std::make_shared<probes::quota::QuotaBook>();
  QuotaGate quota_gate_{quota_};
  std::shared_ptr<probes::shape::BaselineBook> baselines_ = std::make_shared<probes::shape::BaselineBook>();
  std::unique_ptr<HealthStage> health_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<AlertDispatcher> dispatcher_;
  std::unique_ptr<AlertStage> alerts_;
  std::unique_ptr<ConnectivityMonitor> connectivity_;
  std::unique_ptr<ResultPipeline> pipeline_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<http::Api> api_;
  std::unique_ptr<http::HttpServer> server_;
  std::thread scheduler_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> aborting_{false};  // in-flight probes were cut short: their results are not news
};

}  // namespace vigil::daemon
