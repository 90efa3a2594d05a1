// End to end: budgets a provider publishes through a usage endpoint (quota.endpoint), read by
// the real binary, shown in the provider's API view and in /metrics; a garbled usage answer is
// a finding on the `quota` check while the daemon carries on.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

#include <atomic>

#include "daemon/core/clock.h"
#include "tests/support/daemon_process.h"
#include "tests/support/test_http_server.h"

namespace vigil {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using std::chrono::seconds;

TEST(QuotaE2E, AUsageEndpointFeedsTheQuotaSectionAndTheRatioMetric) {
  const int64_t reset_s =
      std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count() +
      3600;
  std::atomic<bool> usage_down{false};
  testing::TestHttpServer api(
      [&](const testing::RecordedRequest& r, Poco::Net::HTTPServerResponse& resp) {
        if (r.uri == "/metered/v1/usage" && usage_down) return testing::Reply(resp, 503, "{}");
        if (r.uri == "/metered/v1/usage") {
          return testing::Reply(
              resp, 200,
              "{\"usage\":{\"left\":150,\"cap\":1000,\"resets\":" + std::to_string(reset_s) + "}}");
        }
        if (r.uri == "/garbled/v1/usage")
          return testing::Reply(resp, 200, "{\"usage\": {\"left\": 15");  // cut short
        testing::Reply(resp, 200, "{}");
      });
  testing::TempDir dir;
  const std::string endpoint =
      "endpoint: { path: /v1/usage, remaining: /usage/left, limit: /usage/cap, reset: "
      "/usage/resets }";
  testing::DaemonProcess d(dir,
                           "defaults: { interval: 1s, timeout: 800ms, failure_threshold: 1 }\n"
                           "providers:\n"
                           "  - name: metered\n    base_url: " +
                               api.url("/metered") + "\n    quota: { " + endpoint +
                               " }\n"
                               "    checks: [{ name: ping, path: /ping }]\n"
                               "  - name: garbled\n    base_url: " +
                               api.url("/garbled") + "\n    quota: { " + endpoint +
                               " }\n"
                               "    checks: [{ name: ping, path: /ping }]\n");

  Object::Ptr budget;
  ASSERT_TRUE(testing::Eventually(
      [&] {
        Array::Ptr budgets =
            d.GetJson("/api/v1/providers/metered")->getObject("quota")->getArray("budgets");
        budget = budgets->size() == 1 ? budgets->getObject(0) : nullptr;
        return budget != nullptr;
      },
      seconds(15)))
      << d.Get("/api/v1/providers/metered").body;
  EXPECT_EQ(budget->getValue<std::string>("dimension"), "requests");
  EXPECT_EQ(budget->getValue<double>("remaining"), 150);
  EXPECT_EQ(budget->getValue<double>("limit"), 1000);
  EXPECT_EQ(budget->getValue<double>("ratio"), 0.15);
  EXPECT_EQ(budget->getValue<std::string>("reset"),
            core::FormatRfc3339(core::FromUnixMillis(reset_s * 1000)));
  EXPECT_EQ(budget->getValue<std::string>("source"), "endpoint");
  EXPECT_TRUE(budget->isNull("window_s"));
  Object::Ptr quota = d.GetJson("/api/v1/providers/metered")->getObject("quota");
  EXPECT_TRUE(
      quota->isNull("probing_slowed_until"));  // no probe_budget, no 429: nothing slows probing
  EXPECT_TRUE(testing::Eventually([&] { return d.ProviderState("metered") == "up"; }, seconds(10)))
      << "a budget of 15% is no outage";

  std::string m;
  ASSERT_TRUE(testing::Eventually(
      [&] {
        m = d.Get("/metrics").body;
        return m.find("vigil_quota_remaining_ratio{") != std::string::npos;
      },
      seconds(5)));
  EXPECT_NE(
      m.find("\nvigil_quota_remaining_ratio{dimension=\"requests\",provider=\"metered\"} 0.15\n"),
      std::string::npos)
      << m;
  EXPECT_NE(m.find("\nvigil_quota_remaining{dimension=\"requests\",provider=\"metered\"} 150\n"),
            std::string::npos);
  EXPECT_NE(
      m.find("\nvigil_quota_reset_timestamp_seconds{dimension=\"requests\",provider=\"metered\"} " +
             std::to_string(reset_s) + "\n"),
      std::string::npos);
  EXPECT_EQ(m.find("vigil_quota_remaining_ratio{dimension=\"requests\",provider=\"garbled\"}"),
            std::string::npos);

  // The usage endpoint stops answering: the last budget it reported stays in the view.
  const std::string observed = budget->getValue<std::string>("observed_at");
  usage_down = true;
  ASSERT_TRUE(testing::Eventually(
      [&] {
        Array::Ptr a =
            d.GetJson("/api/v1/providers/metered/results?check=quota&limit=1")->getArray("results");
        return a->size() && a->getObject(0)->getValue<std::string>("outcome") == "fail";
      },
      seconds(15)));
  Array::Ptr kept = d.GetJson("/api/v1/providers/metered")->getObject("quota")->getArray("budgets");
  ASSERT_EQ(kept->size(), 1u) << d.Get("/api/v1/providers/metered").body;
  EXPECT_EQ(kept->getObject(0)->getValue<double>("remaining"), 150);
  EXPECT_GE(kept->getObject(0)->getValue<std::string>("observed_at"), observed);

  // The garbled usage answer: a finding on the `quota` check, no budget, the daemon unharmed.
  Object::Ptr result;
  ASSERT_TRUE(testing::Eventually(
      [&] {
        Array::Ptr a =
            d.GetJson("/api/v1/providers/garbled/results?check=quota&limit=1")->getArray("results");
        result = a->size() ? a->getObject(0) : nullptr;
        return result != nullptr;
      },
      seconds(15)));
  EXPECT_EQ(result->getValue<std::string>("outcome"), "fail");
  Array::Ptr findings = result->getArray("findings");
  ASSERT_EQ(findings->size(), 1u);
  EXPECT_EQ(findings->getObject(0)->getValue<std::string>("kind"), "assertion");
  EXPECT_EQ(findings->getObject(0)->getValue<std::string>("message").rfind("quota endpoint: ", 0),
            0u);
  EXPECT_EQ(d.GetJson("/api/v1/providers/garbled")->getObject("quota")->getArray("budgets")->size(),
            0u);
  EXPECT_EQ(d.Get("/healthz").status, 200);

  d.process().Signal(SIGTERM);
  EXPECT_EQ(d.process().Wait(seconds(10)), 0);
}

}  // namespace
}  // namespace vigil
