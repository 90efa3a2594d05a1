// End to end: the real `vigil run` against the in-process simulator. A provider switched to
// failing goes down after exactly failure_threshold results, recommends its fallback, comes
// back after success_threshold, and the incident is in /api/v1/incidents.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "daemon/core/clock.h"
#include "daemon/http/api.h"
#include "daemon/simulate/simulator.h"
#include "tests/support/daemon_process.h"

namespace vigil {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr int kFailureThreshold = 3;
constexpr int kSuccessThreshold = 2;

core::WallTime At(const std::string& rfc3339) {
  return *daemon::http::ParseTimeFilter(rfc3339, core::WallTime());
}

class HealthE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = simulate::Simulator::Start("127.0.0.1:0", {});
    ASSERT_TRUE(s.ok());
    sim_ = std::move(s).value();
    const std::string base = testing::SimUrl(sim_->port(), "");
    daemon_ = std::make_unique<testing::DaemonProcess>(dir_,
        "defaults: { interval: 1s, timeout: 800ms, failure_threshold: " + std::to_string(kFailureThreshold) +
        ", success_threshold: " + std::to_string(kSuccessThreshold) + " }\n"
        "providers:\n"
        "  - name: stripe\n    base_url: " + base + "/stripe\n    fallback: [adyen]\n"
        "    checks: [{ name: balance, path: /v1/balance }]\n"
        "  - name: adyen\n    base_url: " + base + "/adyen\n"
        "    checks: [{ name: health, path: /health }]\n");
  }
  bool WaitForState(const std::string& provider, const std::string& state) {
    return testing::Eventually([&] { return daemon_->ProviderState(provider) == state; }, std::chrono::seconds(20));
  }
  // Results of `provider`, oldest first.
  std::vector<Object::Ptr> Results(const std::string& provider) {
    Array::Ptr a = daemon_->GetJson("/api/v1/providers/" + provider + "/results?limit=1000")->getArray("results");
    std::vector<Object::Ptr> out;
    for (std::size_t i = a->size(); i-- > 0;) out.push_back(a->getObject(static_cast<unsigned>(i)));
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<simulate::Simulator> sim_;
  std::unique_ptr<testing::DaemonProcess> daemon_;
};

TEST_F(HealthE2E, DownAfterExactlyTheThresholdFallbackRecommendedUpAgainAndTheIncidentRecorded) {
  ASSERT_TRUE(WaitForState("stripe", "up"));
  ASSERT_TRUE(WaitForState("adyen", "up"));
  ASSERT_TRUE(sim_->SetScenario("/stripe", {"error", {{"code", "503"}}}).ok());
  ASSERT_TRUE(WaitForState("stripe", "down"));

  Object::Ptr stripe = daemon_->GetJson("/api/v1/providers/stripe");
  EXPECT_EQ(stripe->getValue<std::string>("recommended"), "adyen");
  Array::Ptr reasons = stripe->getArray("reasons");
  ASSERT_GE(reasons->size(), 1u);
  EXPECT_EQ(reasons->getObject(0)->getValue<std::string>("kind"), "status");
  EXPECT_EQ(reasons->getObject(0)->getValue<std::string>("check"), "balance");
  const core::WallTime down_since = At(stripe->getValue<std::string>("since"));

  // The provider went down on exactly the failure_threshold-th failing result.
  int fails_until_down = 0;
  for (const auto& r : Results("stripe")) {
    const core::WallTime t = At(r->getValue<std::string>("time"));
    if (t > down_since) break;
    fails_until_down = r->getValue<std::string>("outcome") == "fail" ? fails_until_down + 1 : 0;
  }
  EXPECT_EQ(fails_until_down, kFailureThreshold);
  EXPECT_EQ(daemon_->GetJson("/api/v1/providers")->getArray("providers")->getObject(0)->getValue<std::string>("recommended"), "adyen");

  ASSERT_TRUE(sim_->SetScenario("/stripe", {"healthy", {}}).ok());
  ASSERT_TRUE(WaitForState("stripe", "up"));
  stripe = daemon_->GetJson("/api/v1/providers/stripe");
  EXPECT_EQ(stripe->getValue<std::string>("recommended"), "stripe");
  const core::WallTime up_since = At(stripe->getValue<std::string>("since"));
  int passes_until_up = 0;
  for (const auto& r : Results("stripe")) {
    const core::WallTime t = At(r->getValue<std::string>("time"));
    if (t <= down_since) continue;
    if (t > up_since) break;
    passes_until_up = r->getValue<std::string>("outcome") == "pass" ? passes_until_up + 1 : 0;
  }
  EXPECT_EQ(passes_until_up, kSuccessThreshold);

  Array::Ptr incidents = daemon_->GetJson("/api/v1/incidents?provider=stripe")->getArray("incidents");
  ASSERT_EQ(incidents->size(), 1u);
  Object::Ptr inc = incidents->getObject(0);
  EXPECT_EQ(inc->getValue<std::string>("state"), "down");
  EXPECT_EQ(At(inc->getValue<std::string>("started")), down_since);
  EXPECT_EQ(At(inc->getValue<std::string>("ended")), up_since);
  EXPECT_FALSE(inc->getValue<bool>("ongoing"));
  EXPECT_EQ(inc->getArray("reasons")->getObject(0)->getValue<std::string>("kind"), "status");
  Array::Ptr transitions = inc->getArray("transitions");
  ASSERT_EQ(transitions->size(), 2u);
  EXPECT_EQ(transitions->getObject(0)->getValue<std::string>("from"), "up");
  EXPECT_EQ(transitions->getObject(0)->getValue<std::string>("to"), "down");
  EXPECT_EQ(transitions->getObject(1)->getValue<std::string>("to"), "up");
  EXPECT_EQ(daemon_->GetJson("/api/v1/incidents?provider=adyen")->getArray("incidents")->size(), 0u);

  // Time-based uptime: stripe was down for (up_since - down_since) of the time it was known.
  const double uptime = stripe->getObject("uptime")->getValue<double>("24h");
  const double down_ms = std::chrono::duration<double, std::milli>(up_since - down_since).count();
  EXPECT_GT(down_ms, 0.0);
  EXPECT_LT(uptime, 1.0);
  EXPECT_GT(uptime, 0.0);
  EXPECT_DOUBLE_EQ(daemon_->GetJson("/api/v1/providers/adyen")->getObject("uptime")->getValue<double>("24h"), 1.0);
}

TEST_F(HealthE2E, ProviderViewCarriesChecksLatencyAndUptime) {
  ASSERT_TRUE(WaitForState("stripe", "up"));
  ASSERT_TRUE(testing::Eventually([&] { return Results("stripe").size() >= 3; }, std::chrono::seconds(10)));
  Object::Ptr stripe = daemon_->GetJson("/api/v1/providers/stripe");
  for (const char* key : {"name", "title", "state", "since", "reasons", "recommended", "fallback", "tags", "checks", "uptime"}) {
    EXPECT_TRUE(stripe->has(key)) << key;
  }
  Object::Ptr check = stripe->getArray("checks")->getObject(0);
  EXPECT_EQ(check->getValue<std::string>("state"), "up");
  EXPECT_EQ(check->getObject("last_result")->getValue<std::string>("outcome"), "pass");
  Object::Ptr latency = check->getObject("latency_ms_1h");
  EXPECT_GT(latency->getValue<double>("p50"), 0);
  EXPECT_LE(latency->getValue<double>("p50"), latency->getValue<double>("p99"));
  EXPECT_GE(latency->getValue<int>("samples"), 3);
  for (const char* q : {"p50", "p95", "p99"}) {
    ASSERT_TRUE(latency->has(q) && !latency->isNull(q)) << q;
    EXPECT_GT(latency->getValue<double>(q), 0) << q;
    EXPECT_LT(latency->getValue<double>(q), 800) << q << ": above the check's timeout";
  }
  EXPECT_LE(latency->getValue<double>("p50"), latency->getValue<double>("p95"));
  EXPECT_LE(latency->getValue<double>("p95"), latency->getValue<double>("p99"));
  Object::Ptr uptime = stripe->getObject("uptime");
  EXPECT_EQ(uptime->size(), 4u);
  for (const char* window : {"24h", "7d", "30d", "90d"}) {
    ASSERT_TRUE(uptime->has(window) && !uptime->isNull(window)) << window;
    EXPECT_DOUBLE_EQ(uptime->getValue<double>(window), 1.0) << window;
  }
  // Filters on results.
  Array::Ptr one = daemon_->GetJson("/api/v1/providers/stripe/results?check=balance&limit=1")->getArray("results");
  EXPECT_EQ(one->size(), 1u);
  EXPECT_EQ(daemon_->GetJson("/api/v1/providers/stripe/results?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z")
                ->getArray("results")->size(), 0u);
}

// The figures are the stored results' own: a check's uptime is the share of its non-failing
// results (the same in every window, as every result is younger than 24 h), a provider's is the
// share of time it was not down (a flapping check below the failure threshold never takes it
// down), and p50/p95/p99 are nearest-rank percentiles of the total times of the results that got
// a response.
TEST_F(HealthE2E, UptimeAndLatencyPercentilesMatchTheStoredResults) {
  // Known states first: time before a provider's state is known counts neither up nor down.
  ASSERT_TRUE(WaitForState("stripe", "up"));
  ASSERT_TRUE(WaitForState("adyen", "up"));
  ASSERT_TRUE(
      sim_->SetScenario("/adyen", {"flapping", {{"period", "1"}}}).ok());  // pass, fail, pass, ...
  ASSERT_TRUE(sim_->SetScenario("/stripe", {"slow", {{"delay", "30ms"}}}).ok());
  const auto slow_answers = [&] {
    int n = 0;
    for (const auto& r : Results("stripe"))
      n += r->getObject("phases")->getValue<double>("total_ms") >= 30.0;
    return n;
  };
  ASSERT_TRUE(
      testing::Eventually([&] { return Results("adyen").size() >= 4 && slow_answers() >= 2; },
                          std::chrono::seconds(15)));
  for (const std::string provider : {"adyen", "stripe"}) {
    SCOPED_TRACE(provider);
    // A view read between two reads of the results that agree describes exactly those results.
    Object::Ptr view;
    std::vector<Object::Ptr> results;
    ASSERT_TRUE(testing::Eventually(
        [&] {
          const std::size_t before = Results(provider).size();
          view = daemon_->GetJson("/api/v1/providers/" + provider);
          results = Results(provider);
          return results.size() == before;
        },
        std::chrono::seconds(10)));
    int not_failed = 0;
    std::vector<double> totals;
    for (const auto& r : results) {
      not_failed += r->getValue<std::string>("outcome") != "fail";
      if (r->getValue<int>("status_code") > 0)
        totals.push_back(r->getObject("phases")->getValue<double>("total_ms"));
    }
    const double expected_uptime =
        static_cast<double>(not_failed) / static_cast<double>(results.size());
    Object::Ptr check_uptime = view->getArray("checks")->getObject(0)->getObject("uptime");
    Object::Ptr provider_uptime = view->getObject("uptime");
    for (const char* window : {"24h", "7d", "30d", "90d"}) {
      EXPECT_NEAR(check_uptime->getValue<double>(window), expected_uptime, 1e-9) << window;
      EXPECT_DOUBLE_EQ(provider_uptime->getValue<double>(window), 1.0) << window;
    }
    if (provider == "adyen") {
      EXPECT_GT(expected_uptime, 0.0);
      EXPECT_LT(expected_uptime, 1.0);
    }
    std::sort(totals.begin(), totals.end());
    ASSERT_FALSE(totals.empty());
    Object::Ptr latency = view->getArray("checks")->getObject(0)->getObject("latency_ms_1h");
    EXPECT_EQ(latency->getValue<std::size_t>("samples"), totals.size());
    for (auto [name, q] : {std::pair{"p50", 0.5}, {"p95", 0.95}, {"p99", 0.99}}) {
      const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(totals.size())));
      EXPECT_NEAR(latency->getValue<double>(name), totals[std::max<std::size_t>(rank, 1) - 1],
                  0.002)
          << name;
    }
  }
  // Stripe's latest answers took at least the simulated 30 ms.
  Object::Ptr latency = daemon_->GetJson("/api/v1/providers/stripe")
                            ->getArray("checks")
                            ->getObject(0)
                            ->getObject("latency_ms_1h");
  EXPECT_GE(latency->getValue<double>("p99"), 30.0);
}

}  // namespace
}  // namespace vigil
