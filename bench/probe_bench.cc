// probe_bench: the cost of probing. Runs N checks (default 1,000) against a local target — a
// `vigil simulate` child process, so the target's CPU is not counted — through the real parts:
// scheduler, worker pool, PocoHttpClient, checks, pipeline, SQLite store (synchronous=FULL),
// health tracker and metrics. Prints CPU microseconds per probe (storage included), memory per
// configured check, peak RSS, and scheduler lag p50/p99. Figures, not assertions.
//
//   probe_bench [--checks N] [--seconds S] [--interval D] [--workers W]
#include <sys/resource.h>

#include <csignal>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>
#include <thread>

#include "config/loader.h"
#include "daemon/health_stage.h"
#include "daemon/metrics.h"
#include "daemon/result_pipeline.h"
#include "daemon/scheduler.h"
#include "probes/check_runner.h"
#include "probes/poco_http_client.h"
#include "storage/sqlite_store.h"
#include "tests/support/daemon_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace vigil;

struct Options {
  int checks = 1000;
  int seconds = 30;
  std::string interval = "10s";
  int workers = 32;
};

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

long CurrentRssKb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

class LagRecorder final : public daemon::SchedulerObserver {
 public:
  void OnStarted(const std::string&, double lag) override {
    std::lock_guard lock(mu_);
    lags_.push_back(lag);
  }
  void OnSkipped(const std::string&, std::string_view) override { ++skipped_; }
  std::vector<double> Take() {
    std::lock_guard lock(mu_);
    return std::move(lags_);
  }
  int skipped() const { return skipped_; }

 private:
  std::mutex mu_;
  std::vector<double> lags_;
  std::atomic<int> skipped_{0};
};

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())))];
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    if (k == "--checks") o.checks = std::stoi(argv[i + 1]);
    else if (k == "--seconds") o.seconds = std::stoi(argv[i + 1]);
    else if (k == "--interval") o.interval = argv[i + 1];
    else if (k == "--workers") o.workers = std::stoi(argv[i + 1]);
    else throw std::runtime_error("unknown option " + k);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options opt = Parse(argc, argv);
  core::Log::Configure(core::LogLevel::kWarn, core::LogFormat::kText);
  testing::TempDir dir;
  std::string base;
  const std::unique_ptr<testing::Subprocess> target = testing::StartSimulatorProcess(base);

  probes::PocoHttpClient client;  // process-wide set-up (OpenSSL, resolver threads) before the baseline
  const long rss_base = CurrentRssKb();

  // The HTTP client alone, one request after another: the floor under everything else.
  double client_us = 0;
  {
    probes::HttpRequest req;
    req.url = base + "/alone/v1/balance";
    req.timeout = core::Millis(5000);
    for (int i = 0; i < 200; ++i) client.Execute(req);  // warm-up
    const double before = CpuSeconds();
    constexpr int kAlone = 2000;
    for (int i = 0; i < kAlone; ++i) client.Execute(req);
    client_us = (CpuSeconds() - before) * 1e6 / kAlone;
  }

  std::string yaml = "scheduler: { workers: " + std::to_string(opt.workers) + ", queue: 100000 }\n"
                     "defaults: { interval: " + opt.interval + ", timeout: 1s }\nproviders:\n";
  for (int p = 0; p < opt.checks / 10; ++p) {
    yaml += "  - name: p" + std::to_string(p) + "\n    base_url: " + base + "/p" + std::to_string(p) + "\n    checks:\n";
    for (int c = 0; c < 10; ++c) {
      yaml += "      - name: c" + std::to_string(c) + "\n        path: /v1/c" + std::to_string(c) +
              "\n        expect:\n          status: [200]\n          latency: { warn: 500ms }\n"
              "          json: [{ pointer: /object, equals: balance }, { pointer: /available, type: array, min_items: 1 }]\n"
              "          headers: [{ name: Content-Type, matches: \"^application/json\" }]\n";
    }
  }
  config::LoadResult loaded = config::LoadConfigText(yaml, "bench.yaml", dir.path(), config::SecretSources::FromProcess());
  if (!loaded.ok()) {
    std::cerr << loaded.ErrorText();
    return 2;
  }
  auto store = storage::SqliteStore::Open(dir.File("bench.db"));
  if (!store.ok()) return 3;
  daemon::HealthStage health(loaded.config, core::SystemClock::Instance());
  daemon::Metrics metrics(health);
  daemon::ResultPipeline pipeline(**store, 1'000'000);
  pipeline.AddStage(&health);
  pipeline.AddStage(&metrics);
  pipeline.Start();
  probes::CheckRunner runner(loaded.config, client, core::SystemClock::Instance());
  daemon::WorkerPool pool(opt.workers, 100'000);
  LagRecorder lag;
  daemon::Scheduler scheduler(core::SystemClock::Instance(), pool, &lag);
  std::atomic<long> probes{0}, failed{0};
  std::mutex run_mu;
  double run_cpu = 0;  // CPU spent inside CheckRunner::Run (request + judging), on the workers
  std::vector<daemon::ScheduledCheck> checks;
  for (std::size_t i = 0; i < runner.size(); ++i) {
    checks.push_back({runner.target(i).key, runner.target(i).check->interval, {}});
  }
  scheduler.SetChecks(checks, [&](std::size_t i) {
    const double t0 = ThreadCpuSeconds();
    probes::ProbeResult r = std::move(runner.Run(i).front());
    {
      std::lock_guard lock(run_mu);
      run_cpu += ThreadCpuSeconds() - t0;
    }
    const bool fail = r.outcome == probes::Outcome::kFail;
    failed += fail;
    ++probes;
    pipeline.Submit(std::move(r));
    return fail;
  });
  const long rss_configured = CurrentRssKb();

  // Judging alone: one real response, judged over and over.
  double judge_us = 0;
  {
    const probes::HttpResponse canned = client.Execute(runner.target(0).request);
    const double before = CpuSeconds();
    constexpr int kJudged = 20000;
    for (int i = 0; i < kJudged; ++i) runner.Judge(runner.target(0), core::SystemClock::Instance().Now(), canned);
    judge_us = (CpuSeconds() - before) * 1e6 / kJudged;
  }

  // Warm-up: the first spread of probes, then measure a steady window.
  const auto run_for = [&](std::chrono::seconds d) {
    const auto end = std::chrono::steady_clock::now() + d;
    while (std::chrono::steady_clock::now() < end) {
      const core::SteadyTime next = scheduler.Tick();
      scheduler.WaitUntil(std::min(next, std::chrono::steady_clock::now() + std::chrono::milliseconds(100)));
    }
  };
  run_for(std::chrono::seconds(std::min(15, opt.seconds / 2)));
  pool.WaitIdle();
  pipeline.Flush();
  lag.Take();
  const long probes_before = probes;
  const double cpu_before = CpuSeconds();
  const double run_cpu_before = [&] { std::lock_guard lock(run_mu); return run_cpu; }();
  run_for(std::chrono::seconds(opt.seconds));
  pool.WaitIdle();
  pipeline.Flush();
  const double cpu = CpuSeconds() - cpu_before;
  const double run_part = [&] { std::lock_guard lock(run_mu); return run_cpu; }() - run_cpu_before;
  const long n = probes - probes_before;
  const std::vector<double> lags = lag.Take();
  const long rss_end = CurrentRssKb();
  pool.Stop();
  pipeline.Stop();

  std::printf("probe_bench: %d checks (plain HTTP, 5 expectations each) against a local target, %s interval, %d workers\n",
              opt.checks, opt.interval.c_str(), opt.workers);
  std::printf("  probes measured          %ld in %d s (%ld failed, %d slots skipped)\n", n, opt.seconds, failed.load(), lag.skipped());
  std::printf("  CPU per probe            %.1f us  (scheduling, HTTP, judging, SQLite commit, health, metrics)\n",
              n ? cpu * 1e6 / static_cast<double>(n) : 0.0);
  std::printf("    of which probe+judge   %.1f us  (on the workers); the rest is scheduling, the pipeline, storage\n",
              n ? run_part * 1e6 / static_cast<double>(n) : 0.0);
  std::printf("  CPU per bare request     %.1f us  (PocoHttpClient alone, sequential, same target)\n", client_us);
  std::printf("  CPU per judging          %.1f us  (the 5 expectations on one response, alone)\n", judge_us);
  std::printf("  memory per check         %.1f KB  (RSS %ld KB before the config, %ld KB configured, %ld KB after the run)\n",
              static_cast<double>(rss_end - rss_base) / opt.checks, rss_base, rss_configured, rss_end);
  std::printf("  peak RSS                 %ld KB\n", PeakRssKb());
  std::printf("  scheduler lag            p50 %.3f ms  p99 %.3f ms  (%zu starts)\n", Percentile(lags, 0.5) * 1e3,
              Percentile(lags, 0.99) * 1e3, lags.size());
  target->Signal(SIGTERM);
  target->Wait(std::chrono::seconds(5));
  return failed > 0 ? 1 : 0;
}
