// End to end: the daemon's HTTP surface against the real binary — right 4xx with a JSON
// error for every kind of garbage, the token on writes, promtool-valid metrics, `vigil status`.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include "daemon/simulate/simulator.h"
#include "tests/support/daemon_process.h"

namespace vigil {
namespace {

constexpr const char* kToken = "e2e-api-token-0123456789";

class ApiE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    auto s = simulate::Simulator::Start("127.0.0.1:0", {{"/okta", {"unauthorized", {}}},
                                                        {"/limited", {"ratelimited", {{"retry_after", "30"}}}}});
    ASSERT_TRUE(s.ok());
    sim_ = std::move(s).value().release();
    daemon_ = new testing::DaemonProcess(*dir_,
        "server: { api_token: \"${env:VIGIL_E2E_TOKEN}\" }\n"
        "defaults: { interval: 1s, timeout: 800ms, failure_threshold: 1 }\n"
        "providers:\n"
        "  - name: stripe\n    base_url: " + testing::SimUrl(sim_->port(), "/stripe") + "\n"
        "    checks: [{ name: balance, path: /v1/balance }, { name: charges, path: /v1/charges }]\n"
        "  - name: okta\n    base_url: " + testing::SimUrl(sim_->port(), "/okta") + "\n"
        "    checks: [{ name: userinfo, path: /userinfo }]\n"
        "  - name: limited\n    base_url: " + testing::SimUrl(sim_->port(), "/limited") + "\n"
        "    checks: [{ name: models, path: /v1/models }]\n",
        {{"VIGIL_E2E_TOKEN", kToken}});
    ASSERT_TRUE(testing::Eventually([] { return daemon_->ProviderState("okta") == "down"; }, std::chrono::seconds(15)));
    ASSERT_TRUE(testing::Eventually([] { return daemon_->ProviderState("stripe") == "up"; }, std::chrono::seconds(15)));
  }
  static void TearDownTestSuite() {
    daemon_->process().Signal(SIGTERM);
    EXPECT_EQ(daemon_->process().Wait(std::chrono::seconds(10)), 0);
    delete daemon_;
    delete sim_;
    delete dir_;
  }

  static void ExpectJsonError(const testing::HttpResult& r, int status, const std::string& code) {
    EXPECT_EQ(r.status, status) << r.body << r.error;
    EXPECT_EQ(r.Header("Content-Type"), "application/json");
    Poco::JSON::Object::Ptr o = Poco::JSON::Parser().parse(r.body).extract<Poco::JSON::Object::Ptr>();
    EXPECT_EQ(o->getValue<std::string>("error"), code);
    EXPECT_FALSE(o->getValue<std::string>("detail").empty());
  }
  // Sends raw bytes and returns the raw answer.
  static std::string Raw(const std::string& bytes) {
    Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(Port())));
    s.setReceiveTimeout(Poco::Timespan(5, 0));
    s.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    std::string out;
    char buf[4096];
    try {
      for (int n; (n = s.receiveBytes(buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
    } catch (const Poco::Exception&) {
    }
    return out;
  }
  static int Port() { return std::stoi(daemon_->url("").substr(daemon_->url("").rfind(':') + 1)); }

  static testing::TempDir* dir_;
  static simulate::Simulator* sim_;
  static testing::DaemonProcess* daemon_;
};

testing::TempDir* ApiE2E::dir_ = nullptr;
simulate::Simulator* ApiE2E::sim_ = nullptr;
testing::DaemonProcess* ApiE2E::daemon_ = nullptr;

TEST_F(ApiE2E, GarbageRequestsGetTheRight4xxWithAJsonError) {
  ExpectJsonError(daemon_->Get("/nope"), 404, "not_found");
  ExpectJsonError(daemon_->Get("/api/v1/providers/nobody"), 404, "not_found");
  ExpectJsonError(daemon_->Get("/api/v1/providers/stripe/results?check=nope"), 404, "not_found");
  ExpectJsonError(daemon_->Get("/api/v2/providers"), 404, "not_found");
  ExpectJsonError(daemon_->Get("/api/v1/providers/stripe/results?limit=abc"), 400, "bad_request");
  ExpectJsonError(daemon_->Get("/api/v1/providers/stripe/results?limit=0"), 400, "bad_request");
  ExpectJsonError(daemon_->Get("/api/v1/providers/stripe/results?limit=100000"), 400, "bad_request");
  ExpectJsonError(daemon_->Get("/api/v1/providers/stripe/results?since=yesterday"), 400, "bad_request");
  ExpectJsonError(daemon_->Get("/api/v1/providers/stripe/results?bogus=1"), 400, "bad_request");
  ExpectJsonError(daemon_->Get("/api/v1/incidents?since=%ZZ"), 400, "bad_request");
  const testing::HttpResult del = testing::HttpCall("DELETE", daemon_->url("/api/v1/providers"));
  ExpectJsonError(del, 405, "method_not_allowed");
  EXPECT_EQ(del.Header("Allow"), "GET");
  ExpectJsonError(testing::HttpCall("GET", daemon_->url("/api/v1/providers/stripe/probe")), 405, "method_not_allowed");
  ExpectJsonError(testing::HttpCall("GET", daemon_->url("/healthz"), {{"X-Huge", std::string(100'000, 'a')}}), 431,
                  "headers_too_large");
  ExpectJsonError(testing::HttpCall("POST", daemon_->url("/api/v1/providers/stripe/probe"), {}, std::string(100'000, 'x')),
                  413, "payload_too_large");
  const struct {
    std::string bytes;
    std::string status_line;
    std::string code;
  } raw[] = {
      {"GARBAGE\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {std::string("\x16\x03\x01\x02\x00\x01\x00\r\n\r\n", 11), "HTTP/1.1 400", "bad_request"},  // TLS on a plain port
      {"GET /" + std::string(20000, 'a') + " HTTP/1.1\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", "HTTP/1.1 505", "http_version_not_supported"},
      {"GET /healthz HTTP/1.1\r\nBad Name: value\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      // Framing that smuggles (RFC 9112 §6.3): refused before anything acts on it, never a 5xx.
      {"POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 7\r\n\r\n{}", "HTTP/1.1 400", "bad_request"},
      {"POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", "HTTP/1.1 400", "bad_request"},
      {"POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"POST /api/v1/silences HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}", "HTTP/1.1 400", "bad_request"},
      {"GET /healthz HTTP/1.1\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"GET * HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      // What Poco's parser lets through, refused on the raw head (RFC 9112 §2.2, §3, §5).
      {"GET /healthz HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"GET /healthz HTTP/1.1 junk\r\nHost: x\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"GET /healthz HTTP/1.1\rHost: x\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"GET /healthz HTTP/1.1\r\nHost: x\rX-A: b\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"GET /healthz HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {"GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", "HTTP/1.1 400", "bad_request"},
      {std::string("GET /healthz HTTP/1.1\r\nHost: x\0\r\n\r\n", 35), "HTTP/1.1 400", "bad_request"},
      {"GET /he%ZZ HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.1 400", "bad_request"},
  };
  for (const auto& c : raw) {
    SCOPED_TRACE(c.bytes.substr(0, 40));
    const std::string answer = Raw(c.bytes);
    EXPECT_EQ(answer.rfind(c.status_line, 0), 0u) << answer;
    EXPECT_NE(answer.find("\"error\":\"" + c.code + "\""), std::string::npos) << answer;
  }
  // An HTTP/1.0 request needs no Host; a well-framed one is still served.
  EXPECT_EQ(Raw("GET /healthz HTTP/1.0\r\n\r\n").rfind("HTTP/1.0 200", 0), 0u);
  EXPECT_EQ(Raw("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").rfind("HTTP/1.1 200", 0), 0u);
}

// Prometheus, browsers and HTTP clients reuse a connection: each request on it, sent after the
// previous answer, gets its own answer, and the daemon keeps serving (a regression: the second
// request on a kept connection once aborted the process).
TEST_F(ApiE2E, RequestsOnOneKeptConnectionEachGetTheirAnswer) {
  Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(Port())));
  s.setReceiveTimeout(Poco::Timespan(5, 0));
  for (const char* path : {"/healthz", "/metrics", "/api/v1/providers", "/healthz"}) {
    const std::string request = std::string("GET ") + path + " HTTP/1.1\r\nHost: vigil\r\n\r\n";
    s.sendBytes(request.data(), static_cast<int>(request.size()));
    // Read one whole response: headers, then Content-Length bytes of body.
    std::string in;
    char buf[8192];
    std::size_t header_end = std::string::npos, length = 0;
    while (header_end == std::string::npos || in.size() < header_end + 4 + length) {
      const int n = s.receiveBytes(buf, sizeof buf);
      ASSERT_GT(n, 0) << path << ": connection closed after " << in.size() << " bytes";
      in.append(buf, static_cast<std::size_t>(n));
      if (header_end == std::string::npos && (header_end = in.find("\r\n\r\n")) != std::string::npos) {
        const std::size_t cl = in.find("Content-Length: ");
        ASSERT_NE(cl, std::string::npos) << in.substr(0, header_end);
        length = std::stoul(in.substr(cl + 16));
      }
    }
    EXPECT_EQ(in.substr(0, 15), "HTTP/1.1 200 OK") << path;
    EXPECT_EQ(in.find("Connection: close"), std::string::npos) << path;
  }
  EXPECT_EQ(daemon_->Get("/healthz").status, 200);
}

TEST_F(ApiE2E, WritesNeedTheToken) {
  const std::string url = daemon_->url("/api/v1/providers/stripe/probe");
  ExpectJsonError(testing::HttpCall("POST", url), 401, "unauthorized");
  ExpectJsonError(testing::HttpCall("POST", url, {{"Authorization", "Bearer wrong-token"}}), 401, "unauthorized");
  ExpectJsonError(testing::HttpCall("POST", url, {{"Authorization", std::string("Basic ") + kToken}}), 401, "unauthorized");
  ExpectJsonError(testing::HttpCall("POST", daemon_->url("/api/v1/providers/nobody/probe"), {{"Authorization", std::string("Bearer ") + kToken}}),
                  404, "not_found");
  const testing::HttpResult ok = testing::HttpCall("POST", url, {{"Authorization", std::string("Bearer ") + kToken}});
  EXPECT_EQ(ok.status, 202) << ok.body;
  EXPECT_NE(ok.body.find("\"provider\":\"stripe\""), std::string::npos);
  // The token never shows up anywhere it could leak.
  EXPECT_EQ(daemon_->Get("/metrics").body.find(kToken), std::string::npos);
  EXPECT_EQ(daemon_->process().err().find(kToken), std::string::npos);
}

TEST_F(ApiE2E, PromtoolAcceptsTheMetrics) {
  const testing::HttpResult m = daemon_->Get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  for (const char* name : {"vigil_check_up{", "vigil_provider_state{", "vigil_probe_duration_seconds_bucket{",
                           "vigil_probes_total{", "vigil_findings_total{", "vigil_scheduler_lag_seconds_bucket{",
                           "vigil_config_last_reload_successful "}) {
    EXPECT_NE(m.body.find(name), std::string::npos) << name;
  }
  EXPECT_NE(m.body.find("vigil_provider_state{provider=\"okta\",state=\"down\"} 1"), std::string::npos);
  const std::string file = dir_->Write("metrics.txt", m.body);
  const testing::ProcessResult r = testing::RunProcess({"sh", "-c", "promtool check metrics < " + file}, std::chrono::seconds(30));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

TEST_F(ApiE2E, HealthReadinessAndThePage) {
  EXPECT_EQ(daemon_->Get("/healthz").status, 200);
  EXPECT_EQ(daemon_->Get("/readyz").body, "{\"status\":\"ready\"}");
  const testing::HttpResult page = daemon_->Get("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<a href=\"/providers/okta\">okta</a>"), std::string::npos);
  EXPECT_NE(page.body.find("state down"), std::string::npos);
  const testing::HttpResult okta = daemon_->Get("/providers/okta");
  EXPECT_EQ(okta.status, 200);
  EXPECT_NE(okta.body.find("401 Unauthorized: the provider rejected our credentials"), std::string::npos);
  EXPECT_EQ(daemon_->Get("/providers/nobody").status, 404);
}

TEST_F(ApiE2E, ARateLimitedProviderIsDegradedWithItsBudgetAndTheReasonProbingSlowed) {
  ASSERT_TRUE(testing::Eventually([] { return daemon_->ProviderState("limited") == "degraded"; }, std::chrono::seconds(15)));
  Poco::JSON::Object::Ptr p = daemon_->GetJson("/api/v1/providers/limited");
  Poco::JSON::Object::Ptr quota = p->getObject("quota");
  EXPECT_EQ(quota->getValue<std::string>("probing_slowed_because"), "429 Too Many Requests, Retry-After 30s");
  EXPECT_FALSE(quota->isNull("probing_slowed_until"));
  Poco::JSON::Array::Ptr budgets = quota->getArray("budgets");
  ASSERT_GE(budgets->size(), 1u);
  EXPECT_EQ(budgets->getObject(0)->getValue<double>("remaining"), 0);
  EXPECT_EQ(p->getArray("reasons")->getObject(0)->getValue<std::string>("kind"), "quota");
  const uint64_t calls = sim_->Calls("/limited");
  EXPECT_EQ(calls, 1u);  // one probe, then none while Retry-After lasts (interval is 1 s)
  // The next due probe (1 s later) is put off, and counted.
  EXPECT_TRUE(testing::Eventually([] {
    return daemon_->Get("/metrics").body.find("vigil_scheduler_deferred_total{provider=\"limited\"}") != std::string::npos;
  }, std::chrono::seconds(5)));
  const std::string metrics = daemon_->Get("/metrics").body;
  EXPECT_NE(metrics.find("vigil_quota_remaining{dimension=\"default\",provider=\"limited\"} 0"), std::string::npos);
  EXPECT_NE(metrics.find("vigil_quota_reset_timestamp_seconds{dimension=\"default\",provider=\"limited\"}"), std::string::npos);
}

TEST_F(ApiE2E, StatusCommandPrintsEveryProvider) {
  testing::ProcessResult r = testing::RunProcess({testing::VigilBinary(), "status", "--url", daemon_->url("")}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 1);  // okta is down
  EXPECT_NE(r.out.find("okta                down"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stripe              up"), std::string::npos) << r.out;
  r = testing::RunProcess({testing::VigilBinary(), "status", "--url", daemon_->url(""), "--json"}, std::chrono::seconds(10));
  EXPECT_NE(r.out.find("\"providers\""), std::string::npos);
  r = testing::RunProcess({testing::VigilBinary(), "status", "--url", "http://127.0.0.1:1"}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot reach"), std::string::npos);
}

TEST_F(ApiE2E, SlowClientsCannotStallProbingOrTheApi) {
  // Far more connections than the listener has workers: half a request each, or nothing at all.
  std::vector<Poco::Net::StreamSocket> slow;
  for (int i = 0; i < 300; ++i) {
    slow.emplace_back(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(Port())));
    if (i % 3 != 0) slow.back().sendBytes("GET /healthz HTTP/1.1\r\nX-Slow: ", 31);
  }
  const auto count = [] {
    return daemon_->GetJson("/api/v1/providers/stripe/results?limit=1000")->getArray("results")->size();
  };
  const uint64_t before = sim_->Calls("/stripe");
  // While they are held, the API answers every request, at once (no worker is theirs), ...
  for (int i = 0; i < 20; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(daemon_->Get("/healthz").status, 200) << i;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1)) << i;
  }
  EXPECT_GT(count(), 0u);
  // ... and probing goes on.
  EXPECT_TRUE(testing::Eventually([&] { return sim_->Calls("/stripe") >= before + 4; }, std::chrono::seconds(6)));
  // A request that never completes gets a 408 once its read deadline (10 s) passes.
  Poco::Net::StreamSocket& held = slow[1];
  held.setReceiveTimeout(Poco::Timespan(15, 0));
  char buf[512];
  const int n = held.receiveBytes(buf, sizeof buf);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, static_cast<std::size_t>(n)).rfind("HTTP/1.1 408", 0), 0u);
  for (auto& s : slow) s.close();
  EXPECT_EQ(daemon_->Get("/healthz").status, 200);
}

}  // namespace
}  // namespace vigil
