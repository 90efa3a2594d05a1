// history_bench: what a long history costs the reader. Builds two databases of the same size —
// D days of results for P providers × C checks, one result per check every E (default 90 days,
// 100 × 10, 10 min: 12.96 M results) —
//   1. written through SqliteStore as the daemon writes (rollups included, in batches), and
//   2. as the release before rollups left it (schema 7, raw rows only, built with SQL),
// then runs the real `vigil run` on each (probing a `vigil simulate` child at the checks'
// interval) and prints: rows, file size, time to READY, p50/p99 of the provider view
// (`GET /api/v1/providers/{name}`), of `GET /api/v1/providers`, of the status page (`/` and
// `/providers/{name}`), and for the schema-7 database the time the backfill takes. Figures, not
// assertions.
//
//   history_bench [--days D] [--providers P] [--checks C] [--every DURATION] [--requests N]
//                 [--dir PATH] [--only store|schema7] [--wait-prune] [--reuse]
#include <csignal>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <random>
#include <regex>
#include <stdexcept>
#include <thread>

#include "daemon/core/duration.h"
#include "daemon/core/log.h"
#include "storage/migrations.h"
#include "storage/sqlite_store.h"
#include "tests/support/http_call.h"
#include "tests/support/sqlite_file.h"
#include "tests/support/daemon_process.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace vigil;
using Clock = std::chrono::steady_clock;

struct Options {
  int days = 90;
  int providers = 100;
  int checks = 10;
  core::Millis every = std::chrono::minutes(10);
  int requests = 400;
  std::string dir;   // where the databases go (default: a temporary directory)
  std::string only;  // "store" or "schema7"
  bool wait_prune = false;  // also measure after the first prune to retention.raw (minutes)
  bool reuse = false;       // keep a database an earlier run wrote to --dir
};

[[noreturn]] void Usage(const char* why) {
  std::fprintf(stderr,
               "%s\nusage: history_bench [--days D] [--providers P] [--checks C] [--every DURATION]\n"
               "                     [--requests N] [--dir PATH] [--only store|schema7] [--wait-prune] [--reuse]\n",
               why);
  std::exit(2);
}

// A run that cannot go on: thrown rather than std::exit, so the daemon and the simulator this
// bench started are stopped by their destructors instead of outliving it.
struct BenchFailure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") Usage("history_bench: the cost of reading a long history");
    if (a == "--reuse") {
      o.reuse = true;
      continue;
    }
    if (a == "--wait-prune") {
      o.wait_prune = true;
      continue;
    }
    if (i + 1 >= argc) Usage(("missing value for " + a).c_str());
    const std::string v = argv[++i];
    if (a == "--days") o.days = std::stoi(v);
    else if (a == "--providers") o.providers = std::stoi(v);
    else if (a == "--checks") o.checks = std::stoi(v);
    else if (a == "--requests") o.requests = std::stoi(v);
    else if (a == "--dir") o.dir = v;
    else if (a == "--only") o.only = v;
    else if (a == "--every") {
      core::Result<core::Millis> d = core::ParseDuration(v);
      if (!d.ok() || d->count() < 1000) Usage("--every: a duration of at least 1s");
      o.every = *d;
    } else {
      Usage(("unknown option " + a).c_str());
    }
  }
  if (o.days < 1 || o.providers < 1 || o.checks < 1 || o.requests < 1) Usage("every number must be positive");
  return o;
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string Mb(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

int64_t FileBytes(const std::string& path) {
  std::error_code ec;
  int64_t n = 0;
  for (const char* suffix : {"", "-wal"}) {
    const auto s = std::filesystem::file_size(path + suffix, ec);
    if (!ec) n += static_cast<int64_t>(s);
  }
  return n;
}

std::string ProviderName(int p) { return "p" + std::to_string(p); }
std::string CheckName(int c) { return "c" + std::to_string(c); }

// 1. Through the store, as the daemon writes: batches of a few thousand results, rollups and all.
// Each provider has an outage of 30 minutes every 9 days (failing results and transitions).
int64_t WriteThroughStore(const Options& o, const std::string& path, core::WallTime now) {
  auto opened = storage::SqliteStore::Open(path);
  if (!opened.ok()) throw BenchFailure(opened.message());
  storage::SqliteStore& store = **opened;
  const int64_t end = core::ToUnixMillis(now), start = end - int64_t{o.days} * 86'400'000;
  const int64_t step = o.every.count();
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> latency(3.6, 0.5);
  std::vector<alerts::HealthState> state(static_cast<std::size_t>(o.providers), alerts::HealthState::kUnknown);
  int64_t rows = 0;
  storage::WriteBatch batch;
  const auto flush = [&] {
    if (batch.empty()) return;
    if (core::Status s = store.Write(batch); !s.ok()) throw BenchFailure(s.message());
    batch = storage::WriteBatch();
  };
  for (int64_t t = start; t < end; t += step) {
    for (int p = 0; p < o.providers; ++p) {
      const int64_t cycle = 9 * 86'400'000, offset = (int64_t{p} * 7'919'000) % cycle;
      const bool out = (t - start + offset) % cycle < 30 * 60'000;
      const alerts::HealthState now_state = out ? alerts::HealthState::kDown : alerts::HealthState::kUp;
      auto& prev = state[static_cast<std::size_t>(p)];
      if (now_state != prev) {
        batch.health.transitions.push_back({ProviderName(p), prev, now_state, core::FromUnixMillis(t), {},
                                            alerts::IncidentAction::kNone});
        prev = now_state;
      }
      for (int c = 0; c < o.checks; ++c) {
        probes::ProbeResult r;
        r.provider = ProviderName(p);
        r.check = CheckName(c);
        r.time = core::FromUnixMillis(t + (p * o.checks + c) * (step / (o.providers * o.checks + 1)));
        r.outcome = out ? probes::Outcome::kFail : probes::Outcome::kPass;
        r.status_code = out ? 503 : 200;
        r.phases.total_ms = latency(rng);
        r.phases.ttfb_ms = r.phases.total_ms * 0.8;
        batch.results.push_back(std::move(r));
        ++rows;
      }
    }
    if (batch.results.size() >= 5000) flush();
  }
  flush();
  return rows;
}

// 2. As the release before rollups left it: schema 7, raw rows only, the same shape.
int64_t WriteSchema7(const Options& o, const std::string& path, core::WallTime now) {
  const int64_t end = core::ToUnixMillis(now), start = end - int64_t{o.days} * 86'400'000;
  const int64_t per_check = (end - start) / o.every.count();
  const int64_t n = per_check * o.providers * o.checks;
  std::string sql = "PRAGMA journal_mode = WAL;\n";
  for (int v = 0; v < 7; ++v) {
    for (const std::string& statement : storage::Migrations()[static_cast<std::size_t>(v)]) sql += statement + ";\n";
  }
  const int64_t stride = o.every.count() / (o.providers * o.checks + 1);
  sql += "BEGIN;\nWITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(n - 1) +
         ")"
         " INSERT INTO results(ts_ms, provider, check_name, outcome, status_code, dns_ms, connect_ms, tls_ms,"
         " ttfb_ms, transfer_ms, total_ms, findings, body_excerpt, body_truncated)"
         " SELECT " + std::to_string(start) + " + (i / " + std::to_string(o.providers * o.checks) + ") * " +
         std::to_string(o.every.count()) + " + (i % " + std::to_string(o.providers * o.checks) + ") * " +
         std::to_string(stride) + ", 'p' || ((i / " + std::to_string(o.checks) + ") % " + std::to_string(o.providers) +
         "), 'c' || (i % " + std::to_string(o.checks) +
         "), CASE WHEN i % 97 = 0 THEN 'fail' ELSE 'pass' END, CASE WHEN i % 97 = 0 THEN 503 ELSE 200 END,"
         " 0, 0, 0, 0, 0, 20 + (i * 7919) % 4000 / 40.0, '[]', '', 0 FROM n;\n"
         // What a running release also leaves: every check's state, one transition per provider.
         "INSERT INTO check_states SELECT DISTINCT provider, check_name, 'up', " + std::to_string(start) +
         " FROM results WHERE ts_ms < " + std::to_string(start + o.every.count()) + ";\n"
         "INSERT INTO transitions(provider, from_state, to_state, ts_ms, reasons)"
         " SELECT DISTINCT provider, 'unknown', 'up', " + std::to_string(start) + ", '[]' FROM check_states;\n"
         "COMMIT;\nPRAGMA user_version = 7;\n";
  testing::ExecSql(path, sql);
  return n;
}

struct Daemon {
  std::unique_ptr<testing::Subprocess> process;
  std::string base;
  double ready_s = 0;
};

std::string ConfigFor(const Options& o, const std::string& db, const std::string& target) {
  std::string yaml = "storage: { sqlite: " + db + " }\ndefaults: { interval: " + core::FormatDuration(o.every) +
                     ", timeout: 5s }\nproviders:\n";
  for (int p = 0; p < o.providers; ++p) {
    yaml += "  - name: " + ProviderName(p) + "\n    base_url: " + target + "/" + ProviderName(p) + "\n    checks:\n";
    for (int c = 0; c < o.checks; ++c) yaml += "      - { name: " + CheckName(c) + ", path: /v1/balance }\n";
  }
  return yaml;
}

Daemon StartDaemon(const testing::TempDir& dir, const std::string& config) {
  const std::string path = dir.Write("vigil-" + std::to_string(::getpid()) + ".yaml", config);
  const auto t0 = Clock::now();
  Daemon d;
  d.process = std::make_unique<testing::Subprocess>(
      std::vector<std::string>{testing::VigilBinary(), "run", "-c", path, "--listen", "127.0.0.1:0"});
  if (!d.process->WaitForOutput("daemon: started", std::chrono::seconds(60))) {
    throw BenchFailure("vigil run did not start: " + d.process->err());
  }
  d.ready_s = Seconds(Clock::now() - t0);
  std::smatch m;
  const std::string err = d.process->err();
  std::regex_search(err, m, std::regex(R"(started listen=127\.0\.0\.1:(\d+))"));
  d.base = "http://127.0.0.1:" + std::string(m[1]);
  return d;
}

// Latency of `n` sequential GETs of the paths `next()` yields: p50 and p99 in ms.
template <typename Next>
std::pair<double, double> Measure(const std::string& base, int n, Next next) {
  std::vector<double> ms;
  for (int i = 0; i < n; ++i) {
    const std::string path = next(i);
    const auto t0 = Clock::now();
    const testing::HttpResult r = testing::HttpGet(base + path);
    ms.push_back(Seconds(Clock::now() - t0) * 1e3);
    if (r.status != 200) {
      throw BenchFailure("GET " + path + " -> " + std::to_string(r.status) + " " + r.body.substr(0, 200) + r.error);
    }
  }
  std::sort(ms.begin(), ms.end());
  const auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * static_cast<double>(ms.size())))]; };
  return {at(0.5), at(0.99)};
}

void MeasureEndpoints(const Options& o, const Daemon& d, const char* label) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> pick(0, o.providers - 1);
  const auto provider = [&](int) { return ProviderName(pick(rng)); };
  const int n = o.requests;
  struct Row {
    const char* what;
    std::pair<double, double> figures;
  };
  const Row rows[] = {
      {"GET /api/v1/providers/{name}", Measure(d.base, n, [&](int i) { return "/api/v1/providers/" + provider(i); })},
      {"GET /api/v1/providers", Measure(d.base, n, [](int) { return std::string("/api/v1/providers"); })},
      {"GET / (page)", Measure(d.base, n, [](int) { return std::string("/"); })},
      {"GET /providers/{name} (page)", Measure(d.base, n, [&](int i) { return "/providers/" + provider(i); })},
  };
  std::printf("  %s (%d requests each, sequential):\n", label, n);
  for (const Row& r : rows) std::printf("    %-32s p50 %7.2f ms   p99 %7.2f ms\n", r.what, r.figures.first, r.figures.second);
}

double Metric(const Daemon& d, const std::string& name) {
  const testing::HttpResult r = testing::HttpGet(d.base + "/metrics");
  std::smatch m;
  if (!std::regex_search(r.body, m, std::regex("\n" + name + " ([0-9.e+]+)"))) return -1;
  return std::stod(m[1]);
}

double PrunedRaw(const Daemon& d) {
  const testing::HttpResult r = testing::HttpGet(d.base + "/metrics");
  std::smatch m;
  if (!std::regex_search(r.body, m, std::regex(R"(vigil_storage_pruned_rows_total\{kind="raw"\} ([0-9.e+]+))"))) return 0;
  return std::stod(m[1]);
}

void Run(const Options& o, const std::string& kind, const std::string& db, const testing::TempDir& dir,
         const std::string& target) {
  const core::WallTime now = std::chrono::time_point_cast<core::Millis>(std::chrono::system_clock::now());
  std::printf("\n== %s: %d days x %d providers x %d checks, one result per check every %s\n",
              kind == "store" ? "written through the store" : "a schema-7 database (before rollups)", o.days,
              o.providers, o.checks, core::FormatDuration(o.every).c_str());
  int64_t rows = 0;
  if (o.reuse && std::filesystem::exists(db)) {
    rows = testing::QueryInt(db, "SELECT COUNT(*) FROM results");
    std::printf("  reusing %s: rows %lld, database %s\n", db.c_str(), static_cast<long long>(rows), Mb(FileBytes(db)).c_str());
  } else {
    std::filesystem::remove(db);
    std::filesystem::remove(db + "-wal");
    std::filesystem::remove(db + "-shm");
    const auto t0 = Clock::now();
    rows = kind == "store" ? WriteThroughStore(o, db, now) : WriteSchema7(o, db, now);
    const double write_s = Seconds(Clock::now() - t0);
    std::printf("  rows %lld, written in %.1f s (%.0f rows/s), database %s\n", static_cast<long long>(rows), write_s,
                static_cast<double>(rows) / write_s, Mb(FileBytes(db)).c_str());
  }

  Daemon d = StartDaemon(dir, ConfigFor(o, db, target));
  std::printf("  vigil run: READY after %.0f ms\n", d.ready_s * 1e3);
  const auto started = Clock::now();
  if (kind == "schema7") {
    MeasureEndpoints(o, d, "while the backfill runs");
    double pending = 0;
    while ((pending = Metric(d, "vigil_storage_backfill_pending_rows")) != 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      if (Seconds(Clock::now() - started) > 3600) break;
    }
    std::printf("  backfill: %lld raw rows rolled up in %.1f s (%.0f rows/s), with the daemon serving\n",
                static_cast<long long>(rows), Seconds(Clock::now() - started),
                static_cast<double>(rows) / Seconds(Clock::now() - started));
  }
  MeasureEndpoints(o, d, "while raw rows past retention.raw (14d) are pruned");
  if (!o.wait_prune) {
    std::printf("  raw rows pruned so far: %.0f\n", PrunedRaw(d));
    d.process->Signal(SIGTERM);
    d.process->Wait(std::chrono::seconds(20));
    return;
  }
  // Wait for the first prune to reach the 14-day window, then measure the steady state.
  const double to_prune = static_cast<double>(rows) * (o.days - 14) / o.days;
  const auto prune_start = Clock::now();
  while (PrunedRaw(d) < to_prune * 0.999 && Seconds(Clock::now() - prune_start) < 3600) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::printf("  pruned %.0f raw rows in %.0f s (database now %s)\n", PrunedRaw(d), Seconds(Clock::now() - prune_start),
              Mb(FileBytes(db)).c_str());
  MeasureEndpoints(o, d, "steady state");
  d.process->Signal(SIGTERM);
  d.process->Wait(std::chrono::seconds(20));
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress as it happens, also into a file
  const Options o = Parse(argc, argv);
  core::Log::Configure(core::LogLevel::kWarn, core::LogFormat::kText);
  testing::TempDir tmp;
  const std::string dir = o.dir.empty() ? tmp.path() : o.dir;
  std::string base;
  const std::unique_ptr<testing::Subprocess> target = testing::StartSimulatorProcess(base);
  try {
    if (o.only.empty() || o.only == "store") Run(o, "store", dir + "/bench-store.db", tmp, base);
    if (o.only.empty() || o.only == "schema7") Run(o, "schema7", dir + "/bench-schema7.db", tmp, base);
  } catch (const BenchFailure& e) {
    std::cerr << "history_bench: " << e.what() << "\n";
    return 3;
  }
  return 0;
}
