// History on a real SQLite file with stepped time: the rollups written with the results count
// exactly what the raw rows say, their percentiles stay within the sketch's bound, retention
// keeps exactly its windows, a kill -9 in the middle of a backfill or a prune changes nothing,
// uptime is exact, and the file stops growing once the windows are full.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "alerts/event.h"
#include "storage/migrations.h"
#include "storage/retention.h"
#include "storage/sqlite_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/sqlite_file.h"
#include "tests/support/temp_dir.h"

namespace vigil::storage {
namespace {

using alerts::HealthState;
using core::FromUnixMillis;
using core::ToUnixMillis;
using probes::Outcome;
using namespace std::chrono_literals;

constexpr int64_t kT0 = 1764000000000 - 1764000000000 % kHourMs;  // an hour's start

probes::ProbeResult Result(const std::string& check, int64_t ms, Outcome outcome, double latency_ms,
                           bool maintenance = false) {
  probes::ProbeResult r;
  r.provider = "stripe";
  r.check = check;
  r.time = FromUnixMillis(ms);
  r.outcome = outcome;
  // A failure without a response (status 0) has no latency, as the rollups count it.
  r.status_code = outcome == Outcome::kFail && static_cast<int64_t>(latency_ms) % 3 == 0 ? 0 : 200;
  r.phases.total_ms = latency_ms;
  r.maintenance = maintenance;
  return r;
}

std::unique_ptr<SqliteStore> OpenOrDie(const std::string& path) {
  auto s = SqliteStore::Open(path);
  EXPECT_TRUE(s.ok()) << s.message();
  return s.ok() ? std::move(s).value() : nullptr;
}

// Results of two checks, one every `step_ms` with jitter, random outcomes and latencies, some
// inside a maintenance window; in time order.
std::vector<probes::ProbeResult> Generate(int64_t from_ms, int64_t to_ms, int64_t step_ms, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::lognormal_distribution<double> latency(3.5, 0.8);
  std::uniform_int_distribution<int> die(0, 19);
  std::uniform_int_distribution<int64_t> jitter(0, step_ms / 2);
  std::vector<probes::ProbeResult> out;
  for (int64_t t = from_ms; t < to_ms; t += step_ms) {
    for (const char* check : {"balance", "charges"}) {
      const int roll = die(rng);
      const Outcome o = roll < 2 ? Outcome::kFail : roll < 4 ? Outcome::kWarn : Outcome::kPass;
      const int64_t at = std::min(t + jitter(rng), to_ms - 1);
      const bool maintenance = (at - from_ms) % (5 * kHourMs) < 20 * kMinuteMs;
      out.push_back(Result(check, at, o, std::round(latency(rng) * 1000) / 1000, maintenance));
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.time < b.time; });
  return out;
}

void WriteAll(SqliteStore& store, const std::vector<probes::ProbeResult>& results, std::size_t batch_size = 200) {
  for (std::size_t i = 0; i < results.size(); i += batch_size) {
    WriteBatch batch;
    batch.results.assign(results.begin() + static_cast<std::ptrdiff_t>(i),
                         results.begin() + static_cast<std::ptrdiff_t>(std::min(results.size(), i + batch_size)));
    ASSERT_TRUE(store.Write(batch).ok());
  }
}

OutcomeCounts ExactCounts(const std::vector<probes::ProbeResult>& all, const std::string& check, int64_t a, int64_t b) {
  OutcomeCounts c;
  for (const auto& r : all) {
    const int64_t t = ToUnixMillis(r.time);
    if (r.check == check && t >= a && t < b) c.Add(r.outcome, r.maintenance);
  }
  return c;
}

std::vector<double> ExactLatencies(const std::vector<probes::ProbeResult>& all, const std::string& check, int64_t a,
                                   int64_t b) {
  std::vector<double> v;
  for (const auto& r : all) {
    const int64_t t = ToUnixMillis(r.time);
    if (r.check == check && t >= a && t < b && r.status_code > 0) v.push_back(r.phases.total_ms);
  }
  std::sort(v.begin(), v.end());
  return v;
}

void ExpectPercentilesWithinBound(const LatencySketch& sketch, const std::vector<double>& exact) {
  ASSERT_EQ(sketch.count(), exact.size());
  for (double q : {0.5, 0.95, 0.99}) {
    const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(exact.size())));
    const double want = exact[std::max<std::size_t>(rank, 1) - 1];
    EXPECT_LE(std::abs(*sketch.Quantile(q) - want), LatencySketch::kRelativeError * want) << q;
  }
}

OutcomeCounts CountsOf(const SqliteStore& store, const std::string& check, int64_t a, int64_t b) {
  auto c = store.Counts("stripe", check, {FromUnixMillis(a)}, FromUnixMillis(b));
  EXPECT_TRUE(c.ok()) << c.message();
  return c.ok() ? c->front() : OutcomeCounts{};
}

TEST(History, RollupsCountExactlyWhatTheRawRowsSayAndTheirPercentilesStayWithinTheBound) {
  testing::TempDir dir;
  const std::string path = dir.File("vigil.db");
  auto store = OpenOrDie(path);
  const std::vector<probes::ProbeResult> all = Generate(kT0, kT0 + 6 * kHourMs, 7000, 1);
  WriteAll(*store, all);

  // The stored rollups alone (every hour row, and every minute of the detail) hold the counts.
  for (const std::string check : {"balance", "charges"}) {
    SCOPED_TRACE(check);
    auto hours = store->Rollups("stripe", check, Resolution::kHour, FromUnixMillis(0), FromUnixMillis(kT0 + 7 * kHourMs));
    ASSERT_TRUE(hours.ok());
    ASSERT_EQ(hours->size(), 6u);
    for (const RollupPoint& h : *hours) {
      const int64_t a = ToUnixMillis(h.start);
      EXPECT_EQ(h.counts, ExactCounts(all, check, a, a + kHourMs));
      ExpectPercentilesWithinBound(h.latency, ExactLatencies(all, check, a, a + kHourMs));
    }
    auto minutes = store->Rollups("stripe", check, Resolution::kMinute, FromUnixMillis(kT0), FromUnixMillis(kT0 + 6 * kHourMs));
    ASSERT_TRUE(minutes.ok());
    EXPECT_EQ(minutes->size(), 360u);
    for (const RollupPoint& m : *minutes) {
      const int64_t a = ToUnixMillis(m.start);
      EXPECT_EQ(m.counts, ExactCounts(all, check, a, a + kMinuteMs));
      EXPECT_EQ(m.latency.count(), ExactLatencies(all, check, a, a + kMinuteMs).size());
    }
  }
  // Any window, to the millisecond, while the raw rows exist; and p50/p95/p99 over it.
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int64_t> when(kT0 - kHourMs, kT0 + 7 * kHourMs);
  for (int i = 0; i < 60; ++i) {
    int64_t a = when(rng), b = when(rng);
    if (a > b) std::swap(a, b);
    EXPECT_EQ(CountsOf(*store, "balance", a, b), ExactCounts(all, "balance", a, b)) << a << ".." << b;
    const int64_t ma = FloorTo(a, kMinuteMs), mb = FloorTo(b, kMinuteMs);
    auto sketch = store->Latency("stripe", "balance", FromUnixMillis(ma), FromUnixMillis(mb));
    ASSERT_TRUE(sketch.ok());
    const std::vector<double> exact = ExactLatencies(all, "balance", ma, mb);
    if (!exact.empty()) ExpectPercentilesWithinBound(*sketch, exact);
  }
  // Several windows in one call, as the API asks for 24h/7d/30d/90d: each as exact as alone.
  for (int i = 0; i < 20; ++i) {
    const int64_t b = when(rng);
    std::vector<core::WallTime> since;
    for (int w = 0; w < 5; ++w) since.push_back(FromUnixMillis(b - when(rng) % (6 * kHourMs)));
    auto counts = store->Counts("stripe", "charges", since, FromUnixMillis(b));
    ASSERT_TRUE(counts.ok()) << counts.message();
    ASSERT_EQ(counts->size(), since.size());
    for (std::size_t w = 0; w < since.size(); ++w) {
      EXPECT_EQ((*counts)[w], ExactCounts(all, "charges", ToUnixMillis(since[w]), b)) << w;
    }
  }
  // A reopened store (the rollup cache gone) goes on from the stored rows without double counting.
  store.reset();
  store = OpenOrDie(path);
  const std::vector<probes::ProbeResult> more = Generate(kT0 + 6 * kHourMs - 30 * kMinuteMs, kT0 + 6 * kHourMs, 9000, 2);
  WriteAll(*store, more);
  std::vector<probes::ProbeResult> both = all;
  both.insert(both.end(), more.begin(), more.end());
  auto last_hour = store->Rollups("stripe", "charges", Resolution::kHour, FromUnixMillis(kT0 + 5 * kHourMs),
                                  FromUnixMillis(kT0 + 6 * kHourMs));
  ASSERT_EQ(last_hour->size(), 1u);
  EXPECT_EQ(last_hour->front().counts, ExactCounts(both, "charges", kT0 + 5 * kHourMs, kT0 + 6 * kHourMs));
}

class RecordingObserver final : public RetentionObserver {
 public:
  void Pruned(PruneKind kind, int64_t rows) override { pruned[kind] += rows; }
  void Backfilled(const BackfillProgress& p) override { last_backfill = p; }
  void RetentionFailed(const std::string& operation) override { failures.push_back(operation); }
  std::map<PruneKind, int64_t> pruned;
  BackfillProgress last_backfill;
  std::vector<std::string> failures;
};

TEST(History, PruningKeepsExactlyTheWindowsAndCountsEveryRow) {
  testing::TempDir dir;
  const std::string path = dir.File("vigil.db");
  auto store = OpenOrDie(path);
  const int64_t end = kT0 + 72 * kHourMs + 17 * kMinuteMs + 4321;  // not on a bucket edge
  const std::vector<probes::ProbeResult> all = Generate(kT0, end, 60'000, 3);
  WriteAll(*store, all, 500);
  testing::FakeClock clock(FromUnixMillis(end));
  config::RetentionConfig retention;
  retention.raw = 6h;
  retention.minute = 24h;
  retention.hour = 48h;
  RecordingObserver observer;
  RetentionTask task(*store, clock, &observer);
  task.Configure(retention);
  ASSERT_TRUE(task.RunOnce());
  EXPECT_TRUE(observer.failures.empty());

  const int64_t raw_cut = end - 6 * kHourMs, minute_cut = end - 24 * kHourMs, hour_cut = end - 48 * kHourMs;
  // Raw: everything from the cutoff on, nothing before it.
  int64_t raw_kept = 0;
  for (const auto& r : all) raw_kept += ToUnixMillis(r.time) >= raw_cut;
  EXPECT_EQ(testing::QueryInt(path, "SELECT COUNT(*) FROM results"), raw_kept);
  EXPECT_GE(testing::QueryInt(path, "SELECT MIN(ts_ms) FROM results"), raw_cut);
  EXPECT_EQ(observer.pruned[PruneKind::kRaw], static_cast<int64_t>(all.size()) - raw_kept);
  // Rollups: a bucket goes once all of it is older than its window, and not before.
  const auto first_kept_hour = [](int64_t cut) { return FloorTo(cut, kHourMs); };
  EXPECT_EQ(testing::QueryInt(path, "SELECT MIN(hour_ms) FROM rollup_minute"), first_kept_hour(minute_cut));
  EXPECT_EQ(testing::QueryInt(path, "SELECT MIN(hour_ms) FROM rollup_hour"), first_kept_hour(hour_cut));
  const int64_t hours_total = (FloorTo(end, kHourMs) - kT0) / kHourMs + 1;
  const int64_t hours_left = (FloorTo(end, kHourMs) - first_kept_hour(hour_cut)) / kHourMs + 1;
  const int64_t minute_rows_left = (FloorTo(end, kHourMs) - first_kept_hour(minute_cut)) / kHourMs + 1;
  EXPECT_EQ(testing::QueryInt(path, "SELECT COUNT(*) FROM rollup_hour"), 2 * hours_left);
  EXPECT_EQ(testing::QueryInt(path, "SELECT COUNT(*) FROM rollup_minute"), 2 * minute_rows_left);
  EXPECT_EQ(observer.pruned[PruneKind::kHour], 2 * (hours_total - hours_left));
  EXPECT_EQ(observer.pruned[PruneKind::kMinute], 2 * (hours_total - minute_rows_left));
  // Day sums go with the hour window, a day once all of it is past it; the rest equal the raw rows.
  const int64_t first_kept_day = FloorTo(hour_cut, kDayMs);
  EXPECT_EQ(testing::QueryInt(path, "SELECT MIN(day_ms) FROM rollup_day"), first_kept_day);
  EXPECT_EQ(observer.pruned[PruneKind::kDay], 2 * (first_kept_day - FloorTo(kT0, kDayMs)) / kDayMs);
  for (const std::string check : {"balance", "charges"}) {
    auto days = store->Rollups("stripe", check, Resolution::kDay, FromUnixMillis(first_kept_day + kDayMs),
                               FromUnixMillis(end));
    ASSERT_TRUE(days.ok()) << days.message();
    ASSERT_EQ(days->size(), static_cast<std::size_t>((FloorTo(end, kDayMs) - first_kept_day) / kDayMs));
    for (const auto& d : *days) {
      const int64_t a = ToUnixMillis(d.start);
      EXPECT_EQ(d.counts, ExactCounts(all, check, a, std::min(a + kDayMs, end))) << check << " " << a;
    }
  }

  // What is left still answers exactly at its resolution: to the millisecond within the raw
  // window, to the minute within the minute window, to the hour beyond.
  for (const std::string check : {"balance", "charges"}) {
    SCOPED_TRACE(check);
    const int64_t a = raw_cut + 1234, b = end - 999;
    EXPECT_EQ(CountsOf(*store, check, a, b), ExactCounts(all, check, a, b));
    const int64_t ma = FloorTo(minute_cut, kMinuteMs) + 7 * kMinuteMs;
    EXPECT_EQ(CountsOf(*store, check, ma, b), ExactCounts(all, check, ma, b));
    const int64_t ha = first_kept_hour(hour_cut) + kHourMs;
    EXPECT_EQ(CountsOf(*store, check, ha, b), ExactCounts(all, check, ha, b));
    auto week = store->Latency("stripe", check, FromUnixMillis(ha), FromUnixMillis(FloorTo(b, kMinuteMs)));
    ASSERT_TRUE(week.ok());
    ExpectPercentilesWithinBound(*week, ExactLatencies(all, check, ha, FloorTo(b, kMinuteMs)));
  }
  // A second pass has nothing left to do.
  observer.pruned.clear();
  ASSERT_TRUE(task.RunOnce());
  EXPECT_TRUE(observer.pruned.empty());
}

// Queues one event for the webhook at `at`, suppressed when `why` is given; its outbox id.
int64_t QueueEvent(SqliteStore& store, const std::string& path, int64_t at, const std::string& why = "") {
  alerts::AlertEvent e;
  e.id = alerts::NewEventId(FromUnixMillis(at));
  e.type = alerts::EventType::kDown;
  e.timestamp = FromUnixMillis(at);
  e.provider = "stripe";
  e.state = HealthState::kDown;
  e.previous_state = HealthState::kUp;
  e.since = FromUnixMillis(at);
  WriteBatch batch;
  batch.alerts.outbox.push_back({"hook", e, why});
  EXPECT_TRUE(store.Write(batch).ok());
  return testing::QueryInt(path, "SELECT id FROM outbox WHERE event_id = '" + e.id + "'");
}

void Attempt(SqliteStore& store, int64_t id, int64_t at, alerts::AttemptOutcome outcome) {
  alerts::DeliveryAttempt a;
  a.outbox_id = id;
  a.at = FromUnixMillis(at);
  a.outcome = outcome;
  a.status_code = outcome == alerts::AttemptOutcome::kDelivered ? 200 : 500;
  if (outcome == alerts::AttemptOutcome::kRetry) a.next_retry = FromUnixMillis(at + kMinuteMs);
  if (outcome != alerts::AttemptOutcome::kDelivered) a.error = "HTTP 500";
  ASSERT_TRUE(store.RecordAttempt(a).ok());
}

TEST(History, DeliveredEventsAndDeadLettersGoAfterTheirOwnWindowsAndPendingOnesNever) {
  testing::TempDir dir;
  const std::string path = dir.File("vigil.db");
  auto store = OpenOrDie(path);
  const int64_t now = kT0 + 200 * 24 * kHourMs, day = 24 * kHourMs;
  // Defaults: delivered and suppressed entries 30 days, dead letters 90 days.
  const int64_t delivered_old = QueueEvent(*store, path, now - 40 * day);
  Attempt(*store, delivered_old, now - 40 * day, alerts::AttemptOutcome::kRetry);
  Attempt(*store, delivered_old, now - 40 * day + kMinuteMs, alerts::AttemptOutcome::kDelivered);
  const int64_t suppressed_old = QueueEvent(*store, path, now - 40 * day, "silenced");
  ASSERT_EQ(testing::QueryInt(path, "SELECT COUNT(*) FROM outbox WHERE status = 'suppressed' AND id = " +
                                        std::to_string(suppressed_old)), 1);
  const int64_t delivered_recent = QueueEvent(*store, path, now - 10 * day);
  Attempt(*store, delivered_recent, now - 10 * day, alerts::AttemptOutcome::kDelivered);
  // Created long ago, delivered recently (a long outage): its window runs from the delivery.
  const int64_t delivered_late = QueueEvent(*store, path, now - 60 * day);
  Attempt(*store, delivered_late, now - 5 * day, alerts::AttemptOutcome::kDelivered);
  const int64_t dead_recent = QueueEvent(*store, path, now - 40 * day);
  Attempt(*store, dead_recent, now - 40 * day, alerts::AttemptOutcome::kDead);
  const int64_t dead_old = QueueEvent(*store, path, now - 100 * day);
  Attempt(*store, dead_old, now - 100 * day, alerts::AttemptOutcome::kDead);
  const int64_t pending_old = QueueEvent(*store, path, now - 120 * day);
  Attempt(*store, pending_old, now - 120 * day, alerts::AttemptOutcome::kRetry);

  testing::FakeClock clock(FromUnixMillis(now));
  RecordingObserver observer;
  RetentionTask task(*store, clock, &observer);
  task.Configure(config::RetentionConfig{});
  ASSERT_TRUE(task.RunOnce());
  EXPECT_TRUE(observer.failures.empty());

  std::vector<std::vector<std::string>> kept = testing::QueryRows(path, "SELECT id FROM outbox ORDER BY id");
  std::vector<std::vector<std::string>> want;
  for (int64_t id : {delivered_recent, delivered_late, dead_recent, pending_old}) want.push_back({std::to_string(id)});
  EXPECT_EQ(kept, want);
  EXPECT_EQ(observer.pruned[PruneKind::kDeliveries], 2);
  EXPECT_EQ(observer.pruned[PruneKind::kDeadLetters], 1);
  // Their delivery attempts went with them; the kept entries keep theirs.
  EXPECT_EQ(testing::QueryInt(path, "SELECT COUNT(*) FROM delivery_attempts WHERE outbox_id NOT IN (SELECT id FROM outbox)"), 0);
  EXPECT_EQ(testing::QueryInt(path, "SELECT COUNT(*) FROM delivery_attempts"), 4);
  EXPECT_EQ(store->OutboxDepth().value(), 1);
}

TEST(History, UptimeWithAMaintenanceWindowAndAKnownOutageIsExact) {
  testing::TempDir dir;
  auto store = OpenOrDie(dir.File("vigil.db"));
  const auto at = [](int minute) { return FromUnixMillis(kT0 + minute * kMinuteMs); };
  const auto transition = [&](HealthState from, HealthState to, int minute) {
    WriteBatch b;
    b.health.transitions.push_back({"stripe", from, to, at(minute), {}, alerts::IncidentAction::kNone});
    ASSERT_TRUE(store->Write(b).ok());
  };
  const auto maintenance = [&](int start, std::optional<int> ended) {
    WriteBatch b;
    b.health.maintenance.push_back({"stripe", at(start), at(start + 60), "db upgrade",
                                    ended ? std::optional(at(*ended)) : std::nullopt});
    ASSERT_TRUE(store->Write(b).ok());
  };
  // Known from minute 0; down 100..130; maintenance 200..260, during which it was down 215..250.
  transition(HealthState::kUnknown, HealthState::kUp, 0);
  transition(HealthState::kUp, HealthState::kDown, 100);
  transition(HealthState::kDown, HealthState::kUp, 130);
  maintenance(200, std::nullopt);
  transition(HealthState::kUp, HealthState::kDown, 215);
  transition(HealthState::kDown, HealthState::kUp, 250);
  maintenance(200, 260);
  auto timeline = store->Timeline("stripe", at(0), at(1440));
  ASSERT_TRUE(timeline.ok()) << timeline.message();
  const TimeShare day = ShareOfTime(*timeline, at(0), at(1440));
  EXPECT_EQ(day.observed, 1380min);
  EXPECT_EQ(day.down, 30min);
  EXPECT_EQ(*day.uptime(), 1.0 - 30.0 / 1380.0);
  // A window opening inside the outage starts from the state at its start.
  auto late = store->Timeline("stripe", at(120), at(180));
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(late->state_at_since, HealthState::kDown);
  EXPECT_EQ(*ShareOfTime(*late, at(120), at(180)).uptime(), 1.0 - 10.0 / 60.0);

  // A check's uptime: 80 passes and 10 failures outside, 10 failures inside maintenance.
  std::vector<probes::ProbeResult> results;
  for (int i = 0; i < 100; ++i) {
    const bool in_maintenance = i >= 90;
    results.push_back(Result("balance", kT0 + i * 1000, i >= 80 ? Outcome::kFail : Outcome::kPass, 10, in_maintenance));
  }
  WriteAll(*store, results);
  EXPECT_EQ(*CheckUptime(CountsOf(*store, "balance", kT0, kT0 + kHourMs)), 80.0 / 90.0);
}

// A database of the release before rollups (schema 7) with `rows` raw results of 20 checks over
// 10 days, built with the migrations themselves.
void WriteSchema7Database(const std::string& path, int rows) {
  std::string sql;
  for (int v = 0; v < 7; ++v) {
    for (const std::string& statement : Migrations()[static_cast<std::size_t>(v)]) sql += statement + ";\n";
  }
  sql += "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(rows - 1) +
         ")"
         " INSERT INTO results(ts_ms, provider, check_name, outcome, status_code, dns_ms, connect_ms, tls_ms,"
         " ttfb_ms, transfer_ms, total_ms, findings, body_excerpt, body_truncated)"
         " SELECT " + std::to_string(kT0) + " + i * " + std::to_string(10 * 24 * kHourMs / rows) +
         ", 'p' || (i % 4), 'c' || (i % 5),"
         " CASE WHEN i % 13 = 0 THEN 'fail' WHEN i % 7 = 0 THEN 'warn' ELSE 'pass' END,"
         " CASE WHEN i % 39 = 0 THEN 0 ELSE 200 END, 0, 0, 0, 0, 0, 5 + (i * 7919) % 997 / 10.0, '[]', '', 0"
         " FROM n;\nPRAGMA user_version = 7;\n";
  testing::ExecSql(path, sql);
}

// Everything the rollups hold, in a comparable form.
std::vector<std::vector<std::string>> RollupRows(const std::string& path) {
  std::vector<std::vector<std::string>> rows = testing::QueryRows(
      path, "SELECT s.provider, s.check_name, h.hour_ms, h.pass, h.warn, h.fail, h.maint, h.maint_fail, h.latency,"
            " COALESCE(m.minutes, 'none') FROM rollup_hour h JOIN series s ON s.id = h.series"
            " LEFT JOIN rollup_minute m ON m.series = h.series AND m.hour_ms = h.hour_ms"
            " ORDER BY s.provider, s.check_name, h.hour_ms");
  for (auto& r : testing::QueryRows(path, "SELECT s.provider, s.check_name, d.day_ms, d.pass, d.warn, d.fail,"
                                          " d.maint, d.maint_fail FROM rollup_day d JOIN series s ON s.id = d.series"
                                          " ORDER BY s.provider, s.check_name, d.day_ms")) {
    rows.push_back(r);
  }
  for (auto& r : testing::QueryRows(path, "SELECT COUNT(*), MIN(ts_ms), SUM(id) FROM results")) rows.push_back(r);
  return rows;
}

struct Pass {
  config::RetentionConfig retention;
  core::WallTime now;
};

// One retention pass (backfill, then every prune) in this process.
void RunPass(const std::string& path, const Pass& pass) {
  auto store = OpenOrDie(path);
  ASSERT_NE(store, nullptr);
  testing::FakeClock clock(pass.now);
  RetentionTask task(*store, clock, nullptr);
  task.Configure(pass.retention);
  ASSERT_TRUE(task.RunOnce());
}

TEST(History, AKillDuringBackfillOrPruneThenARestartGivesTheSameRollupsAsAnUninterruptedRun) {
  testing::TempDir dir;
  const std::string reference = dir.File("reference.db"), victim = dir.File("victim.db");
  constexpr int kRows = 120'000;
  WriteSchema7Database(reference, kRows);
  std::filesystem::copy_file(reference, victim);
  Pass pass;
  pass.now = FromUnixMillis(kT0 + 10 * 24 * kHourMs);
  pass.retention.raw = 3 * 24h;     // prunes 70% of the raw rows
  pass.retention.minute = 5 * 24h;  // and half of the minute detail
  pass.retention.hour = 400 * 24h;
  const auto t0 = std::chrono::steady_clock::now();
  RunPass(reference, pass);
  const auto uninterrupted = std::chrono::steady_clock::now() - t0;
  const auto want = RollupRows(reference);
  ASSERT_GT(want.size(), 20u * 24 * 5);

  // Kill the pass at growing delays, in steps of a 30th of how long the uninterrupted pass took
  // (so the steps scale with the machine's load), until one runs to its end; see both phases
  // interrupted.
  bool killed_in_backfill = false, killed_in_prune = false;
  const auto step = std::max<std::chrono::steady_clock::duration>(uninterrupted / 30, std::chrono::milliseconds(5));
  auto delay = step;
  std::string seen;  // for a failure: where each kill landed
  for (int attempt = 0; attempt < 60; ++attempt) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      auto store = SqliteStore::Open(victim);
      if (!store.ok()) ::_exit(3);
      testing::FakeClock clock(pass.now);
      RetentionTask task(**store, clock, nullptr);
      task.Configure(pass.retention);
      ::_exit(task.RunOnce() ? 0 : 4);
    }
    std::this_thread::sleep_for(delay);
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    if (WIFEXITED(status)) {
      ASSERT_EQ(WEXITSTATUS(status), 0);
      break;
    }
    delay += step;
    if (testing::QueryInt(victim, "PRAGMA user_version") < SqliteStore::LatestSchemaVersion()) {
      seen += " migrating";
      continue;
    }
    const int64_t after = testing::QueryInt(victim, "SELECT after_id FROM backfill");
    const int64_t end_id = testing::QueryInt(victim, "SELECT end_id FROM backfill");
    const int64_t left = testing::QueryInt(victim, "SELECT COUNT(*) FROM results");
    if (after > 0 && after < end_id) killed_in_backfill = true;
    if (after == end_id && left < kRows && left > kRows * 3 / 10 + 10) killed_in_prune = true;
    seen += " after_id=" + std::to_string(after) + "/" + std::to_string(end_id) + ",raw=" + std::to_string(left);
  }
  EXPECT_TRUE(killed_in_backfill) << seen;
  EXPECT_TRUE(killed_in_prune) << seen;
  RunPass(victim, pass);  // the restart
  EXPECT_EQ(RollupRows(victim), want);
  EXPECT_EQ(testing::QueryRows(victim, "PRAGMA integrity_check")[0][0], "ok");
}

// 100 checks every second, stepped through three hours with windows of minutes: once the windows
// are full, the file stays the same size (free pages are reused or given back).
TEST(History, TheDatabaseStopsGrowingOnceTheRetentionWindowsAreFull) {
  testing::TempDir dir;
  const std::string path = dir.File("vigil.db");
  auto store = OpenOrDie(path);
  testing::FakeClock clock(FromUnixMillis(kT0));
  config::RetentionConfig retention;
  retention.raw = 2min;
  retention.minute = 5min;
  retention.hour = 10min;
  retention.deliveries = 10min;
  retention.dead_letters = 10min;
  RecordingObserver observer;
  RetentionTask task(*store, clock, &observer);
  task.Configure(retention);
  std::vector<int64_t> sizes;  // every 10 simulated minutes
  constexpr int kChecks = 100;
  WriteBatch batch;
  // One write per 10 s of results (the pipeline's group commit batches alike).
  for (int second = 1; second <= 3 * 3600; ++second) {
    for (int c = 0; c < kChecks; ++c) {
      batch.results.push_back(Result("check" + std::to_string(c), ToUnixMillis(clock.Now()) + c,
                                     c % 17 == second % 17 ? Outcome::kFail : Outcome::kPass, 20 + (second * 31 + c) % 50));
    }
    clock.Advance(1s);
    if (second % 10 == 0) {
      ASSERT_TRUE(store->Write(batch).ok());
      batch.results.clear();
    }
    if (second % 60 == 0) {
      ASSERT_TRUE(task.RunOnce());
    }
    if (second % 600 == 0) sizes.push_back(store->SizeBytes());
  }
  EXPECT_TRUE(observer.failures.empty());
  EXPECT_LE(testing::QueryInt(path, "SELECT COUNT(*) FROM results"), kChecks * (120 + 60));
  // Hour buckets go when all of them is past the window: from 1h20m on, the windows are full.
  // The size then follows the hour (a new hour's rows arrive before the old hour's go), so the
  // same minute of the next hour finds the same size, and nothing creeps up.
  std::string printed;
  for (int64_t s : sizes) printed += std::to_string(s / 1024) + "K ";
  const std::vector<int64_t> steady(sizes.begin() + 7, sizes.end());
  const auto [lo, hi] = std::minmax_element(steady.begin(), steady.end());
  EXPECT_LE(*hi, *lo * 115 / 100) << printed;
  for (std::size_t k = 7; k + 6 < sizes.size(); ++k) {
    if (k % 6 == 5) continue;  // on the hour
    EXPECT_LE(sizes[k + 6], sizes[k] * 102 / 100) << "at " << (k + 1) * 10 << " min: " << printed;
  }
  EXPECT_GT(observer.pruned[PruneKind::kRaw], kChecks * 3 * 3600 - kChecks * 200);
}

}  // namespace
}  // namespace vigil::storage
