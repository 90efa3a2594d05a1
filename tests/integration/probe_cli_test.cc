// `vigil probe` (the real binary) against `vigil simulate` (the real binary): every scenario
// comes back classified by cause, with the right exit code. And against a local server sending
// rate limits: what the answers mean for the daemon's own probing.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <gtest/gtest.h>

#include <atomic>
#include <regex>

#include "daemon/core/clock.h"
#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_http_server.h"

namespace vigil {
namespace {

class ProbeCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sim_ = new testing::Subprocess({testing::VigilBinary(), "simulate", "--listen", "127.0.0.1:0"});
    ASSERT_TRUE(sim_->WaitForOutput("listening on", std::chrono::seconds(10))) << sim_->err();
    std::smatch m;
    const std::string err = sim_->err();
    ASSERT_TRUE(std::regex_search(err, m, std::regex(R"(listening on 127\.0\.0\.1:(\d+))")));
    port_ = std::stoi(m[1]);
  }
  static void TearDownTestSuite() {
    sim_->Signal(SIGTERM);
    EXPECT_EQ(sim_->Wait(std::chrono::seconds(10)), 0);
    delete sim_;
  }

  void SetScenario(const std::string& path, const std::string& query) {
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port_));
    Poco::Net::HTTPRequest req("POST", "/_sim/scenario?path=" + path + "&scenario=" + query, "HTTP/1.1");
    req.setContentLength(0);
    s.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    s.receiveResponse(resp);
    ASSERT_EQ(resp.getStatus(), 200) << query;
  }

  struct Probed {
    int exit_code;
    std::string outcome;
    std::vector<std::string> kinds;
    int status_code;
    std::string raw;
  };
  Probed Probe(const std::string& path, const std::string& expect = "") {
    const std::string cfg = dir_.Write("c.yaml",
        "providers:\n  - name: sim\n    base_url: http://127.0.0.1:" + std::to_string(port_) +
        "\n    checks:\n      - name: c\n        path: " + path + "\n        timeout: 2s\n" + expect);
    const testing::ProcessResult r = testing::RunProcess({testing::VigilBinary(), "probe", "-c", cfg, "sim", "--json"},
                                                         std::chrono::seconds(15));
    Probed p{r.exit_code, "", {}, 0, r.out};
    Poco::JSON::Array::Ptr a = Poco::JSON::Parser().parse(r.out).extract<Poco::JSON::Array::Ptr>();
    Poco::JSON::Object::Ptr o = a->getObject(0);
    p.outcome = o->getValue<std::string>("outcome");
    p.status_code = o->getValue<int>("status_code");
    Poco::JSON::Array::Ptr f = o->getArray("findings");
    for (std::size_t i = 0; i < f->size(); ++i) p.kinds.push_back(f->getObject(static_cast<unsigned>(i))->getValue<std::string>("kind"));
    EXPECT_TRUE(o->getObject("phases")->has("total_ms"));
    return p;
  }

  static testing::Subprocess* sim_;
  static int port_;
  testing::TempDir dir_;
};

testing::Subprocess* ProbeCliTest::sim_ = nullptr;
int ProbeCliTest::port_ = 0;

TEST_F(ProbeCliTest, EveryScenarioIsClassified) {
  const std::string json_expect = "        expect:\n          json: [{ pointer: /available/0/amount, type: integer }]\n";
  const struct {
    std::string scenario;
    int exit_code;
    std::string outcome;
    std::vector<std::string> kinds;
  } cases[] = {
      {"healthy", 0, "pass", {}},
      {"slow&delay=5s", 1, "fail", {"timeout"}},
      {"unauthorized", 1, "fail", {"auth"}},
      {"forbidden", 1, "fail", {"auth"}},
      {"ratelimited", 0, "warn", {"quota"}},
      {"error", 1, "fail", {"status"}},
      {"error&code=503", 1, "fail", {"status"}},
      {"reset", 1, "fail", {"network"}},
      {"endless", 1, "fail", {"network", "assertion"}},
      {"dribble", 1, "fail", {"timeout"}},
      {"drift&after=0", 1, "fail", {"assertion"}},
      {"malformed", 1, "fail", {"assertion"}},
      {"truncated", 1, "fail", {"network"}},
      {"redirect", 1, "fail", {"status"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.scenario);
    const std::string path = "/s" + std::to_string(&c - cases);
    SetScenario(path, c.scenario);
    const Probed p = Probe(path, json_expect);
    EXPECT_EQ(p.exit_code, c.exit_code) << p.raw;
    EXPECT_EQ(p.outcome, c.outcome);
    EXPECT_EQ(p.kinds, c.kinds) << p.raw;
  }
}

TEST_F(ProbeCliTest, FlappingAlternates) {
  SetScenario("/flap", "flapping&period=1");
  EXPECT_EQ(Probe("/flap").outcome, "pass");
  EXPECT_EQ(Probe("/flap").outcome, "fail");
  EXPECT_EQ(Probe("/flap").outcome, "pass");
}

TEST_F(ProbeCliTest, HumanOutputAndUnknownTargets) {
  const std::string cfg = dir_.Write("h.yaml", "providers:\n  - name: sim\n    base_url: http://127.0.0.1:" +
                                                   std::to_string(port_) + "\n    checks: [{ name: c, path: /human }]\n");
  testing::ProcessResult r = testing::RunProcess({testing::VigilBinary(), "probe", "-c", cfg, "sim/c"}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("sim/c  PASS  200  ", 0), 0u) << r.out;
  r = testing::RunProcess({testing::VigilBinary(), "probe", "-c", cfg, "nope"}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no provider 'nope'"), std::string::npos);
  r = testing::RunProcess({testing::VigilBinary(), "probe", "-c", cfg, "sim/nope"}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 2);
  r = testing::RunProcess({testing::VigilBinary(), "probe", "sim"}, std::chrono::seconds(10));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--config"), std::string::npos) << r.err;
}

TEST_F(ProbeCliTest, SimulatorControlApiRejectsGarbage) {
  Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port_));
  for (const char* uri : {"/_sim/scenario?path=/x&scenario=nonsense", "/_sim/scenario?path=x&scenario=error",
                          "/_sim/scenario?path=/x&scenario=error&code=abc", "/_sim/scenario?path=/x&scenario=healthy&bogus=1"}) {
    SCOPED_TRACE(uri);
    Poco::Net::HTTPRequest req("POST", uri, "HTTP/1.1");
    req.setContentLength(0);
    s.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::istream& in = s.receiveResponse(resp);
    std::string body((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(resp.getStatus(), 400);
    EXPECT_NE(body.find("\"error\""), std::string::npos);
  }
}

// `vigil probe` says when and why the daemon would now hold its probes of the provider back, in
// its table and in --json (probing_slowed_until / probing_slowed_because on every result).
class ProbeCliQuotaTest : public ::testing::Test {
 protected:
  testing::ProcessResult Probe(const std::string& quota, bool json) {
    const std::string cfg =
        dir_.Write("q.yaml", "providers:\n  - name: lim\n    base_url: " + server_.url("") + "\n" +
                                 quota + "    checks: [{ name: c, path: /c }]\n");
    std::vector<std::string> argv = {testing::VigilBinary(), "probe", "-c", cfg, "lim"};
    if (json) argv.push_back("--json");
    return testing::RunProcess(argv, std::chrono::seconds(15));
  }
  static Poco::JSON::Object::Ptr OnlyResult(const std::string& out) {
    Poco::JSON::Array::Ptr a = Poco::JSON::Parser().parse(out).extract<Poco::JSON::Array::Ptr>();
    EXPECT_EQ(a->size(), 1u) << out;
    return a->getObject(0);
  }
  // RFC 3339 UTC at fixed width compares as text: `at` lies within [lo, hi].
  static void ExpectBetween(const std::string& at, core::WallTime lo, core::WallTime hi) {
    EXPECT_GE(at, core::FormatRfc3339(lo));
    EXPECT_LE(at, core::FormatRfc3339(hi));
  }

  std::atomic<int> mode_{0};  // 0 healthy, 1 rate limited, 2 budget headers
  testing::TestHttpServer server_{
      [this](const testing::RecordedRequest& r, Poco::Net::HTTPServerResponse& resp) {
        if (r.uri == "/v1/usage")
          return testing::Reply(resp, 200, R"({"remaining":150,"limit":1000})");
        if (mode_ == 1) {
          resp.set("Retry-After", "30");
          return testing::Reply(resp, 429, R"({"error":"slow down"})");
        }
        if (mode_ == 2) {
          resp.set("X-RateLimit-Limit", "1000");
          resp.set("X-RateLimit-Remaining", "200");
          resp.set("X-RateLimit-Reset", "3600");  // seconds from now
        }
        testing::Reply(resp, 200, "{}");
      }};
  testing::TempDir dir_;
};

TEST_F(ProbeCliQuotaTest, ARetryAfterIsReportedWithItsTimeAndReason) {
  mode_ = 1;
  const auto before = std::chrono::system_clock::now();
  testing::ProcessResult r = Probe("", false);
  const auto after = std::chrono::system_clock::now();
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;  // a 429 is a quota warning, not a failure
  std::smatch m;
  ASSERT_TRUE(std::regex_search(
      r.out, m, std::regex(R"(\nprobing of lim would now wait until (\S+): (.*)\n)")))
      << r.out;
  ExpectBetween(m[1].str(), before + std::chrono::seconds(29), after + std::chrono::seconds(30));
  EXPECT_EQ(m[2], "429 Too Many Requests, Retry-After 30s");

  r = Probe("", true);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  Poco::JSON::Object::Ptr o = OnlyResult(r.out);
  EXPECT_EQ(o->getValue<std::string>("outcome"), "warn");
  EXPECT_EQ(o->getValue<std::string>("probing_slowed_because"),
            "429 Too Many Requests, Retry-After 30s");
  ExpectBetween(o->getValue<std::string>("probing_slowed_until"), after + std::chrono::seconds(29),
                std::chrono::system_clock::now() + std::chrono::seconds(30));
}

TEST_F(ProbeCliQuotaTest, AProbeBudgetIsReportedWithItsAllowance) {
  mode_ = 2;
  testing::ProcessResult r = Probe("    quota: { probe_budget: 1% }\n", false);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("    quota requests: 200 of 1000 left, resets "), std::string::npos)
      << r.out;
  // 1% of 200: two probes before the reset in an hour, this one included; the next in half an hour.
  const std::string reason =
      "probe_budget 1%: 2 probe(s) allowed before the requests budget resets in 1h";
  EXPECT_NE(r.out.find(": " + reason + "\n"), std::string::npos) << r.out;

  const auto before = std::chrono::system_clock::now();
  r = Probe("    quota: { probe_budget: 1% }\n", true);
  Poco::JSON::Object::Ptr o = OnlyResult(r.out);
  EXPECT_EQ(o->getValue<std::string>("probing_slowed_because"), reason);
  ExpectBetween(o->getValue<std::string>("probing_slowed_until"),
                before + std::chrono::minutes(30) - std::chrono::seconds(1),
                std::chrono::system_clock::now() + std::chrono::minutes(30));
}

TEST_F(ProbeCliQuotaTest, NothingIsSaidWhenProbingWouldNotWait) {
  mode_ = 0;
  const std::string quota =
      "    quota: { endpoint: { path: /v1/usage, remaining: /remaining, limit: /limit } }\n";
  testing::ProcessResult r = Probe(quota, false);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.find("would now wait"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("lim/quota  PASS  200  "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("    quota requests: 150 of 1000 left (endpoint)\n"), std::string::npos)
      << r.out;

  r = Probe(quota, true);
  Poco::JSON::Array::Ptr a = Poco::JSON::Parser().parse(r.out).extract<Poco::JSON::Array::Ptr>();
  ASSERT_EQ(a->size(), 2u) << r.out;  // the check and the usage endpoint's `quota` check
  for (std::size_t i = 0; i < a->size(); ++i) {
    Poco::JSON::Object::Ptr o = a->getObject(static_cast<unsigned>(i));
    EXPECT_TRUE(o->has("probing_slowed_until") && o->isNull("probing_slowed_until")) << r.out;
    EXPECT_TRUE(o->has("probing_slowed_because") && o->isNull("probing_slowed_because")) << r.out;
  }
  EXPECT_EQ(a->getObject(1)->getValue<std::string>("check"), "quota");
  EXPECT_EQ(a->getObject(1)->getArray("quota")->getObject(0)->getValue<double>("ratio"), 0.15);
}

}  // namespace
}  // namespace vigil
