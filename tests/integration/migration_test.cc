// Schema migrations on a real SQLite file: a database written by an older vigil, with rows in
// it, is opened by today's SqliteStore, upgraded to the latest schema, and every row is still
// there and readable; the upgraded store then takes new writes.
#include <gtest/gtest.h>

#include "storage/migrations.h"
#include "storage/sqlite_store.h"
#include "tests/support/sqlite_file.h"
#include "tests/support/temp_dir.h"

namespace vigil::storage {
namespace {

using alerts::HealthState;
using core::FromUnixMillis;

void Exec(const std::string& path, const std::string& sql) { testing::ExecSql(path, sql); }

int UserVersion(const std::string& path) { return static_cast<int>(testing::QueryInt(path, "PRAGMA user_version")); }

probes::ProbeResult NewResult(int64_t ms) {
  probes::ProbeResult r;
  r.provider = "stripe";
  r.check = "balance";
  r.time = FromUnixMillis(ms);
  r.status_code = 200;
  r.phases = {1, 1, 1, 1, 1, 5};
  return r;
}

// Runs the backfill of an upgraded database to its end, as of just after the fixture's rows.
void RollUpEverything(SqliteStore& store) {
  for (int step = 0; step < 100; ++step) {
    auto progress = store.BackfillStep(2, config::RetentionConfig{}, FromUnixMillis(1764000180000));
    ASSERT_TRUE(progress.ok()) << progress.message();
    if (progress->finished()) return;
  }
  FAIL() << "the backfill does not finish";
}

// The rows written in schema-v2.sql are all readable after the upgrade.
void ExpectFixtureRows(const SqliteStore& store) {
  auto stripe = store.Results({"stripe", "", {}, {}, 100});
  ASSERT_TRUE(stripe.ok()) << stripe.message();
  ASSERT_EQ(stripe->size(), 3u);
  const StoredResult& newest = (*stripe)[0];
  EXPECT_EQ(newest.id, 3);
  EXPECT_EQ(newest.result.time, FromUnixMillis(1764000120000));
  EXPECT_EQ(newest.result.outcome, probes::Outcome::kFail);
  EXPECT_EQ(newest.result.status_code, 503);
  ASSERT_EQ(newest.result.findings.size(), 1u);
  EXPECT_EQ(newest.result.findings[0].kind, probes::FindingKind::kStatus);
  EXPECT_EQ(newest.result.findings[0].message, "expected 2xx, got 503");
  EXPECT_EQ(newest.result.body_excerpt, "{\"error\":\"down\"}");
  EXPECT_DOUBLE_EQ(newest.result.phases.total_ms, 17.5);
  EXPECT_FALSE(newest.result.cert_not_after.has_value());
  // Columns added by later migrations read as "not known" on old rows.
  EXPECT_FALSE(newest.result.credential_not_after.has_value());
  EXPECT_TRUE(newest.result.budgets.empty());
  const StoredResult& oldest = (*stripe)[2];
  EXPECT_EQ(oldest.id, 1);
  EXPECT_EQ(oldest.result.outcome, probes::Outcome::kPass);
  EXPECT_DOUBLE_EQ(oldest.result.phases.ttfb_ms, 40.25);
  EXPECT_EQ(oldest.result.cert_not_after, FromUnixMillis(1900000000000));
  auto okta = store.Results({"okta", "userinfo", {}, {}, 10});
  ASSERT_TRUE(okta.ok());
  ASSERT_EQ(okta->size(), 1u);
  EXPECT_EQ((*okta)[0].result.findings.at(0).kind, probes::FindingKind::kAuth);
  auto maps = store.Results({"maps", "", {}, {}, 10});
  ASSERT_EQ(maps->size(), 1u);
  EXPECT_EQ((*maps)[0].result.outcome, probes::Outcome::kWarn);
  EXPECT_EQ((*maps)[0].result.findings.at(0).severity, config::Severity::kWarn);

  auto latencies = store.Latencies("stripe", "balance", FromUnixMillis(0));
  ASSERT_TRUE(latencies.ok());
  EXPECT_EQ(*latencies, (std::vector<double>{17.5, 20.0, 48.25}));
  // The old rows are rolled up by the backfill (RollUpEverything): their counts are all there.
  auto counts = store.Counts("stripe", "balance", {FromUnixMillis(0)}, FromUnixMillis(1764000180000));
  ASSERT_TRUE(counts.ok()) << counts.message();
  EXPECT_EQ(counts->at(0).total(), 3);
  EXPECT_EQ(counts->at(0).total() - counts->at(0).fail, 1);

  auto saved = store.LoadSavedState();
  ASSERT_TRUE(saved.ok()) << saved.message();
  ASSERT_EQ(saved->checks.size(), 3u);
  std::map<std::string, alerts::CheckStateChange> checks;
  for (const auto& c : saved->checks) checks[c.provider + "/" + c.check] = c;
  EXPECT_EQ(checks.at("stripe/balance").state, HealthState::kDown);
  EXPECT_EQ(checks.at("stripe/balance").since, FromUnixMillis(1764000120000));
  EXPECT_EQ(checks.at("okta/userinfo").state, HealthState::kUp);
  EXPECT_EQ(checks.at("maps/geocode").state, HealthState::kUp);
  std::map<std::string, HealthState> providers;
  for (const auto& p : saved->providers) providers[p.provider] = p.state;
  EXPECT_EQ(providers, (std::map<std::string, HealthState>{{"maps", HealthState::kUp},
                                                           {"stripe", HealthState::kDown}}));

  auto incidents = store.Incidents({});
  ASSERT_TRUE(incidents.ok()) << incidents.message();
  ASSERT_EQ(incidents->size(), 2u);
  const StoredIncident& open = (*incidents)[0];
  EXPECT_EQ(open.provider, "stripe");
  EXPECT_EQ(open.state, HealthState::kDown);
  EXPECT_FALSE(open.ended.has_value());
  ASSERT_EQ(open.reasons.size(), 1u);
  EXPECT_EQ(open.reasons[0].check, "balance");
  EXPECT_EQ(open.reasons[0].kind, probes::FindingKind::kStatus);
  ASSERT_EQ(open.transitions.size(), 1u);
  const StoredIncident& closed = (*incidents)[1];
  EXPECT_EQ(closed.provider, "maps");
  EXPECT_EQ(closed.ended, FromUnixMillis(1763990600000));
  ASSERT_EQ(closed.transitions.size(), 2u);
  EXPECT_EQ(closed.transitions[0].to, HealthState::kDegraded);
  EXPECT_EQ(closed.transitions[1].to, HealthState::kUp);
}

TEST(Migrations, ADatabaseOfTheFirstDaemonReleaseIsUpgradedWithEveryRowKept) {
  testing::TempDir dir;
  const std::string path = dir.File("vigil.db");
  Exec(path,
       testing::ReadFile(std::string(VIGIL_SOURCE_DIR) + "/tests/testdata/storage/schema-v2.sql"));
  ASSERT_EQ(UserVersion(path), 2);
  {
    auto store = SqliteStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.message();
    EXPECT_EQ((*store)->schema_version(), SqliteStore::LatestSchemaVersion());
    RollUpEverything(**store);
    ExpectFixtureRows(**store);
    // The upgraded schema takes today's writes next to the old rows.
    WriteBatch batch;
    probes::ProbeResult r = NewResult(1764000180000);
    r.provider = "adyen";
    r.credential_not_after = FromUnixMillis(1800000000000);
    batch.results.push_back(r);
    batch.baselines.push_back({false, {"stripe", "balance", "{\"paths\":{}}", "{}"}});
    ASSERT_TRUE((*store)->Write(batch).ok());
    auto adyen = (*store)->Results({"adyen", "", {}, {}, 100});
    ASSERT_EQ(adyen->size(), 1u);
    EXPECT_EQ((*adyen)[0].id, 6);  // ids continue after the old rows
    EXPECT_EQ((*adyen)[0].result.credential_not_after, FromUnixMillis(1800000000000));
  }
  EXPECT_EQ(UserVersion(path), SqliteStore::LatestSchemaVersion());
  // Opening it again migrates nothing and still reads everything.
  auto again = SqliteStore::Open(path);
  ASSERT_TRUE(again.ok()) << again.message();
  EXPECT_EQ((*again)->Results({"adyen", "", {}, {}, 100})->size(), 1u);
  ASSERT_EQ((*again)->LoadBaselines()->size(), 1u);
  ExpectFixtureRows(**again);
}

// Every older schema version, built from the migrations themselves, with a result row in it.
class MigrationFromEveryVersion : public ::testing::TestWithParam<int> {};

TEST_P(MigrationFromEveryVersion, UpgradesToTheLatestKeepingTheRows) {
  const int from = GetParam();
  testing::TempDir dir;
  const std::string path = dir.File("vigil.db");
  std::string sql;
  for (int v = 0; v < from; ++v) {
    for (const std::string& statement : Migrations()[static_cast<std::size_t>(v)])
      sql += statement + ";\n";
  }
  // Only the columns of version 1: every later version must still accept them.
  sql += R"(INSERT INTO results(ts_ms, provider, check_name, outcome, status_code, dns_ms,
      connect_ms, tls_ms, ttfb_ms, transfer_ms, total_ms, findings, body_excerpt, body_truncated,
      cert_not_after_ms) VALUES (1764000000000, 'stripe', 'balance', 'fail', 500, 1, 2, 3, 4, 5, 15,
      '[{"kind":"status","severity":"critical","message":"expected 2xx, got 500"}]', 'oops', 1, NULL);
  )";
  if (from >= 2) {
    sql += "INSERT INTO check_states VALUES ('stripe', 'balance', 'degraded', 1764000000000);\n";
  }
  sql += "PRAGMA user_version = " + std::to_string(from) + ";\n";
  Exec(path, sql);

  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.message();
  EXPECT_EQ((*store)->schema_version(), SqliteStore::LatestSchemaVersion());
  EXPECT_EQ(UserVersion(path), SqliteStore::LatestSchemaVersion());
  auto results = (*store)->Results({"stripe", "", {}, {}, 10});
  ASSERT_TRUE(results.ok()) << results.message();
  ASSERT_EQ(results->size(), 1u);
  const probes::ProbeResult& r = (*results)[0].result;
  EXPECT_EQ(r.time, FromUnixMillis(1764000000000));
  EXPECT_EQ(r.outcome, probes::Outcome::kFail);
  EXPECT_EQ(r.status_code, 500);
  EXPECT_EQ(r.body_excerpt, "oops");
  EXPECT_TRUE(r.body_truncated);
  EXPECT_DOUBLE_EQ(r.phases.transfer_ms, 5);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].message, "expected 2xx, got 500");
  auto saved = (*store)->LoadSavedState();
  ASSERT_TRUE(saved.ok()) << saved.message();
  ASSERT_EQ(saved->checks.size(), from >= 2 ? 1u : 0u);
  if (from >= 2) {
    EXPECT_EQ(saved->checks[0].state, HealthState::kDegraded);
  }
  WriteBatch batch;
  batch.results.push_back(NewResult(1764000060000));
  ASSERT_TRUE((*store)->Write(batch).ok());
  EXPECT_EQ((*store)->Results({"stripe", "", {}, {}, 10})->size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(OlderVersions, MigrationFromEveryVersion,
                         ::testing::Range(1, SqliteStore::LatestSchemaVersion()),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return "V" + std::to_string(p.param);
                         });

}  // namespace
}  // namespace vigil::storage
