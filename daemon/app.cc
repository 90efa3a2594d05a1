#include "daemon/app.h"

#include <condition_variable>
#include <filesystem>

#include "config/loader.h"
#include "daemon/core/log.h"
#include "daemon/fd_budget.h"
#include "daemon/sd_notify.h"
#include "daemon/signals.h"

namespace vigil::daemon {
namespace {

constexpr auto kDrainPeriod = std::chrono::seconds(7);
// SIGTERM to exit: probes get kDrainPeriod, then the outbox gets what is left of this.
constexpr auto kShutdownBudget = std::chrono::seconds(9);
constexpr auto kAlertTick = std::chrono::seconds(1);

}  // namespace

App::App(AppOptions options) : options_(std::move(options)) {}

App::~App() { Shutdown(); }

std::shared_ptr<const config::Config> App::config() const {
  std::lock_guard lock(config_mu_);
  return config_;
}

std::string App::NotReadyReason() const {
  if (stopping_) return "shutting down";
  if (!store_->Writable()) return "the database (" + store_->Describe() + ") is not writable";
  return "";
}

void App::ResetBaseline(const std::string& provider, const std::string& check) {
  baselines_->Reset(provider, check);
  pipeline_->SubmitBaselineReset(provider, check);
  core::Log::Info("baseline", "reset; the next responses teach a new one", {{"provider", provider}, {"check", check}});
}

core::Status App::AddSilence(const alerts::Silence& silence) {
  if (core::Status s = store_->SaveSilence(silence); !s.ok()) return s;
  alerts_->AddSilence(silence);
  core::Log::Info("alerts", "silence created", {{"id", silence.id}, {"until", core::FormatRfc3339(silence.ends)},
                                               {"by", silence.created_by}});
  return core::Status::Ok();
}

core::Result<bool> App::ExpireSilence(const std::string& id) {
  const core::WallTime now = Now();
  core::Result<bool> found = store_->ExpireSilence(id, now);
  if (found.ok() && *found) {
    alerts_->ExpireSilence(id, now);
    pipeline_->SubmitTick();  // pages held back by it go out now
    core::Log::Info("alerts", "silence ended", {{"id", id}});
  }
  return found;
}

std::vector<std::string> App::ProbeNow(const std::string& provider) {
  std::vector<std::string> started;
  const auto c = config();
  if (const config::ProviderConfig* p = c->FindProvider(provider)) {
    for (const auto& check : p->checks) {
      if (!check.synthetic && scheduler_->RunNow(provider + "/" + check.name)) started.push_back(check.name);
    }
  }
  return started;
}

int App::Start() {
  config::LoadResult loaded = config::LoadConfigFile(options_.config_path, config::SecretSources::FromProcess());
  Prepared prepared = Prepare(loaded);
  if (!prepared.errors.empty()) {
    for (const auto& e : prepared.errors) {
      core::Log::Error("config", "invalid config; not started", {{"error", e.ToString()}});
    }
    return 2;
  }
  const std::string db = storage::DatabasePath(options_.state_dir, loaded.config->storage.sqlite);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::absolute(db).parent_path(), ec);
  auto store = storage::OpenStore(loaded.config->storage, options_.state_dir);
  if (!store.ok()) {
    core::Log::Error("storage", store.message());
    return 3;
  }
  store_ = std::move(store).value();
  health_ = std::make_unique<HealthStage>(loaded.config, core::SystemClock::Instance());
  core::Result<alerts::SavedState> saved = store_->LoadSavedState();
  if (!saved.ok()) {
    core::Log::Error("storage", saved.message());
    return 3;
  }
  health_->Restore(*saved);
  core::Result<std::vector<probes::shape::StoredBaseline>> baselines = store_->LoadBaselines();
  if (!baselines.ok()) {
    core::Log::Error("storage", baselines.message());
    return 3;
  }
  baselines_->Load(*baselines);
  metrics_ = std::make_unique<Metrics>(*health_);
  dispatcher_ = std::make_unique<AlertDispatcher>(*store_, alert_client_, core::SystemClock::Instance(), metrics_.get());
  alerts_ = std::make_unique<AlertStage>(loaded.config, *health_, core::SystemClock::Instance(), *dispatcher_);
  core::Result<std::vector<alerts::AlertMark>> marks = store_->LoadAlertMarks();
  core::Result<std::vector<alerts::Silence>> silences = store_->LoadSilences(Now());
  if (!marks.ok() || !silences.ok()) {
    core::Log::Error("storage", marks.ok() ? silences.message() : marks.message());
    return 3;
  }
  alerts_->Restore(*marks, std::move(silences).value());
  metrics_->SetAlertSources([this] {
                              const core::Result<int64_t> depth = store_->OutboxDepth();
                              return depth.ok() ? *depth : int64_t{0};
                            },
                            [this] { return !alerts_->offline_reason().empty(); });
  pipeline_ = std::make_unique<ResultPipeline>(*store_, 100'000);
  pipeline_->AddStage(health_.get());
  pipeline_->AddStage(alerts_.get());  // after health: it reads the batch's transitions
  pipeline_->AddStage(metrics_.get());
  connectivity_ = std::make_unique<ConnectivityMonitor>(client_, [this](bool down, const std::string&) {
    alerts_->SetConnectivityDown(down);
    pipeline_->SubmitTick();
  });
  pipeline_->Start();
  retention_ = std::make_unique<storage::RetentionTask>(*store_, core::SystemClock::Instance(), metrics_.get());
  retention_->Configure(loaded.config->storage.retention);
  retention_->Start();
  metrics_->SetStoreSize([this] { return store_->SizeBytes(); });
  pool_ = std::make_unique<WorkerPool>(loaded.config->scheduler.workers, static_cast<std::size_t>(loaded.config->scheduler.queue));
  scheduler_ = std::make_unique<Scheduler>(core::SystemClock::Instance(), *pool_, metrics_.get(), &quota_gate_);
  Apply(loaded.config, std::move(prepared));
  metrics_->SetReloadResult(true, Now());
  api_ = std::make_unique<http::Api>(*this);
  const std::string listen = options_.listen.empty() ? loaded.config->server.listen : options_.listen;
  const config::ServerLimits& limits = loaded.config->server.limits;
  http::ServerOptions server_options;
  server_options.threads = limits.workers;
  // Probes in flight (a redirect holds two sockets), deliveries, the database, logs: kept free.
  const ConnectionBudget budget = FitConnections(limits.max_connections, 2 * loaded.config->scheduler.workers + 64);
  if (budget.capped) {
    core::Log::Warn("http", "server.limits.max_connections is more than the file descriptor limit leaves room for",
                    {{"configured", std::to_string(limits.max_connections)},
                     {"used", std::to_string(budget.max_connections)}, {"nofile", std::to_string(budget.soft_limit)}});
  }
  server_options.max_connections = budget.max_connections;
  server_options.read_deadline = limits.request_timeout;
  server_options.keep_alive = limits.idle_timeout;
  server_options.max_body = limits.max_body;
  auto server = http::HttpServer::Start(listen, [this](auto& req, auto& resp) { api_->Handle(req, resp); }, server_options);
  if (!server.ok()) {
    core::Log::Error("http", server.message());
    return 3;
  }
  server_ = std::move(server).value();
  scheduler_thread_ = std::thread([this] { SchedulerLoop(); });
  const std::string bound = listen.substr(0, listen.rfind(':')) + ":" + std::to_string(server_->port());
  core::Log::Info("daemon", "started", {{"listen", bound}, {"database", db},
                                        {"providers", std::to_string(loaded.config->providers.size())},
                                        {"checks", std::to_string(loaded.config->CheckCount())}});
  SdNotify("READY=1\nSTATUS=monitoring " + std::to_string(loaded.config->CheckCount()) + " checks");
  return 0;
}

App::Prepared App::Prepare(const config::LoadResult& loaded) {
  Prepared p;
  p.errors = loaded.errors;
  if (!loaded.ok()) return p;
  p.secrets = std::make_shared<core::SecretRegistry>(loaded.config->secrets);
  probes::CheckRunner::Created created =
      probes::CheckRunner::Create(loaded.config, client_, core::SystemClock::Instance(), {p.secrets, quota_, baselines_});
  p.runner = std::move(created.runner);
  p.errors = std::move(created.errors);
  return p;
}

void App::Apply(std::shared_ptr<const config::Config> config, Prepared prepared) {
  quota_->Configure(*config);
  if (retention_) retention_->Configure(config->storage.retention);
  core::Log::SetSecrets(prepared.secrets);
  std::shared_ptr<probes::CheckRunner> runner = std::move(prepared.runner);
  std::vector<ScheduledCheck> checks;
  std::vector<std::size_t> indices;  // schedule slot -> runner target; synthetic checks are never scheduled
  for (std::size_t i = 0; i < runner->size(); ++i) {
    const auto& t = runner->target(i);
    if (t.check->synthetic) continue;
    checks.push_back({t.key, t.check->interval, t.check->interval_when_failing});
    indices.push_back(i);
  }
  {  // first: readers that find a provider in the new snapshot must find it in the config
    std::lock_guard lock(config_mu_);
    config_ = config;
    runner_ = runner;
    secrets_ = prepared.secrets;
  }
  health_->Reconfigure(config);
  alerts_->Reconfigure(config);
  dispatcher_->Configure(config, prepared.secrets);
  connectivity_->Configure(config->connectivity);
  metrics_->Reconfigure(*config);
  scheduler_->SetChecks(std::move(checks), [this, runner, indices](std::size_t slot) {
    std::vector<probes::ProbeResult> results = runner->Run(indices[slot]);
    if (aborting_) return false;  // cut short by shutdown: says nothing about the provider
    const bool failing = results.front().outcome == probes::Outcome::kFail;
    for (auto& r : results) {
      if (!pipeline_->Submit(std::move(r))) metrics_->CountDroppedResult();
    }
    return failing;
  });
}

void App::Reload() {
  SdNotify("RELOADING=1");
  config::LoadResult loaded = config::LoadConfigFile(options_.config_path, config::SecretSources::FromProcess());
  Prepared prepared = Prepare(loaded);
  if (!prepared.errors.empty()) {
    for (const auto& e : prepared.errors) {
      core::Log::Error("config", "reload rejected; the previous config keeps running", {{"error", e.ToString()}});
    }
    metrics_->SetReloadResult(false, Now());
    SdNotify("READY=1\nSTATUS=reload rejected; running the previous config");
    return;
  }
  const auto old = config();
  if (loaded.config->server.listen != old->server.listen && options_.listen.empty()) {
    core::Log::Warn("config", "server.listen changed; it takes effect after a restart");
  }
  if (loaded.config->server.limits != old->server.limits) {
    core::Log::Warn("config", "server.limits changed; they take effect after a restart");
  }
  if (loaded.config->storage.sqlite != old->storage.sqlite) {
    core::Log::Warn("config", "storage.sqlite changed; it takes effect after a restart");
  }
  Apply(loaded.config, std::move(prepared));
  metrics_->SetReloadResult(true, Now());
  core::Log::Info("config", "reloaded", {{"providers", std::to_string(loaded.config->providers.size())},
                                         {"checks", std::to_string(loaded.config->CheckCount())}});
  SdNotify("READY=1\nSTATUS=monitoring " + std::to_string(loaded.config->CheckCount()) + " checks");
}

void App::SchedulerLoop() {
  const std::optional<std::chrono::milliseconds> watchdog = WatchdogPingInterval();
  auto next_ping = std::chrono::steady_clock::now();
  auto next_alert_tick = next_ping;
  while (!stopping_) {
    const core::SteadyTime next = scheduler_->Tick();
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_alert_tick) {
      pipeline_->SubmitTick();  // reminders, and pages whose quiet period ended
      next_alert_tick = now + kAlertTick;
    }
    if (watchdog && now >= next_ping) {
      SdNotify("WATCHDOG=1");  // from this loop: a stalled scheduler stops the pings
      next_ping = now + *watchdog;
    }
    core::SteadyTime wake = std::min({next, now + std::chrono::seconds(1), next_alert_tick});
    if (watchdog) wake = std::min(wake, next_ping);
    scheduler_->WaitUntil(wake);
  }
}

void App::Shutdown() {
  if (stopping_.exchange(true)) return;
  SdNotify("STOPPING=1");
  const auto deadline = std::chrono::steady_clock::now() + kShutdownBudget;
  if (scheduler_thread_.joinable()) {
    scheduler_->Wake();
    scheduler_thread_.join();
  }
  if (pool_) {
    // Let probes in flight finish for a while; then cut them short.
    if (!pool_->WaitIdleFor(kDrainPeriod)) {
      core::Log::Warn("daemon", "probes still running at shutdown were cut short",
                      {{"probes", std::to_string(pool_->busy())}});
      aborting_ = true;
      client_.AbortAll();
      pool_->WaitIdle();
    }
    pool_->Stop();
  }
  if (retention_) retention_->Stop();
  if (pipeline_) pipeline_->Stop();  // commits everything already submitted, events included
  if (connectivity_) connectivity_->Stop();
  if (dispatcher_) DrainOutbox(deadline);
  if (server_) {  // it had started
    server_->Stop();
    core::Log::Info("daemon", "stopped");
  }
}

void App::DrainOutbox(core::SteadyTime deadline) {
  // Deliver what is due until the deadline; an attempt still running then is cut short. What
  // is not delivered stays in the outbox for the next start.
  std::mutex mu;
  std::condition_variable cv;
  bool drained = false;
  std::thread guard([&] {
    std::unique_lock lock(mu);
    if (!cv.wait_until(lock, deadline, [&] { return drained; })) alert_client_.AbortAll();
  });
  dispatcher_->Drain(deadline);
  {
    std::lock_guard lock(mu);
    drained = true;
  }
  cv.notify_all();
  guard.join();
}

int App::Run(const sigset_t& signals) {
  if (const int rc = Start(); rc != 0) {
    Shutdown();
    return rc;
  }
  for (;;) {
    const int sig = WaitForSignal(signals, std::chrono::seconds(1));
    if (sig == SIGHUP) {
      Reload();
    } else if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) {
      core::Log::Info("daemon", "stopping", {{"signal", strsignal(sig)}});
      break;
    }
  }
  Shutdown();
  return 0;
}

}  // namespace vigil::daemon
