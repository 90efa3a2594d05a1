// QuotaBook: findings from budgets, the burn-rate forecast, Retry-After and the probe budget.
#include "probes/quota/quota_book.h"

#include <gtest/gtest.h>

#include "config/loader.h"

namespace vigil::probes::quota {
namespace {

const core::WallTime kNow = core::FromUnixMillis(1'800'000'000'000);
int64_t Ms(core::WallTime t) { return core::ToUnixMillis(t); }

class QuotaBookTest : public ::testing::Test {
 protected:
  void Configure(const std::string& quota_yaml) {
    const config::LoadResult r = config::LoadConfigText(
        "providers:\n  - name: p\n    base_url: http://127.0.0.1:1\n    quota: " + quota_yaml +
            "\n    checks: [{ name: c, path: /c }]\n",
        "t.yaml", "/tmp", config::SecretSources::FromProcess());
    ASSERT_TRUE(r.ok()) << r.ErrorText();
    book_.Configure(*r.config);
  }
  static RateLimitInfo Info(double remaining, double limit, core::WallTime reset, const std::string& dim = "requests") {
    RateLimitInfo info;
    info.budgets.push_back({dim, limit, remaining, Ms(reset), std::nullopt, "x-ratelimit"});
    return info;
  }
  std::vector<std::string> Observe(const RateLimitInfo& info, core::WallTime at, int status = 200) {
    std::vector<std::string> out;
    for (const Finding& f : book_.Observe("p", info, status, at)) {
      out.push_back(std::string(config::SeverityName(f.severity)) + ": " + f.message);
    }
    return out;
  }
  QuotaBook book_;
};

TEST_F(QuotaBookTest, ThresholdsAreQuotaFindings) {
  Configure("{ warn_below: 20%, critical_below: 5% }");
  const core::WallTime reset = kNow + std::chrono::minutes(41);
  EXPECT_TRUE(Observe(Info(500, 1000, reset), kNow).empty());
  EXPECT_EQ(Observe(Info(150, 1000, reset), kNow),
            std::vector<std::string>{"warn: requests budget: 15% left (150 of 1000), resets in 41m, below warn_below 20%"});
  EXPECT_EQ(Observe(Info(30, 1000, reset), kNow),
            std::vector<std::string>{"critical: requests budget: 3% left (30 of 1000), resets in 41m, below critical_below 5%"});
  // Shares under 10% keep one decimal, without a trailing ".0" (the user wrote "5%", not "5.0%").
  EXPECT_EQ(Observe(Info(5, 1000, reset), kNow),
            std::vector<std::string>{"critical: requests budget: 0.5% left (5 of 1000), resets in 41m, below critical_below 5%"});
}

TEST_F(QuotaBookTest, ABudgetStaysKnownWhenLaterResponsesSayNothingOfIt) {
  Configure("{ warn_below: 20% }");
  const core::WallTime reset = kNow + std::chrono::minutes(41);
  Observe(Info(500, 1000, reset), kNow);
  Observe(Info(7, 10, reset, "tokens"), kNow + std::chrono::seconds(1));
  Observe({}, kNow + std::chrono::seconds(2));       // an answer without rate-limit headers
  Observe({}, kNow + std::chrono::seconds(3), 0);    // no answer at all
  const std::vector<ObservedBudget> latest = book_.LatestBudgets("p");
  ASSERT_EQ(latest.size(), 2u);
  EXPECT_EQ(latest[0].budget.dimension, "requests");
  EXPECT_EQ(latest[0].budget.remaining, 500);
  EXPECT_EQ(latest[0].at, kNow);
  EXPECT_EQ(latest[1].budget.dimension, "tokens");
  EXPECT_EQ(latest[1].at, kNow + std::chrono::seconds(1));
  EXPECT_TRUE(book_.LatestBudgets("unknown").empty());
}

TEST_F(QuotaBookTest, ForecastsExhaustionFromTheBurnRate) {
  Configure("{ warn_below: 1% }");
  const core::WallTime reset = kNow + std::chrono::minutes(41);
  EXPECT_TRUE(Observe(Info(900, 1000, reset), kNow).empty());
  // 100 spent in a minute: 800 left last 8 minutes, before the reset in 40.
  EXPECT_EQ(Observe(Info(800, 1000, reset), kNow + std::chrono::minutes(1)),
            std::vector<std::string>{"warn: requests budget: at this rate exhausted in ~8m, resets in 40m (800 left)"});
  // A new window (another reset time) forgets the old burn rate.
  EXPECT_TRUE(Observe(Info(700, 1000, kNow + std::chrono::hours(2)), kNow + std::chrono::minutes(2)).empty());
}

TEST_F(QuotaBookTest, RetryAfterHoldsProbesBackUntilTheTimeAskedFor) {
  Configure("{}");
  EXPECT_FALSE(book_.Admit("p", kNow).has_value());
  RateLimitInfo info;
  info.retry_after_unix_ms = Ms(kNow + std::chrono::seconds(5));
  Observe(info, kNow, 429);
  const std::optional<Throttle> t = book_.Admit("p", kNow + std::chrono::seconds(4));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->until, kNow + std::chrono::seconds(5));
  EXPECT_EQ(t->reason, "429 Too Many Requests, Retry-After 5s");
  EXPECT_FALSE(book_.Admit("p", kNow + std::chrono::seconds(5)).has_value());
  EXPECT_FALSE(book_.Admit("other", kNow).has_value());  // unknown providers are never held
}

TEST_F(QuotaBookTest, A429WithoutRetryAfterWaitsForTheExhaustedBudgetOrThirtySeconds) {
  Configure("{}");
  Observe(Info(0, 100, kNow + std::chrono::seconds(90)), kNow, 429);
  EXPECT_EQ(book_.Admit("p", kNow)->until, kNow + std::chrono::seconds(90));
  QuotaBook fresh;
  const config::LoadResult r = config::LoadConfigText(
      "providers:\n  - name: p\n    base_url: http://127.0.0.1:1\n    checks: [{ name: c, path: /c }]\n", "t.yaml", "/tmp",
      config::SecretSources::FromProcess());
  fresh.Configure(*r.config);
  fresh.Observe("p", RateLimitInfo(), 429, kNow);
  EXPECT_EQ(fresh.Admit("p", kNow)->until, kNow + std::chrono::seconds(30));
}

TEST_F(QuotaBookTest, TheProbeBudgetSpreadsItsAllowanceOverTheWindow) {
  Configure("{ probe_budget: 1% }");
  const core::WallTime reset = kNow + std::chrono::hours(1);
  Observe(Info(200, 1000, reset), kNow);  // allowance floor(200 * 1%) = 2, this probe included
  const std::optional<Throttle> t = book_.Admit("p", kNow + std::chrono::seconds(10));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->until, kNow + std::chrono::minutes(30));
  EXPECT_EQ(t->reason, "probe_budget 1%: 2 probe(s) allowed before the requests budget resets in 59m50s");
  EXPECT_FALSE(book_.Admit("p", kNow + std::chrono::minutes(30)).has_value());  // the second
  Observe(Info(199, 1000, reset), kNow + std::chrono::minutes(30));               // same window: allowance stands
  EXPECT_EQ(book_.Admit("p", kNow + std::chrono::minutes(31))->until, reset);
  EXPECT_FALSE(book_.Admit("p", reset).has_value());  // a new window may begin
}

TEST_F(QuotaBookTest, TokenBudgetsNeverPaceProbes) {
  Configure("{ probe_budget: 1% }");
  Observe(Info(10, 1000, kNow + std::chrono::hours(1), "tokens"), kNow);
  EXPECT_FALSE(book_.Admit("p", kNow + std::chrono::seconds(1)).has_value());
}

}  // namespace
}  // namespace vigil::probes::quota
