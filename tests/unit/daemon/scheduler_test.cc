// The scheduler under a FakeClock: time is stepped, nothing sleeps.
#include "daemon/scheduler.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>

#include "tests/fakes/fake_clock.h"

namespace vigil::daemon {
namespace {

using core::Millis;

class RecordingObserver final : public SchedulerObserver {
 public:
  void OnStarted(const std::string& key, double lag) override {
    std::lock_guard lock(mu);
    started[key]++;
    lags.push_back(lag);
  }
  void OnSkipped(const std::string& key, std::string_view reason) override {
    std::lock_guard lock(mu);
    skipped[key].push_back(std::string(reason));
  }
  std::mutex mu;
  std::map<std::string, int> started;
  std::map<std::string, std::vector<std::string>> skipped;
  std::vector<double> lags;
};

class SchedulerTest : public ::testing::Test {
 protected:
  void Step(Millis d) {
    clock_.Advance(d);
    scheduler_.Tick();
    pool_.WaitIdle();
  }
  // Steps `total` in 100 ms increments.
  void Run(Millis total) {
    for (Millis t(0); t < total; t += Millis(100)) Step(Millis(100));
  }
  int Runs(const std::string& key) {
    std::lock_guard lock(observer_.mu);
    return observer_.started[key];
  }

  testing::FakeClock clock_;
  WorkerPool pool_{2, 16};
  RecordingObserver observer_;
  Scheduler scheduler_{clock_, pool_, &observer_};
  std::atomic<int> calls_{0};
};

TEST_F(SchedulerTest, EveryCheckRunsOnItsInterval) {
  scheduler_.SetChecks({{"a/x", Millis(1000), {}}, {"b/y", Millis(3000), {}}}, [&](std::size_t) {
    ++calls_;
    return false;
  });
  Run(Millis(30'000));
  EXPECT_NEAR(Runs("a/x"), 30, 1);
  EXPECT_NEAR(Runs("b/y"), 10, 1);
}

TEST_F(SchedulerTest, FirstRunsAreSpreadByADeterministicJitter) {
  std::vector<ScheduledCheck> checks;
  for (int i = 0; i < 50; ++i) checks.push_back({"p/c" + std::to_string(i), Millis(60'000), {}});
  scheduler_.SetChecks(checks, [](std::size_t) { return false; });
  std::set<core::SteadyTime> firsts;
  for (const auto& c : checks) firsts.insert(*scheduler_.NextDue(c.key));
  EXPECT_GT(firsts.size(), 40u);  // spread, not all at once
  for (auto t : firsts) EXPECT_LE(t - clock_.Steady(), Scheduler::kMaxInitialSpread);
  Scheduler again(clock_, pool_, nullptr);
  again.SetChecks(checks, [](std::size_t) { return false; });
  for (const auto& c : checks) EXPECT_EQ(*again.NextDue(c.key), *scheduler_.NextDue(c.key));  // same every run
}

TEST_F(SchedulerTest, ACheckNeverOverlapsItself) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> concurrent{0}, max_concurrent{0};
  scheduler_.SetChecks({{"a/slow", Millis(1000), {}}}, [&](std::size_t) {
    max_concurrent = std::max(max_concurrent.load(), ++concurrent);
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    --concurrent;
    return false;
  });
  for (int i = 0; i < 50; ++i) {  // 5 intervals pass while the first probe hangs
    clock_.Advance(Millis(100));
    scheduler_.Tick();
  }
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  pool_.WaitIdle();
  EXPECT_EQ(max_concurrent.load(), 1);
  EXPECT_EQ(Runs("a/slow"), 1);
  std::lock_guard lock(observer_.mu);
  EXPECT_GE(observer_.skipped["a/slow"].size(), 3u);
  EXPECT_EQ(observer_.skipped["a/slow"][0], "previous probe still running");
}

TEST_F(SchedulerTest, FailingChecksRunAtIntervalWhenFailing) {
  std::atomic<bool> failing{true};
  scheduler_.SetChecks({{"a/x", Millis(10'000), Millis(1000)}}, [&](std::size_t) { return failing.load(); });
  Run(Millis(20'000));
  const int while_failing = Runs("a/x");
  EXPECT_GE(while_failing, 15);  // ~every second after the first failure
  failing = false;
  Run(Millis(30'000));
  EXPECT_LE(Runs("a/x") - while_failing, 5);  // back to every 10 s
}

TEST_F(SchedulerTest, AFullWorkerQueueSkipsAndCountsInsteadOfGrowing) {
  WorkerPool tiny(1, 1);
  Scheduler s(clock_, tiny, &observer_);
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::vector<ScheduledCheck> checks;
  for (int i = 0; i < 10; ++i) checks.push_back({"p/c" + std::to_string(i), Millis(1000), {}});
  s.SetChecks(checks, [&](std::size_t) {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return false;
  });
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(Millis(100));
    s.Tick();
  }
  EXPECT_LE(tiny.queued(), 1u);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  tiny.WaitIdle();
  std::lock_guard lock(observer_.mu);
  int full = 0;
  for (const auto& [k, reasons] : observer_.skipped) full += static_cast<int>(std::count(reasons.begin(), reasons.end(), "worker queue full"));
  EXPECT_GE(full, 8);
}

TEST_F(SchedulerTest, LagIsMeasuredFromTheDueTime) {
  scheduler_.SetChecks({{"a/x", Millis(1000), {}}}, [](std::size_t) { return false; });
  clock_.Advance(Millis(3500));  // the scheduler "stalled" for 3.5 s
  scheduler_.Tick();
  pool_.WaitIdle();
  std::lock_guard lock(observer_.mu);
  ASSERT_EQ(observer_.lags.size(), 1u);  // one run, not a burst of missed ones
  EXPECT_GE(observer_.lags[0], 2.5);
}

TEST_F(SchedulerTest, ReloadKeepsTheScheduleOfUnchangedChecks) {
  scheduler_.SetChecks({{"a/x", Millis(5000), {}}}, [](std::size_t) { return false; });
  Run(Millis(12'000));
  const core::SteadyTime due = *scheduler_.NextDue("a/x");
  scheduler_.SetChecks({{"a/x", Millis(5000), {}}, {"b/new", Millis(5000), {}}}, [](std::size_t) { return false; });
  EXPECT_EQ(*scheduler_.NextDue("a/x"), due);
  EXPECT_TRUE(scheduler_.NextDue("b/new").has_value());
  EXPECT_FALSE(scheduler_.RunNow("gone/check"));
}

}  // namespace
}  // namespace vigil::daemon
