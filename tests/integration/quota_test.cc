// Polite probing with real parts on a stepped clock: the scheduler asks the QuotaBook before
// every probe, real HTTP probes go to real local servers, results feed the health model.
#include <gtest/gtest.h>

#include "alerts/health_tracker.h"
#include "config/loader.h"
#include "daemon/quota_gate.h"
#include "daemon/scheduler.h"
#include "daemon/simulate/simulator.h"
#include "probes/check_runner.h"
#include "probes/poco_http_client.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/test_http_server.h"

namespace vigil {
namespace {

class PoliteProbing : public ::testing::Test {
 protected:
  void Start(const std::string& yaml) {
    loaded_ = config::LoadConfigText(yaml, "t.yaml", "/tmp", config::SecretSources::FromProcess());
    ASSERT_TRUE(loaded_.ok()) << loaded_.ErrorText();
    book_->Configure(*loaded_.config);
    runner_ = std::make_unique<probes::CheckRunner>(loaded_.config, client_, clock_, probes::CheckRunner::Shared{nullptr, book_, nullptr});
    tracker_ = std::make_unique<alerts::HealthTracker>(loaded_.config);
    std::vector<daemon::ScheduledCheck> checks;
    for (std::size_t i = 0; i < runner_->size(); ++i) {
      checks.push_back({runner_->target(i).key, runner_->target(i).check->interval, {}});
    }
    scheduler_.SetChecks(checks, [this](std::size_t i) {
      const probes::ProbeResult r = runner_->Run(i).front();
      std::lock_guard lock(mu_);
      tracker_->Observe(r);
      return r.outcome == probes::Outcome::kFail;
    });
  }
  void Step(core::Millis d) {
    clock_.Advance(d);
    scheduler_.Tick();
    pool_.WaitIdle();
  }
  alerts::HealthState State(const std::string& provider) {
    std::lock_guard lock(mu_);
    return tracker_->StatusOf(*loaded_.config->FindProvider(provider)).state;
  }

  testing::FakeClock clock_{std::chrono::system_clock::now()};  // real servers send absolute times
  probes::PocoHttpClient client_;
  std::shared_ptr<probes::quota::QuotaBook> book_ = std::make_shared<probes::quota::QuotaBook>();
  daemon::QuotaGate gate_{book_};
  daemon::WorkerPool pool_{2, 64};
  daemon::Scheduler scheduler_{clock_, pool_, nullptr, &gate_};
  config::LoadResult loaded_;
  std::unique_ptr<probes::CheckRunner> runner_;
  std::mutex mu_;
  std::unique_ptr<alerts::HealthTracker> tracker_;
};

TEST_F(PoliteProbing, A429WithRetryAfterFiveSecondsHoldsEveryProbeBackAndIsQuotaNotDown) {
  auto sim = simulate::Simulator::Start("127.0.0.1:0", {{"/limited", {"ratelimited", {{"retry_after", "5"}}}}});
  ASSERT_TRUE(sim.ok());
  Start("defaults: { interval: 1s, timeout: 900ms, failure_threshold: 1, success_threshold: 1 }\n"
        "providers:\n  - name: limited\n    base_url: http://127.0.0.1:" + std::to_string((*sim)->port()) + "/limited\n"
        "    checks: [{ name: a, path: /a }, { name: b, path: /b }]\n");
  while ((*sim)->Calls("/limited") == 0) Step(core::Millis(100));
  EXPECT_EQ((*sim)->Calls("/limited"), 1u);  // the first 429 holds back the other check too
  for (int i = 0; i < 48; ++i) {
    Step(core::Millis(100));
    ASSERT_EQ((*sim)->Calls("/limited"), 1u) << "a probe went out " << (i + 1) * 100 << " ms after the 429";
  }
  for (int i = 0; i < 5 && (*sim)->Calls("/limited") == 1; ++i) Step(core::Millis(100));
  EXPECT_GE((*sim)->Calls("/limited"), 2u);  // after 5 s the provider may be asked again
  EXPECT_EQ(State("limited"), alerts::HealthState::kDegraded);  // quota-limited, not down
  const auto throttle = book_->CurrentThrottle("limited", clock_.Now());
  ASSERT_TRUE(throttle);
  EXPECT_EQ(throttle->reason, "429 Too Many Requests, Retry-After 5s");
}

TEST_F(PoliteProbing, WithAOnePercentProbeBudgetAnd200LeftProbesBeforeTheResetNumberAtMostTwo) {
  const int64_t reset_epoch_s = std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count() + 3600;
  std::atomic<int> served{0};
  testing::TestHttpServer api([&](const testing::RecordedRequest&, Poco::Net::HTTPServerResponse& resp) {
    const int n = served++;
    resp.set("X-RateLimit-Limit", "1000");
    resp.set("X-RateLimit-Remaining", std::to_string(200 - n));
    resp.set("X-RateLimit-Reset", std::to_string(reset_epoch_s));
    testing::Reply(resp, 200, "{}");
  });
  Start("defaults: { interval: 10s, timeout: 5s }\n"
        "providers:\n  - name: metered\n    base_url: " + api.url("") + "\n    quota: { probe_budget: 1% }\n"
        "    checks: [{ name: a, path: /a }, { name: b, path: /b }, { name: c, path: /c }]\n");
  const core::WallTime reset = core::FromUnixMillis(reset_epoch_s * 1000);
  while (clock_.Now() + core::Millis(10'000) < reset) Step(core::Millis(10'000));
  EXPECT_LE(served.load(), 2) << "probes before the reset";
  EXPECT_GE(served.load(), 1);
  for (int i = 0; i < 6; ++i) Step(core::Millis(10'000));  // past the reset: probing resumes
  EXPECT_GT(served.load(), 2);
}

}  // namespace
}  // namespace vigil
