// Retrying a network failure: one lost connection is not an outage, so an idempotent request
// that got no answer at the network level is sent again at once, up to the check's `retries`.
// A timeout, a TLS error or any answer is never retried; neither is a POST.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "probes/check_runner.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"

namespace vigil::probes {
namespace {

using testing::Response;

HttpResponse Broken(TransportError error, std::string message) {
  HttpResponse r;
  r.error = error;
  r.error_message = std::move(message);
  r.error_phase = "connect";
  return r;
}

class RetryTest : public ::testing::Test {
 protected:
  // One check "p/c"; `extra` goes into the check (e.g. "        retries: 0\n").
  void Configure(const std::string& extra = "") {
    const config::LoadResult r = config::LoadConfigText(
        "providers:\n  - name: p\n    base_url: http://127.0.0.1:1\n    checks:\n      - name: c\n"
        "        path: /x\n        timeout: 5s\n" + extra,
        "t.yaml", "/tmp", {});
    ASSERT_TRUE(r.ok()) << r.ErrorText();
    runner_ = std::make_unique<CheckRunner>(r.config, client_, clock_);
  }
  // The client answers with `script` in order, then with 200s.
  void Script(std::vector<HttpResponse> script) {
    client_.respond = [script = std::move(script), n = std::size_t{0}](const HttpRequest&) mutable {
      return n < script.size() ? script[n++] : Response(200, "{}");
    };
  }
  ProbeResult Run() { return runner_->Run(0).at(0); }

  testing::FakeClock clock_;
  testing::FakeHttpClient client_;
  std::unique_ptr<CheckRunner> runner_;
};

TEST_F(RetryTest, ANetworkFailureIsSentAgainOnceByDefault) {
  Configure();
  Script({Broken(TransportError::kNetwork, "connection reset by peer")});
  const ProbeResult r = Run();
  EXPECT_EQ(r.outcome, Outcome::kPass);
  EXPECT_TRUE(r.findings.empty());
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(client_.requests().size(), 2u);
}

TEST_F(RetryTest, TwoNetworkFailuresInARowFailWithTheLastOne) {
  Configure();
  Script({Broken(TransportError::kNetwork, "connection reset by peer"),
          Broken(TransportError::kNetwork, "connection refused")});
  const ProbeResult r = Run();
  EXPECT_EQ(r.outcome, Outcome::kFail);
  ASSERT_EQ(r.findings.size(), 1u);
  EXPECT_EQ(r.findings[0].kind, FindingKind::kNetwork);
  EXPECT_NE(r.findings[0].message.find("connection refused"), std::string::npos) << r.findings[0].message;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(client_.requests().size(), 2u);
}

TEST_F(RetryTest, RetriesIsTheNumberOfExtraAttempts) {
  Configure("        retries: 3\n");
  Script({Broken(TransportError::kNetwork, "a"), Broken(TransportError::kNetwork, "b"),
          Broken(TransportError::kNetwork, "c"), Broken(TransportError::kNetwork, "d"),
          Broken(TransportError::kNetwork, "e")});
  const ProbeResult r = Run();
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.attempts, 4);
  EXPECT_EQ(client_.requests().size(), 4u);
}

TEST_F(RetryTest, ZeroRetriesSendsOnce) {
  Configure("        retries: 0\n");
  Script({Broken(TransportError::kNetwork, "connection reset by peer")});
  const ProbeResult r = Run();
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(client_.requests().size(), 1u);
}

TEST_F(RetryTest, TimeoutsTlsErrorsAndAnswersAreNotRetried) {
  Configure("        retries: 2\n");
  for (HttpResponse first : {Broken(TransportError::kTimeout, "timed out after 5s"),
                             Broken(TransportError::kTls, "certificate verify failed"), Response(503, "{}")}) {
    SCOPED_TRACE(first.error_message.empty() ? "503" : first.error_message);
    const std::size_t before = client_.requests().size();
    Script({first});
    const ProbeResult r = Run();
    EXPECT_EQ(r.outcome, Outcome::kFail);
    EXPECT_EQ(r.attempts, 1);
    EXPECT_EQ(client_.requests().size(), before + 1);
  }
}

TEST_F(RetryTest, ARetryGetsWhatTheFirstAttemptLeftOfTheTimeout) {
  Configure("        retries: 2\n");  // timeout 5s
  client_.respond = [&](const HttpRequest&) {
    clock_.Advance(std::chrono::milliseconds(3000));  // each attempt fails after 3 s
    return Broken(TransportError::kNetwork, "connection reset by peer");
  };
  const ProbeResult r = Run();
  const std::vector<HttpRequest> sent = client_.requests();
  ASSERT_EQ(sent.size(), 2u) << "a third attempt would start after the timeout";
  EXPECT_EQ(sent[0].timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(sent[1].timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(r.attempts, 2);
}

TEST_F(RetryTest, APostIsNeverSentTwice) {
  Configure("        method: POST\n        body: '{}'\n        retries: 2\n");
  Script({Broken(TransportError::kNetwork, "connection reset by peer")});
  const ProbeResult r = Run();
  EXPECT_EQ(r.outcome, Outcome::kFail);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(client_.requests().size(), 1u);
}

TEST_F(RetryTest, RetriesOutOfRangeIsAConfigError) {
  for (const char* bad : {"-1", "6", "two"}) {
    const config::LoadResult r = config::LoadConfigText(
        std::string("providers:\n  - name: p\n    base_url: http://127.0.0.1:1\n    checks:\n      - name: c\n"
                    "        path: /x\n        retries: ") + bad + "\n",
        "t.yaml", "/tmp", {});
    EXPECT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.ErrorText().find("t.yaml:7:18: providers[0].checks[0].retries"), std::string::npos) << r.ErrorText();
  }
}

}  // namespace
}  // namespace vigil::probes
