// The core pipeline in one process with real parts: config -> scheduler (stepped FakeClock) ->
// worker pool -> real HTTP probes against the simulator -> pipeline -> a real SQLite file.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "daemon/result_pipeline.h"
#include "daemon/scheduler.h"
#include "daemon/simulate/simulator.h"
#include "probes/check_runner.h"
#include "probes/poco_http_client.h"
#include "storage/sqlite_store.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace vigil {
namespace {

class CountingStage final : public daemon::PipelineStage {
 public:
  void Published(const storage::WriteBatch& batch) override { published += batch.results.size(); }
  std::atomic<std::size_t> published{0};
};

TEST(Pipeline, ScheduledProbesLandInSqliteWithTheirOutcomes) {
  auto sim = simulate::Simulator::Start("127.0.0.1:0", {});
  ASSERT_TRUE(sim.ok());
  const std::string base = "http://127.0.0.1:" + std::to_string((*sim)->port());
  config::LoadResult cfg = config::LoadConfigText(
      "providers:\n"
      "  - name: pay\n    base_url: " + base + "/pay\n    checks:\n"
      "      - { name: balance, path: /balance, interval: 1s, timeout: 1s }\n"
      "      - { name: charges, path: /charges, interval: 2s, timeout: 1s }\n",
      "t.yaml", "/tmp", config::SecretSources::FromProcess());
  ASSERT_TRUE(cfg.ok()) << cfg.ErrorText();

  testing::TempDir dir;
  auto store = storage::SqliteStore::Open(dir.File("vigil.db"));
  ASSERT_TRUE(store.ok()) << store.message();
  testing::FakeClock clock{std::chrono::system_clock::now()};  // the simulator sends real rate-limit resets
  probes::PocoHttpClient client;
  probes::CheckRunner runner(cfg.config, client, clock);
  daemon::ResultPipeline pipeline(**store, 1000);
  CountingStage stage;
  pipeline.AddStage(&stage);
  pipeline.Start();
  daemon::WorkerPool pool(4, 64);
  daemon::Scheduler scheduler(clock, pool, nullptr);
  std::vector<daemon::ScheduledCheck> checks;
  for (std::size_t i = 0; i < runner.size(); ++i) {
    checks.push_back({runner.target(i).key, runner.target(i).check->interval, runner.target(i).check->interval_when_failing});
  }
  scheduler.SetChecks(checks, [&](std::size_t i) {
    probes::ProbeResult r = std::move(runner.Run(i).front());
    const bool failing = r.outcome == probes::Outcome::kFail;
    pipeline.Submit(std::move(r));
    return failing;
  });
  const auto step = [&](int seconds) {
    for (int t = 0; t < seconds * 10; ++t) {
      clock.Advance(core::Millis(100));
      scheduler.Tick();
      pool.WaitIdle();
    }
  };
  step(10);
  ASSERT_TRUE((*sim)->SetScenario("/pay/charges", {"error", {}}).ok());
  step(10);
  pipeline.Flush();

  auto balance = (*store)->Results({"pay", "balance", {}, {}, 1000});
  auto charges = (*store)->Results({"pay", "charges", {}, {}, 1000});
  ASSERT_TRUE(balance.ok() && charges.ok());
  EXPECT_NEAR(static_cast<double>(balance->size()), 20, 1);
  EXPECT_NEAR(static_cast<double>(charges->size()), 10, 1);
  for (const auto& r : *balance) EXPECT_EQ(r.result.outcome, probes::Outcome::kPass);
  EXPECT_EQ(charges->front().result.outcome, probes::Outcome::kFail);  // newest first
  EXPECT_EQ(charges->front().result.findings.at(0).kind, probes::FindingKind::kStatus);
  EXPECT_EQ(charges->back().result.outcome, probes::Outcome::kPass);
  EXPECT_EQ(stage.published.load(), balance->size() + charges->size());
  pipeline.Stop();
}

}  // namespace
}  // namespace vigil
