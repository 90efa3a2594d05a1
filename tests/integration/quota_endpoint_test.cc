// quota.endpoint against a real local server: a usage JSON read through the configured JSON
// Pointers becomes a budget of the provider's quota model (and paces probing under
// probe_budget); every way the usage answer can be wrong becomes one clear finding.
#include <gtest/gtest.h>

#include <mutex>

#include "config/loader.h"
#include "probes/check_runner.h"
#include "probes/poco_http_client.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/test_http_server.h"

namespace vigil::probes {
namespace {

using std::chrono::seconds;

class QuotaEndpointTest : public ::testing::Test {
 protected:
  void Load(const std::string& quota) {
    loaded_ = config::LoadConfigText(
        "providers:\n  - name: metered\n    base_url: " + server_.url("") + "\n" +
            "    quota: " + quota + "\n    checks: [{ name: ping, path: /ping }]\n",
        "t.yaml", "/tmp", config::SecretSources::FromProcess());
    ASSERT_TRUE(loaded_.ok()) << loaded_.ErrorText();
    runner_ = std::make_unique<CheckRunner>(loaded_.config, client_, clock_);
  }
  ProbeResult RunQuota() {
    const std::size_t i = runner_->Find("metered", "quota");
    EXPECT_LT(i, runner_->size()) << "no synthetic check 'quota'";
    return runner_->Run(i).front();
  }
  void Serve(int status, std::string body, std::string type = "application/json") {
    std::lock_guard lock(mu_);
    status_ = status;
    body_ = std::move(body);
    type_ = std::move(type);
  }
  static std::string Findings(const ProbeResult& r) {
    std::string out;
    for (const auto& f : r.findings) {
      out += std::string(out.empty() ? "" : "; ") + FindingKindName(f.kind) + "/" +
             config::SeverityName(f.severity) + ": " + f.message;
    }
    return out;
  }

  std::mutex mu_;
  int status_ = 200;
  std::string body_, type_ = "application/json";
  testing::TestHttpServer server_{
      [this](const testing::RecordedRequest& r, Poco::Net::HTTPServerResponse& resp) {
        std::lock_guard lock(mu_);
        if (r.uri != "/v1/usage") return testing::Reply(resp, 200, "{}");
        testing::Reply(resp, status_, body_, type_);
      }};
  testing::FakeClock clock_{std::chrono::floor<seconds>(std::chrono::system_clock::now())};
  PocoHttpClient client_;
  config::LoadResult loaded_;
  std::unique_ptr<CheckRunner> runner_;
};

TEST_F(QuotaEndpointTest, TheUsageJsonBecomesABudgetWithItsLimitAndReset) {
  const int64_t reset_s = core::ToUnixMillis(clock_.Now()) / 1000 + 3600;
  Serve(200, "{\"data\":{\"remaining\":150,\"limit\":1000,\"reset\":" + std::to_string(reset_s) +
                 "},\"plan\":\"pro\"}");
  Load(
      "{ warn_below: 20%, endpoint: { path: /v1/usage, remaining: /data/remaining, limit: "
      "/data/limit, reset: /data/reset } }");
  const ProbeResult r = RunQuota();
  EXPECT_EQ(r.check, "quota");
  EXPECT_EQ(r.status_code, 200);
  ASSERT_EQ(r.budgets.size(), 1u) << Findings(r);
  const quota::Budget& b = r.budgets[0];
  EXPECT_EQ(b.dimension, "requests");
  EXPECT_EQ(b.source, "endpoint");
  EXPECT_EQ(b.remaining, 150);
  EXPECT_EQ(b.limit, 1000);
  EXPECT_EQ(b.reset_unix_ms, reset_s * 1000);
  // Below warn_below: the quota model's finding, from the endpoint's numbers.
  EXPECT_EQ(r.outcome, Outcome::kWarn);
  EXPECT_EQ(
      Findings(r),
      "quota/warn: requests budget: 15% left (150 of 1000), resets in 1h, below warn_below 20%");
  // Only the quota check reads the usage JSON; the API's own check does not.
  const ProbeResult ping = runner_->Run(runner_->Find("metered", "ping")).front();
  EXPECT_TRUE(ping.budgets.empty());
  EXPECT_EQ(ping.outcome, Outcome::kPass);
}

TEST_F(QuotaEndpointTest, ResetAsRfc3339OrDeltaSecondsAndANamedDimensionPaceProbing) {
  Load(
      "{ probe_budget: 1%, endpoint: { path: /v1/usage, remaining: /left, limit: /max, reset: "
      "/resets_at, dimension: calls } }");
  Serve(200, "{\"left\":250,\"max\":5000,\"resets_at\":\"" +
                 core::FormatRfc3339(clock_.Now() + std::chrono::hours(2)) + "\"}");
  ProbeResult r = RunQuota();
  ASSERT_EQ(r.budgets.size(), 1u) << Findings(r);
  EXPECT_EQ(r.budgets[0].dimension, "calls");
  EXPECT_EQ(r.budgets[0].reset_unix_ms, core::ToUnixMillis(clock_.Now() + std::chrono::hours(2)));
  EXPECT_EQ(r.outcome, Outcome::kPass);
  // 1% of 250 left: 2 probes before the reset in 2h, this one included; the next not before 1h.
  const auto throttle = runner_->quota().CurrentThrottle("metered", clock_.Now());
  ASSERT_TRUE(throttle);
  EXPECT_EQ(throttle->until, clock_.Now() + std::chrono::hours(1));
  EXPECT_EQ(throttle->reason,
            "probe_budget 1%: 2 probe(s) allowed before the calls budget resets in 2h");

  Serve(200, R"({"left":90,"max":5000,"resets_at":45})");  // seconds from now
  r = RunQuota();
  ASSERT_EQ(r.budgets.size(), 1u) << Findings(r);
  EXPECT_EQ(r.budgets[0].reset_unix_ms, core::ToUnixMillis(clock_.Now()) + 45'000);
}

TEST_F(QuotaEndpointTest, AMalformedUsageAnswerIsOneClearFindingNeverACrash) {
  Load(
      "{ endpoint: { path: /v1/usage, remaining: /data/remaining, limit: /data/limit, reset: "
      "/data/reset } }");
  const struct {
    int status;
    std::string body;
    std::string type;
    std::string findings;
  } cases[] = {
      {200, "{\"data\":{\"remaining\":", "application/json",
       "assertion/critical: quota endpoint: "},
      {200, "<html>usage</html>", "text/html", "assertion/critical: quota endpoint: "},
      {200, "", "application/json", "assertion/critical: quota endpoint: "},
      {200, "[1,2,3]", "application/json",
       "assertion/critical: quota endpoint: remaining at /data/remaining is missing"},
      {200, R"({"data":{}})", "application/json",
       "assertion/critical: quota endpoint: remaining at /data/remaining is missing"},
      {200, R"({"data":{"remaining":"lots","limit":10}})", "application/json",
       "assertion/critical: quota endpoint: remaining at /data/remaining is not a count: \"lots\""},
      {200, R"({"data":{"remaining":-3,"limit":10}})", "application/json",
       "assertion/critical: quota endpoint: remaining at /data/remaining is not a count: -3"},
      {200, R"({"data":{"remaining":1e300,"limit":10}})", "application/json",
       "assertion/critical: quota endpoint: remaining at /data/remaining is not a count: "},
      {200, R"({"data":{"remaining":5,"limit":null}})", "application/json",
       "assertion/critical: quota endpoint: limit at /data/limit is not a count: null"},
      {200, R"({"data":{"remaining":5,"limit":10,"reset":"tomorrow"}})", "application/json",
       "assertion/critical: quota endpoint: reset at /data/reset is not a time: \"tomorrow\""},
      {200, R"({"data":{"remaining":5,"limit":10,"reset":{"at":1}}})", "application/json",
       "assertion/critical: quota endpoint: reset at /data/reset is not a time: "},
      {200, R"({"data":{"remaining":5,"limit":10}})", "application/json",
       "assertion/critical: quota endpoint: reset at /data/reset is missing"},
      {503, R"({"error":"maintenance"})", "application/json", "status/critical: "},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    Serve(c.status, c.body, c.type);
    const ProbeResult r = RunQuota();
    EXPECT_EQ(r.outcome, Outcome::kFail);
    EXPECT_TRUE(r.budgets.empty());
    EXPECT_EQ(Findings(r).substr(0, c.findings.size()), c.findings) << Findings(r);
    EXPECT_EQ(r.findings.size(), 1u) << Findings(r);
  }
}

}  // namespace
}  // namespace vigil::probes
