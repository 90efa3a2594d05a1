// SqliteStore on a real SQLite file.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "storage/sqlite_store.h"
#include "tests/support/temp_dir.h"

namespace vigil::storage {
namespace {

probes::ProbeResult Result(const std::string& check, int64_t ms, probes::Outcome outcome) {
  probes::ProbeResult r;
  r.provider = "stripe";
  r.check = check;
  r.time = core::FromUnixMillis(ms);
  r.outcome = outcome;
  r.status_code = outcome == probes::Outcome::kPass ? 200 : 503;
  r.phases = {1.5, 2.5, 3.5, 4.5, 0.5, 12.5};
  if (outcome != probes::Outcome::kPass) {
    r.findings.push_back({probes::FindingKind::kStatus, config::Severity::kCritical, "expected 2xx, got 503 \"quoted\"\nline"});
    r.body_excerpt = "{\"error\":\"down\"}";
  }
  r.cert_not_after = core::FromUnixMillis(1'900'000'000'000);
  return r;
}

TEST(SqliteStore, RoundTripsResultsNewestFirstWithFilters) {
  testing::TempDir dir;
  auto store = SqliteStore::Open(dir.File("vigil.db"));
  ASSERT_TRUE(store.ok()) << store.message();
  WriteBatch batch;
  for (int i = 0; i < 10; ++i) {
    batch.results.push_back(Result(i % 2 ? "balance" : "charges", 1000 * i, i == 9 ? probes::Outcome::kFail : probes::Outcome::kPass));
  }
  ASSERT_TRUE((*store)->Write(batch).ok());
  auto all = (*store)->Results({"stripe", "", {}, {}, 100});
  ASSERT_TRUE(all.ok()) << all.message();
  ASSERT_EQ(all->size(), 10u);
  EXPECT_EQ((*all)[0].result.time, core::FromUnixMillis(9000));
  const probes::ProbeResult& newest = (*all)[0].result;
  EXPECT_EQ(newest.outcome, probes::Outcome::kFail);
  EXPECT_EQ(newest.status_code, 503);
  ASSERT_EQ(newest.findings.size(), 1u);
  EXPECT_EQ(newest.findings[0].message, "expected 2xx, got 503 \"quoted\"\nline");
  EXPECT_EQ(newest.findings[0].kind, probes::FindingKind::kStatus);
  EXPECT_EQ(newest.body_excerpt, "{\"error\":\"down\"}");
  EXPECT_DOUBLE_EQ(newest.phases.tls_ms, 3.5);
  EXPECT_EQ(*newest.cert_not_after, core::FromUnixMillis(1'900'000'000'000));
  auto balance = (*store)->Results({"stripe", "balance", core::FromUnixMillis(3000), core::FromUnixMillis(8000), 2});
  ASSERT_TRUE(balance.ok());
  ASSERT_EQ(balance->size(), 2u);
  EXPECT_EQ((*balance)[0].result.time, core::FromUnixMillis(7000));
  EXPECT_EQ((*balance)[1].result.time, core::FromUnixMillis(5000));
  EXPECT_TRUE((*store)->Results({"nobody", "", {}, {}, 10})->empty());
}

// The incident history pages newest first (the status page's /incidents), can skip the
// transitions (the overview counts incidents per day), and each check's baseline keeps when it
// last changed.
TEST(SqliteStore, IncidentsPageNewestFirstAndBaselinesKeepWhenTheyChanged) {
  testing::TempDir dir;
  auto store = SqliteStore::Open(dir.File("vigil.db"));
  ASSERT_TRUE(store.ok()) << store.message();
  WriteBatch batch;
  for (int i = 0; i < 5; ++i) {
    const int64_t t = 1'000'000 + i * 10'000;
    batch.health.transitions.push_back({"stripe", alerts::HealthState::kUp, alerts::HealthState::kDown,
                                        core::FromUnixMillis(t), {}, alerts::IncidentAction::kOpen});
    batch.health.transitions.push_back({"stripe", alerts::HealthState::kDown, alerts::HealthState::kUp,
                                        core::FromUnixMillis(t + 5'000), {}, alerts::IncidentAction::kClose});
  }
  batch.baselines.push_back({false, {"stripe", "balance", "{\"paths\":{}}", "{}"}});
  const core::WallTime before = std::chrono::time_point_cast<core::Millis>(std::chrono::system_clock::now());
  ASSERT_TRUE((*store)->Write(batch).ok());
  IncidentQuery q;
  q.provider = "stripe";
  q.limit = 2;
  auto first = (*store)->Incidents(q);
  ASSERT_TRUE(first.ok()) << first.message();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].started, core::FromUnixMillis(1'040'000));
  EXPECT_EQ((*first)[1].started, core::FromUnixMillis(1'030'000));
  EXPECT_EQ((*first)[0].transitions.size(), 2u);
  q.offset = 4;
  auto last = (*store)->Incidents(q);
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].started, core::FromUnixMillis(1'000'000));
  EXPECT_EQ((*last)[0].ended, core::FromUnixMillis(1'005'000));
  q.offset = 5;
  EXPECT_TRUE((*store)->Incidents(q)->empty());
  q.offset = 0;
  q.limit = 100;
  q.transitions = false;
  auto bare = (*store)->Incidents(q);
  ASSERT_EQ(bare->size(), 5u);
  for (const auto& inc : *bare) EXPECT_TRUE(inc.transitions.empty());
  auto times = (*store)->BaselineTimes("stripe");
  ASSERT_TRUE(times.ok()) << times.message();
  ASSERT_EQ(times->size(), 1u);
  EXPECT_GE(times->at("balance"), before);
  EXPECT_TRUE((*store)->BaselineTimes("adyen")->empty());
}

TEST(SqliteStore, SurvivesReopenUsesWalAndIsOwnerOnly) {
  testing::TempDir dir;
  const std::string path = dir.File("vigil.db");
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->schema_version(), SqliteStore::LatestSchemaVersion());
    storage::WriteBatch one;
    one.results.push_back(Result("balance", 1, probes::Outcome::kPass));
    ASSERT_TRUE((*store)->Write(one).ok());
  }
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = SqliteStore::Open(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->Results({"stripe", "", {}, {}, 10})->size(), 1u);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(SqliteStore, RefusesADatabaseFromANewerVigil) {
  testing::TempDir dir;
  const std::string path = dir.File("vigil.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  auto store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.message().find("schema version 99 is newer"), std::string::npos) << store.message();
}

TEST(SqliteStore, AnUnwritableLocationIsAClearError) {
  auto store = SqliteStore::Open("/proc/definitely/not/here/vigil.db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.message(), "cannot open database /proc/definitely/not/here/vigil.db: directory "
                             "/proc/definitely/not/here does not exist");
}

TEST(SqliteStore, CorruptFileIsAClearError) {
  testing::TempDir dir;
  const std::string path = dir.Write("vigil.db", std::string(8192, 'x'));
  auto store = SqliteStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.message().find(path), std::string::npos);
}

}  // namespace
}  // namespace vigil::storage
