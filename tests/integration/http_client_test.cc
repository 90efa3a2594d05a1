// PocoHttpClient against real servers on loopback: what it sends, what it measures, and how it
// classifies every way a server can misbehave, never holding a probe past its deadline.
#include <gtest/gtest.h>

#include "daemon/core/text.h"
#include "daemon/simulate/simulator.h"
#include "probes/poco_http_client.h"
#include "tests/support/raw_server.h"
#include "tests/support/test_http_server.h"

namespace vigil::probes {
namespace {

using Clock = std::chrono::steady_clock;
using testing::RawServer;

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = simulate::Simulator::Start("127.0.0.1:0", {});
    ASSERT_TRUE(s.ok()) << s.message();
    sim_ = std::move(s).value();
  }
  std::string SimUrl(const std::string& path) { return "http://127.0.0.1:" + std::to_string(sim_->port()) + path; }
  HttpResponse Get(const std::string& url, core::Millis timeout = core::Millis(3000), std::size_t max_body = 1 << 20) {
    HttpRequest r;
    r.url = url;
    r.timeout = timeout;
    r.max_body = max_body;
    return client_.Execute(r);
  }
  void Scenario(const std::string& path, const std::string& name, std::map<std::string, std::string> params = {}) {
    ASSERT_TRUE(sim_->SetScenario(path, {name, std::move(params)}).ok());
  }

  PocoHttpClient client_;
  std::unique_ptr<simulate::Simulator> sim_;
};

TEST_F(HttpClientTest, SendsTheConfiguredRequestAndMeasuresPhases) {
  testing::TestHttpServer server([](const testing::RecordedRequest&, Poco::Net::HTTPServerResponse& resp) {
    testing::Reply(resp, 201, "{\"ok\":true}");
  });
  HttpRequest r;
  r.method = "POST";
  r.url = server.url("/v1/charges?limit=3");
  r.headers = {{"X-Api-Key", "k123"}, {"Stripe-Version", "2024-06-20"}};
  r.body = "{\"amount\":1}";
  const HttpResponse resp = client_.Execute(r);
  ASSERT_EQ(resp.error, TransportError::kNone) << resp.error_message;
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(resp.body, "{\"ok\":true}");
  EXPECT_EQ(*resp.Header("content-type"), "application/json");
  EXPECT_GT(resp.phases.connect_ms, 0);
  EXPECT_GT(resp.phases.ttfb_ms, 0);
  EXPECT_GE(resp.phases.total_ms, resp.phases.connect_ms + resp.phases.ttfb_ms);
  EXPECT_EQ(resp.phases.tls_ms, 0);
  EXPECT_EQ(resp.remote_address, "127.0.0.1:" + std::to_string(server.port()));
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].uri, "/v1/charges?limit=3");
  EXPECT_EQ(reqs[0].body, "{\"amount\":1}");
  EXPECT_EQ(reqs[0].Header("X-Api-Key"), "k123");
  EXPECT_EQ(reqs[0].Header("Host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(reqs[0].Header("User-Agent").rfind("vigil/", 0), 0u);
  EXPECT_TRUE(core::EqualsIgnoreCase(reqs[0].Header("Connection"), "close"));
}

TEST_F(HttpClientTest, RefusedPortIsANetworkFinding) {
  uint16_t closed;
  {
    RawServer s(testing::Stall());
    closed = s.port();
  }
  const HttpResponse r = Get("http://127.0.0.1:" + std::to_string(closed) + "/");
  EXPECT_EQ(r.error, TransportError::kNetwork);
  EXPECT_EQ(r.error_phase, "connect");
  EXPECT_EQ(r.error_message, "cannot connect to 127.0.0.1:" + std::to_string(closed) + ": connection refused");
}

TEST_F(HttpClientTest, UnknownHostIsANetworkFindingFromDns) {
  const HttpResponse r = Get("http://no-such-host.invalid/");
  EXPECT_EQ(r.error, TransportError::kNetwork);
  EXPECT_EQ(r.error_phase, "dns");
  EXPECT_NE(r.error_message.find("no-such-host.invalid"), std::string::npos) << r.error_message;
}

TEST_F(HttpClientTest, AServerDribblingOneBytePerSecondNeverHoldsAProbePastItsTimeout) {
  Scenario("/drip", "dribble", {{"interval", "1s"}});
  const auto start = Clock::now();
  const HttpResponse r = Get(SimUrl("/drip"), core::Millis(2000));
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_EQ(r.error, TransportError::kTimeout) << r.error_message;
  EXPECT_EQ(r.error_message, "no complete response within 2s: timed out while waiting for the response");
  EXPECT_GE(elapsed, 1.9);
  EXPECT_LT(elapsed, 2.5);
  EXPECT_GE(r.phases.ttfb_ms, 1900);
}

TEST_F(HttpClientTest, AStalledServerTimesOutWaitingForTheResponse) {
  RawServer stall(testing::Stall());
  const auto start = Clock::now();
  const HttpResponse r = Get("http://127.0.0.1:" + std::to_string(stall.port()) + "/", core::Millis(1000));
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_EQ(r.error, TransportError::kTimeout);
  EXPECT_EQ(r.error_phase, "ttfb");
}

TEST_F(HttpClientTest, AnEndlessBodyIsCutAtMaxBody) {
  Scenario("/endless", "endless");
  const auto start = Clock::now();
  const HttpResponse r = Get(SimUrl("/endless"), core::Millis(5000), 256 * 1024);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(r.error, TransportError::kNone) << r.error_message;
  EXPECT_TRUE(r.body_truncated);
  EXPECT_EQ(r.body.size(), 256u * 1024);
}

TEST_F(HttpClientTest, ATruncatedBodyIsANetworkFinding) {
  Scenario("/cut", "truncated");
  const HttpResponse r = Get(SimUrl("/cut"));
  EXPECT_EQ(r.error, TransportError::kNetwork);
  EXPECT_EQ(r.error_message, "connection closed after 10 of 1000 body bytes");
}

TEST_F(HttpClientTest, AConnectionResetIsANetworkFinding) {
  Scenario("/rst", "reset");
  const HttpResponse r = Get(SimUrl("/rst"));
  EXPECT_EQ(r.error, TransportError::kNetwork);
  EXPECT_EQ(r.error_message, "connection reset by peer while waiting for the response");
}

TEST_F(HttpClientTest, MalformedResponsesAreClassifiedNotCrashes) {
  const struct {
    const char* name;
    std::string bytes;
  } cases[] = {
      {"garbage", "HELLO THERE\r\n\r\n"},
      {"huge header", "HTTP/1.1 200 OK\r\nX-Big: " + std::string(100'000, 'a') + "\r\n\r\n"},
      {"too many headers", [] {
         std::string s = "HTTP/1.1 200 OK\r\n";
         for (int i = 0; i < 500; ++i) s += "X-H" + std::to_string(i) + ": v\r\n";
         return s + "\r\n";
       }()},
      {"empty", ""},
      {"bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n"},
      {"chunk cut short", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100\r\nabc"},
      {"no final chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"},
      {"chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    RawServer server(testing::SendAndClose(c.bytes));
    const auto start = Clock::now();
    const HttpResponse r = Get("http://127.0.0.1:" + std::to_string(server.port()) + "/", core::Millis(3000));
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
    EXPECT_EQ(r.error, TransportError::kNetwork) << r.error_message;
    EXPECT_FALSE(r.error_message.empty());
  }
}

TEST_F(HttpClientTest, AWellFormedChunkedBodyIsReadWhole) {
  RawServer server(testing::SendAndClose(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\nX-Trailer: t\r\n\r\n"));
  const HttpResponse r = Get("http://127.0.0.1:" + std::to_string(server.port()) + "/");
  ASSERT_EQ(r.error, TransportError::kNone) << r.error_message;
  EXPECT_EQ(r.body, "{\"a\":1}");
}

TEST_F(HttpClientTest, RedirectsAreReportedUnlessFollowingIsConfigured) {
  testing::TestHttpServer other([](const testing::RecordedRequest&, Poco::Net::HTTPServerResponse& resp) {
    testing::Reply(resp, 200, "{\"final\":true}");
  });
  testing::TestHttpServer server([&](const testing::RecordedRequest& req, Poco::Net::HTTPServerResponse& resp) {
    if (req.uri == "/start") {
      resp.redirect("/next", Poco::Net::HTTPResponse::HTTP_FOUND);
    } else if (req.uri == "/next") {
      resp.redirect(other.url("/elsewhere"), Poco::Net::HTTPResponse::HTTP_TEMPORARY_REDIRECT);
    } else {
      testing::Reply(resp, 404, "{}");
    }
  });
  HttpRequest r;
  r.url = server.url("/start");
  r.headers = {{"Authorization", "Bearer secret-token"}};
  HttpResponse resp = client_.Execute(r);
  EXPECT_EQ(resp.status, 302);
  EXPECT_EQ(resp.redirects, 0);
  r.max_redirects = 5;
  resp = client_.Execute(r);
  ASSERT_EQ(resp.error, TransportError::kNone) << resp.error_message;
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.redirects, 2);
  EXPECT_EQ(resp.body, "{\"final\":true}");
  EXPECT_EQ(server.requests().back().Header("Authorization"), "Bearer secret-token");  // same origin
  ASSERT_EQ(other.requests().size(), 1u);
  EXPECT_EQ(other.requests()[0].Header("Authorization"), "");  // never leaked to another origin
  r.max_redirects = 1;
  EXPECT_EQ(client_.Execute(r).status, 307);  // the limit stops the chain
}

TEST_F(HttpClientTest, ManyConcurrentProbesAreIndependent) {
  Scenario("/slow", "slow", {{"delay", "300ms"}});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      const HttpResponse r = Get(SimUrl(i % 2 ? "/slow" : "/fast"));
      if (r.status == 200 && r.error == TransportError::kNone) ++ok;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 16);
}

}  // namespace
}  // namespace vigil::probes
