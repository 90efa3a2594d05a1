// vigil_seed_history: writes a history into a new SQLite database the way the daemon does, so a
// status page has something to show from its first request: D days of results for the given
// checks, one per check every E, through storage::SqliteStore (rollups included, in batches),
// with the health changes of every batch computed by the daemon's own alerts::HealthTracker
// (check states, provider transitions with their reasons, incidents) and stored in the same
// transaction, as daemon::HealthStage does.
//
// Each provider has N outages at seeded random times, none in the first or the last day, so the
// history ends with every provider up: kinds rotate through a 503 (down), a timeout (down) and
// a slow answer over its warn threshold (degraded), each long enough to pass the thresholds.
// With --json the summary on stdout lists every outage, for a test to find again.
//
//   vigil_seed_history --db PATH [--days D] [--every DURATION] [--outages N] [--seed N]
//                      [--failure-threshold N] [--success-threshold N] [--json] PROVIDER/CHECK...
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <regex>
#include <string>
#include <vector>

#include "alerts/health_tracker.h"
#include "daemon/core/duration.h"
#include "daemon/core/log.h"
#include "probes/result_json.h"
#include "storage/sqlite_store.h"

namespace {

using namespace vigil;

constexpr int64_t kDayMs = 86'400'000;
constexpr const char* kUsage =
    "usage: vigil_seed_history --db PATH [--days D] [--every DURATION] [--outages N] [--seed N]\n"
    "                          [--failure-threshold N] [--success-threshold N] [--json] PROVIDER/CHECK...\n"
    "\n"
    "Writes D days (default 90) of results, one per check every DURATION (default 10m), for each\n"
    "PROVIDER/CHECK into a new SQLite database at PATH, through the daemon's store and health\n"
    "tracker: rollups, check states, transitions with reasons and incidents as `vigil run` writes\n"
    "them. Each provider gets N outages (default 3) at random times (--seed, default 1), none in the\n"
    "first or last day: a 503, a timeout, a slow answer (degraded), in turn. Thresholds (default 3\n"
    "and 2) should match the config the daemon runs with. --json prints a summary with every outage.\n"
    "Exit codes: 0 written, 2 usage error, 3 the database could not be written.\n";

struct Options {
  std::string db;
  int days = 90;
  core::Millis every = std::chrono::minutes(10);
  int outages = 3;
  uint64_t seed = 1;
  int failure_threshold = 3;
  int success_threshold = 2;
  bool json = false;
  std::map<std::string, std::vector<std::string>> checks;  // provider -> checks, in name order
};

enum class OutageKind { kStatus, kTimeout, kSlow };

struct Outage {
  std::string provider;
  OutageKind kind;
  int64_t start_ms;
  int64_t end_ms;
};

const char* OutageKindName(OutageKind k) {
  switch (k) {
    case OutageKind::kStatus: return "status";
    case OutageKind::kTimeout: return "timeout";
    case OutageKind::kSlow: return "latency";
  }
  return "?";
}

[[noreturn]] void UsageError(const std::string& why) {
  std::fprintf(stderr, "vigil_seed_history: %s\n%s", why.c_str(), kUsage);
  std::exit(2);
}

int PositiveInt(const std::string& flag, const std::string& v, int max) {
  std::size_t used = 0;
  int n = 0;
  try {
    n = std::stoi(v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v.size() || n < 1 || n > max) {
    UsageError(flag + ": a whole number from 1 to " + std::to_string(max) + ", not \"" + v + "\"");
  }
  return n;
}

void AddCheck(Options& o, const std::string& spec) {
  static const std::regex kName("[a-z0-9][a-z0-9_-]*");
  const std::size_t slash = spec.find('/');
  if (slash == std::string::npos) UsageError("\"" + spec + "\": expected PROVIDER/CHECK");
  const std::string provider = spec.substr(0, slash), check = spec.substr(slash + 1);
  if (!std::regex_match(provider, kName) || !std::regex_match(check, kName)) {
    UsageError("\"" + spec + "\": names are [a-z0-9][a-z0-9_-]*");
  }
  std::vector<std::string>& list = o.checks[provider];
  if (std::find(list.begin(), list.end(), check) != list.end()) UsageError("\"" + spec + "\" given twice");
  list.push_back(check);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (a == "--json") {
      o.json = true;
      continue;
    }
    if (a.rfind("--", 0) != 0) {
      AddCheck(o, a);
      continue;
    }
    if (i + 1 >= argc) UsageError("missing value for " + a);
    const std::string v = argv[++i];
    if (a == "--db") o.db = v;
    else if (a == "--days") o.days = PositiveInt(a, v, 3650);
    else if (a == "--outages") o.outages = PositiveInt(a, v, 100);
    else if (a == "--seed") o.seed = static_cast<uint64_t>(PositiveInt(a, v, 1'000'000'000));
    else if (a == "--failure-threshold") o.failure_threshold = PositiveInt(a, v, 100);
    else if (a == "--success-threshold") o.success_threshold = PositiveInt(a, v, 100);
    else if (a == "--every") {
      core::Result<core::Millis> d = core::ParseDuration(v);
      if (!d.ok() || d->count() < 1000 || d->count() > kDayMs) UsageError("--every: a duration from 1s to 1d");
      o.every = *d;
    } else {
      UsageError("unknown option " + a);
    }
  }
  if (o.db.empty()) UsageError("--db PATH is required");
  if (o.checks.empty()) UsageError("give at least one PROVIDER/CHECK");
  if (o.days < 3) UsageError("--days: at least 3 (outages stay out of the first and last day)");
  if (std::filesystem::exists(o.db)) UsageError(o.db + " exists; this tool only writes a new database");
  return o;
}

// The checks as a config the tracker understands: nothing but names and thresholds matters to it.
std::shared_ptr<const config::Config> TrackerConfig(const Options& o) {
  auto c = std::make_shared<config::Config>();
  for (const auto& [provider, checks] : o.checks) {
    config::ProviderConfig p;
    p.name = provider;
    p.title = provider;
    for (const std::string& name : checks) {
      config::CheckConfig check;
      check.name = name;
      check.interval = o.every;
      check.failure_threshold = o.failure_threshold;
      check.success_threshold = o.success_threshold;
      p.checks.push_back(std::move(check));
    }
    c->providers.push_back(std::move(p));
  }
  return c;
}

// Outages at random, non-overlapping slots of the middle days; each lasts long enough for the
// thresholds to make the provider leave up and come back (a few probes more than both).
std::vector<Outage> PlanOutages(const Options& o, int64_t start_ms, std::mt19937_64& rng) {
  std::vector<Outage> out;
  const int64_t span = int64_t{o.days - 2} * kDayMs;
  const int64_t min_len = (o.failure_threshold + o.success_threshold + 2) * o.every.count();
  int k = 0;
  for (const auto& [provider, checks] : o.checks) {
    const int64_t slot = span / o.outages;
    for (int i = 0; i < o.outages; ++i, ++k) {
      const int64_t len = std::max<int64_t>(min_len, std::uniform_int_distribution<int64_t>(20, 120)(rng) * 60'000);
      const int64_t room = std::max<int64_t>(1, slot - len);
      const int64_t at = start_ms + kDayMs + i * slot + std::uniform_int_distribution<int64_t>(0, room - 1)(rng);
      out.push_back({provider, static_cast<OutageKind>(k % 3), at, at + len});
    }
  }
  return out;
}

probes::ProbeResult Healthy(std::mt19937_64& rng, const std::string& provider, const std::string& check, int64_t t) {
  std::lognormal_distribution<double> latency(4.2, 0.35);  // a median of about 65 ms
  probes::ProbeResult r;
  r.provider = provider;
  r.check = check;
  r.time = core::FromUnixMillis(t);
  r.status_code = 200;
  r.phases.total_ms = latency(rng);
  r.phases.dns_ms = 0.4;
  r.phases.connect_ms = r.phases.total_ms * 0.1;
  r.phases.ttfb_ms = r.phases.total_ms * 0.8;
  r.phases.transfer_ms = r.phases.total_ms * 0.1;
  return r;
}

// What the probe of a check would have stored during `kind` of outage.
void Break(probes::ProbeResult& r, OutageKind kind) {
  using probes::FindingKind;
  using probes::Severity;
  switch (kind) {
    case OutageKind::kStatus:
      r.status_code = 503;
      r.outcome = probes::Outcome::kFail;
      r.findings.push_back({FindingKind::kStatus, Severity::kCritical, "expected status 2xx, got 503 Service Unavailable"});
      r.body_excerpt = "{\"error\":\"upstream unavailable\",\"retry\":true}";
      break;
    case OutageKind::kTimeout:
      r.status_code = 0;
      r.outcome = probes::Outcome::kFail;
      r.phases = {};
      r.phases.total_ms = 5000;
      r.findings.push_back({FindingKind::kTimeout, Severity::kCritical,
                            "no complete response within 5s: timed out waiting for the first byte"});
      break;
    case OutageKind::kSlow:
      r.outcome = probes::Outcome::kWarn;
      r.phases.total_ms = 1200 + r.phases.total_ms;
      r.phases.ttfb_ms = r.phases.total_ms * 0.9;
      r.findings.push_back({FindingKind::kLatency, Severity::kWarn,
                            "took " + core::FormatMillis(r.phases.total_ms) + ", above the warn threshold of 800ms"});
      break;
  }
}

struct Summary {
  int64_t results = 0;
  int64_t transitions = 0;
  int64_t incidents = 0;
};

// Writes every result, oldest first, in batches, each with the health changes it caused.
core::Status Write(const Options& o, const std::vector<Outage>& outages, int64_t start_ms, int64_t end_ms,
                   std::mt19937_64& rng, Summary& sum) {
  auto opened = storage::SqliteStore::Open(o.db);
  if (!opened.ok()) return core::Status::Error(opened.message());
  storage::SqliteStore& store = **opened;
  alerts::HealthTracker tracker(TrackerConfig(o));
  storage::WriteBatch batch;
  const auto flush = [&]() -> core::Status {
    if (batch.empty()) return core::Status::Ok();
    core::Status s = store.Write(batch);
    batch = storage::WriteBatch();
    return s;
  };
  const int64_t step = o.every.count();
  std::size_t n_checks = 0;
  for (const auto& [p, checks] : o.checks) n_checks += checks.size();
  const int64_t stagger = step / static_cast<int64_t>(n_checks + 1);
  for (int64_t t = start_ms; t < end_ms; t += step) {
    std::size_t i = 0;
    for (const auto& entry : o.checks) {
      const std::string& provider = entry.first;  // not a structured binding: the lambda captures it
      const auto out = std::find_if(outages.begin(), outages.end(), [&](const Outage& x) {
        return x.provider == provider && t >= x.start_ms && t < x.end_ms;
      });
      for (const std::string& check : entry.second) {
        probes::ProbeResult r = Healthy(rng, provider, check, t + static_cast<int64_t>(i++) * stagger);
        if (out != outages.end()) Break(r, out->kind);
        alerts::HealthChanges changes = tracker.Observe(r);
        for (const auto& tr : changes.transitions) {
          ++sum.transitions;
          if (tr.incident == alerts::IncidentAction::kOpen) ++sum.incidents;
        }
        batch.health.Append(std::move(changes));
        batch.results.push_back(std::move(r));
        ++sum.results;
      }
    }
    if (batch.results.size() >= 5000) {
      if (core::Status s = flush(); !s.ok()) return s;
    }
  }
  return flush();
}

void PrintSummary(const Options& o, const std::vector<Outage>& outages, const Summary& sum, int64_t start_ms,
                  int64_t end_ms) {
  if (!o.json) {
    std::printf("vigil_seed_history: %s: %lld results, %lld transitions, %lld incidents, %s to %s\n", o.db.c_str(),
                static_cast<long long>(sum.results), static_cast<long long>(sum.transitions),
                static_cast<long long>(sum.incidents), core::FormatRfc3339(core::FromUnixMillis(start_ms)).c_str(),
                core::FormatRfc3339(core::FromUnixMillis(end_ms)).c_str());
    return;
  }
  Poco::JSON::Object::Ptr body = new Poco::JSON::Object;
  body->set("db", o.db);
  body->set("from", core::FormatRfc3339(core::FromUnixMillis(start_ms)));
  body->set("until", core::FormatRfc3339(core::FromUnixMillis(end_ms)));
  body->set("results", sum.results);
  body->set("transitions", sum.transitions);
  body->set("incidents", sum.incidents);
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const Outage& x : outages) {
    Poco::JSON::Object::Ptr e = new Poco::JSON::Object;
    e->set("provider", x.provider);
    e->set("kind", OutageKindName(x.kind));
    e->set("state", x.kind == OutageKind::kSlow ? "degraded" : "down");
    e->set("start", core::FormatRfc3339(core::FromUnixMillis(x.start_ms)));
    e->set("end", core::FormatRfc3339(core::FromUnixMillis(x.end_ms)));
    list->add(e);
  }
  body->set("outages", list);
  std::printf("%s\n", probes::ToJsonText(body).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = Parse(argc, argv);
  core::Log::Configure(core::LogLevel::kWarn, core::LogFormat::kText);
  // Up to one interval before now, so the daemon's first own result comes after the last seeded one.
  const int64_t end_ms = core::ToUnixMillis(std::chrono::system_clock::now()) - o.every.count();
  const int64_t start_ms = end_ms - int64_t{o.days} * kDayMs;
  std::mt19937_64 rng(o.seed);
  const std::vector<Outage> outages = PlanOutages(o, start_ms, rng);
  Summary sum;
  if (core::Status s = Write(o, outages, start_ms, end_ms, rng, sum); !s.ok()) {
    std::fprintf(stderr, "vigil_seed_history: %s\n", s.message().c_str());
    return 3;
  }
  PrintSummary(o, outages, sum, start_ms, end_ms);
  return 0;
}
