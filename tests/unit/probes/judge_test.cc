// Judging observations: every failure becomes one finding of the right kind and severity, with
// a message saying what was expected and what came back.
#include <gtest/gtest.h>

#include <ctime>

#include "config/loader.h"
#include "probes/check_runner.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_http_client.h"

namespace vigil::probes {
namespace {

using testing::Response;

class JudgeTest : public ::testing::Test {
 protected:
  // One provider "p" with one check "c" whose `expect` section is `expect_yaml`.
  void Configure(const std::string& expect_yaml, const std::string& extra = "") {
    config::SecretSources s;
    s.env = [](const std::string&) { return std::optional<std::string>("sekret-token-value"); };
    const config::LoadResult r = config::LoadConfigText(
        "providers:\n  - name: p\n    base_url: http://127.0.0.1:1\n    checks:\n      - name: c\n"
        "        path: /x\n        timeout: 5s\n" + extra + "        expect:\n" + expect_yaml,
        "t.yaml", "/tmp", s);
    ASSERT_TRUE(r.ok()) << r.ErrorText();
    runner_ = std::make_unique<CheckRunner>(r.config, client_, clock_);
  }
  ProbeResult Judge(HttpResponse response) {
    if (!runner_) {
      ADD_FAILURE() << "the test's config did not load";
      return {};
    }
    return runner_->Judge(runner_->target(0), clock_.Now(), std::move(response));
  }
  std::vector<std::string> Messages(const ProbeResult& r) {
    std::vector<std::string> out;
    for (const auto& f : r.findings) {
      out.push_back(std::string(FindingKindName(f.kind)) + "/" + config::SeverityName(f.severity) + ": " + f.message);
    }
    return out;
  }

  testing::FakeClock clock_;
  testing::FakeHttpClient client_;
  std::unique_ptr<CheckRunner> runner_;
};

TEST_F(JudgeTest, StatusKinds) {
  Configure("          latency: { warn: 1s }\n");
  const struct {
    int status;
    std::string reason;
    config::Headers headers;
    std::vector<std::string> messages;
    Outcome outcome;
  } cases[] = {
      {200, "OK", {}, {}, Outcome::kPass},
      {204, "No Content", {}, {}, Outcome::kPass},
      {503, "Service Unavailable", {}, {"status/critical: expected status 2xx, got 503 Service Unavailable"}, Outcome::kFail},
      {301, "Moved Permanently", {}, {"status/critical: expected status 2xx, got 301 Moved Permanently"}, Outcome::kFail},
      {401, "Unauthorized", {}, {"auth/critical: 401 Unauthorized: the provider rejected our credentials"}, Outcome::kFail},
      {403, "Forbidden", {}, {"auth/critical: 403 Forbidden: the provider rejected our credentials"}, Outcome::kFail},
      {429, "Too Many Requests", {{"Retry-After", "5"}}, {"quota/warn: 429 Too Many Requests: rate limited (Retry-After: 5)"}, Outcome::kWarn},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.status);
    HttpResponse resp = Response(c.status, "{}", c.headers);
    resp.reason = c.reason;
    const ProbeResult r = Judge(resp);
    EXPECT_EQ(Messages(r), c.messages);
    EXPECT_EQ(r.outcome, c.outcome);
    EXPECT_EQ(r.status_code, c.status);
  }
}

TEST_F(JudgeTest, ListedStatusIsExpectedEvenWhenItIs401) {
  Configure("          status: [401]\n");
  EXPECT_TRUE(Judge(Response(401, "{}")).findings.empty());
  EXPECT_EQ(Messages(Judge(Response(200, "{}"))), std::vector<std::string>{"status/critical: expected status 401, got 200"});
}

TEST_F(JudgeTest, TransportErrorsAreOneFindingOfTheirKind) {
  Configure("          json: [{ pointer: /a, exists: true }]\n");
  const struct {
    TransportError error;
    const char* kind;
  } cases[] = {{TransportError::kNetwork, "network"}, {TransportError::kTimeout, "timeout"}, {TransportError::kTls, "tls"}};
  for (const auto& c : cases) {
    HttpResponse resp;
    resp.error = c.error;
    resp.error_message = "boom";
    const ProbeResult r = Judge(resp);
    EXPECT_EQ(Messages(r), std::vector<std::string>{std::string(c.kind) + "/critical: boom"});
    EXPECT_EQ(r.outcome, Outcome::kFail);
  }
}

TEST_F(JudgeTest, LatencyWarnAndCritical) {
  Configure("          latency: { warn: 100ms, critical: 1s }\n");
  HttpResponse fast = Response(200, "{}"), slow = fast, slower = fast;
  fast.phases.total_ms = 99;
  slow.phases.total_ms = 250;
  slower.phases.total_ms = 1500;
  EXPECT_TRUE(Judge(fast).findings.empty());
  EXPECT_EQ(Messages(Judge(slow)), std::vector<std::string>{"latency/warn: took 250ms, above the warn threshold of 100ms"});
  EXPECT_EQ(Messages(Judge(slower)), std::vector<std::string>{"latency/critical: took 1.5s, above the critical threshold of 1s"});
}

TEST_F(JudgeTest, JsonAssertionsTable) {
  Configure(R"(          json:
            - { pointer: /object, equals: balance }
            - { pointer: /available, type: array, min_items: 1 }
            - { pointer: /available/0/amount, type: integer, min: 0, max: 5000 }
            - { pointer: /livemode, equals: false }
            - { pointer: /id, matches: "^req_[0-9]+$" }
            - { pointer: /deprecated, exists: false }
            - { pointer: /count, equals: "7", severity: warn }
)");
  const std::string good =
      R"({"object":"balance","available":[{"amount":1000}],"livemode":false,"id":"req_1","count":"7"})";
  EXPECT_TRUE(Judge(Response(200, good)).findings.empty());
  const struct {
    std::string body;
    std::vector<std::string> messages;
  } cases[] = {
      {R"({"object":"customer","available":[{"amount":1000}],"livemode":false,"id":"req_1","count":"7"})",
       {"assertion/critical: /object: expected balance, got \"customer\""}},
      {R"({"object":"balance","available":[],"livemode":false,"id":"req_1","count":"7"})",
       {"assertion/critical: /available: expected at least 1 items, got 0",
        "assertion/critical: /available/0/amount: missing"}},
      {R"({"object":"balance","available":{"a":1},"livemode":false,"id":"req_1","count":"7"})",
       {"assertion/critical: /available: expected type array, got object an object",
        "assertion/critical: /available/0/amount: missing"}},
      {R"({"object":"balance","available":[{"amount":"1000"}],"livemode":false,"id":"req_1","count":"7"})",
       {"assertion/critical: /available/0/amount: expected type integer, got string \"1000\""}},
      {R"({"object":"balance","available":[{"amount":9000}],"livemode":false,"id":"req_1","count":"7"})",
       {"assertion/critical: /available/0/amount: expected at most 5000, got 9000"}},
      {R"({"object":"balance","available":[{"amount":1}],"livemode":"false","id":"req_1","count":"7"})",
       {"assertion/critical: /livemode: expected false, got \"false\""}},
      {R"({"object":"balance","available":[{"amount":1}],"livemode":false,"id":"x","count":"7"})",
       {"assertion/critical: /id: \"x\" does not match /^req_[0-9]+$/"}},
      {R"({"object":"balance","available":[{"amount":1}],"livemode":false,"id":"req_1","count":7,"deprecated":1})",
       {"assertion/critical: /deprecated: expected absent, got 1", "assertion/warn: /count: expected \"7\", got 7"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    EXPECT_EQ(Messages(Judge(Response(200, c.body))), c.messages);
  }
}

TEST_F(JudgeTest, UnusableBodyIsOneFinding) {
  Configure("          json: [{ pointer: /a, exists: true }, { pointer: /b, exists: true }]\n");
  EXPECT_EQ(Messages(Judge(Response(200, "{not json"))),
            std::vector<std::string>{"assertion/critical: the body is not valid JSON: expected 'u' instead of byte 'o'; 2 JSON assertion(s) not evaluated"});
  EXPECT_EQ(Messages(Judge(Response(200, ""))),
            std::vector<std::string>{"assertion/critical: the body is empty, expected JSON; 2 JSON assertion(s) not evaluated"});
  HttpResponse cut = Response(200, std::string(2048, ' '));
  cut.body_truncated = true;
  EXPECT_EQ(Messages(Judge(cut)),
            (std::vector<std::string>{"network/warn: the body is larger than max_body (1 MiB); reading stopped there",
                                      "assertion/critical: the body exceeds max_body; only the first 2 KiB were read; 2 JSON assertion(s) not evaluated"}));
  // Deeply nested input hits the parser's depth limit instead of the stack.
  EXPECT_EQ(Judge(Response(200, std::string(100000, '[') + std::string(100000, ']'))).outcome, Outcome::kFail);
}

TEST_F(JudgeTest, TopLevelScalarsAreJson) {
  Configure("          json: [{ pointer: \"\", equals: ok }]\n");
  EXPECT_TRUE(Judge(Response(200, "\"ok\"")).findings.empty());
  EXPECT_EQ(Messages(Judge(Response(200, "42"))), std::vector<std::string>{"assertion/critical: (the whole body): expected ok, got 42"});
}

TEST_F(JudgeTest, EqualsIsTypeStrict) {
  Configure(R"(          json:
            - { pointer: /b, equals: false }
            - { pointer: /n, equals: 1 }
            - { pointer: /s, equals: "1" }
            - { pointer: /z, equals: null }
)");
  EXPECT_TRUE(Judge(Response(200, R"({"b":false,"n":1.0,"s":"1","z":null})")).findings.empty());
  EXPECT_EQ(Messages(Judge(Response(200, R"({"b":"false","n":"1","s":1,"z":"null"})"))),
            (std::vector<std::string>{"assertion/critical: /b: expected false, got \"false\"",
                                      "assertion/critical: /n: expected 1, got \"1\"",
                                      "assertion/critical: /s: expected \"1\", got 1",
                                      "assertion/critical: /z: expected null, got \"null\""}));
}

TEST_F(JudgeTest, LongSubjectsAreMatchedWithoutExhaustingTheStack) {
  // The default std::regex matcher recursed per character and crashed on ~16 KiB subjects.
  Configure("          json: [{ pointer: /s, matches: \"^(?:[a-z]|[0-9]|_)+$\" }]\n");
  const std::string ok = std::string(400'000, 'a');
  EXPECT_TRUE(Judge(Response(200, "{\"s\":\"" + ok + "\"}")).findings.empty());
  EXPECT_EQ(Judge(Response(200, "{\"s\":\"" + ok + "-\"}")).outcome, Outcome::kFail);
}

TEST_F(JudgeTest, InlineJsonSchema) {
  Configure(R"(          json_schema:
            type: object
            required: [object, available]
            properties:
              object: { const: balance }
              available: { type: array, minItems: 1, items: { type: object, properties: { amount: { type: integer } } } }
)");
  EXPECT_TRUE(Judge(Response(200, R"({"object":"balance","available":[{"amount":1}]})")).findings.empty());
  EXPECT_EQ(Messages(Judge(Response(200, R"({"object":"balance","available":[{"amount":"1"}]})"))),
            std::vector<std::string>{"schema/critical: does not match the schema (draft-07): /available/0/amount: expected type integer, got string \"1\""});
  const ProbeResult missing = Judge(Response(200, R"({"available":[]})"));
  ASSERT_EQ(missing.findings.size(), 1u);
  EXPECT_EQ(missing.findings[0].kind, FindingKind::kSchema);
  EXPECT_NE(missing.findings[0].message.find("object"), std::string::npos) << missing.findings[0].message;
}

TEST_F(JudgeTest, DeprecationAndSunsetHeaders) {
  Configure("          deprecation: { sunset_critical_within: 14d }\n");
  const auto http_date = [](core::WallTime t) {
    std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return std::string(buf);
  };
  EXPECT_TRUE(Judge(Response(200, "{}")).findings.empty());
  const ProbeResult later = Judge(Response(200, "{}", {{"Deprecation", "@1688169599"},
                                                       {"Sunset", http_date(clock_.Now() + std::chrono::hours(24 * 40))},
                                                       {"Link", "<https://dev.example/deprecations>; rel=\"deprecation\""}}));
  ASSERT_EQ(later.findings.size(), 1u);
  EXPECT_EQ(later.findings[0].kind, FindingKind::kDeprecation);
  EXPECT_EQ(later.findings[0].severity, Severity::kWarn);
  EXPECT_NE(later.findings[0].message.find("deprecated since 2023-06-30"), std::string::npos) << later.findings[0].message;
  EXPECT_NE(later.findings[0].message.find("(in 40 days)"), std::string::npos) << later.findings[0].message;
  EXPECT_NE(later.findings[0].message.find("https://dev.example/deprecations"), std::string::npos);
  const ProbeResult soon = Judge(Response(200, "{}", {{"Sunset", http_date(clock_.Now() + std::chrono::hours(24 * 3))}}));
  ASSERT_EQ(soon.findings.size(), 1u);
  EXPECT_EQ(soon.findings[0].severity, Severity::kCritical);  // urgent, but a working endpoint:
  EXPECT_TRUE(soon.findings[0].attention);
  EXPECT_EQ(soon.outcome, Outcome::kPass) << "a date ahead is attention, not an outage";
  EXPECT_TRUE(later.findings[0].attention);
  EXPECT_EQ(later.outcome, Outcome::kPass);
  const ProbeResult past = Judge(Response(200, "{}", {{"Sunset", http_date(clock_.Now() - std::chrono::hours(24 * 2))}}));
  ASSERT_EQ(past.findings.size(), 1u);
  EXPECT_FALSE(past.findings[0].attention) << "past its sunset the endpoint may go at any moment";
  EXPECT_EQ(past.outcome, Outcome::kFail);
  EXPECT_EQ(Judge(Response(200, "{}", {{"Sunset", "next tuesday"}})).findings.size(), 0u);  // malformed: ignored
}

TEST_F(JudgeTest, TrackedHeaderChangesAreReportedOnce) {
  Configure("          track_headers: [API-Version]\n");
  const auto with = [](const std::string& v) { return Response(200, "{}", {{"api-version", v}}); };
  EXPECT_TRUE(Judge(with("2024-01-01")).findings.empty());  // first seen: recorded
  EXPECT_TRUE(Judge(with("2024-01-01")).findings.empty());
  EXPECT_EQ(Messages(Judge(with("2024-06-20"))),
            std::vector<std::string>{"shape_drift/warn: header API-Version changed: \"2024-01-01\" -> \"2024-06-20\""});
  EXPECT_TRUE(Judge(with("2024-06-20")).findings.empty());  // once
  EXPECT_EQ(Messages(Judge(Response(200, "{}", {}))),
            std::vector<std::string>{"shape_drift/warn: header API-Version changed: \"2024-06-20\" -> (absent)"});
}

TEST_F(JudgeTest, ShapeIsLearnedThenCompared) {
  Configure("          shape_drift: critical\n");
  for (int i = 0; i < 3; ++i) {
    const ProbeResult r = Judge(Response(200, R"({"id":1,"tags":["a"]})"));
    EXPECT_TRUE(r.findings.empty());
    EXPECT_TRUE(r.baseline.has_value());  // each learning step is stored
  }
  const ProbeResult same = Judge(Response(200, R"({"id":2,"tags":[]})"));
  EXPECT_TRUE(same.findings.empty());
  EXPECT_FALSE(same.baseline.has_value());  // nothing new to store
  const ProbeResult drift = Judge(Response(200, R"({"id":"2","tags":["a"],"extra":true})"));
  EXPECT_EQ(Messages(drift), std::vector<std::string>{
      "shape_drift/critical: the response shape changed since it was learned: added /extra (boolean); /id: integer -> "
      "string (accept it with: vigil baseline reset p/c)"});
  EXPECT_EQ(drift.outcome, Outcome::kFail);
}

TEST_F(JudgeTest, HeaderAssertions) {
  Configure(R"(          headers:
            - { name: Content-Type, matches: "^application/json" }
            - { name: X-Request-Id, present: true }
            - { name: Server, present: false, severity: warn }
            - { name: Api-Version, equals: "2024-06-20" }
)");
  EXPECT_TRUE(Judge(Response(200, "{}", {{"content-type", "application/json"}, {"X-Request-Id", "1"}, {"Api-Version", "2024-06-20"}})).findings.empty());
  EXPECT_EQ(Messages(Judge(Response(200, "{}", {{"Content-Type", "text/html"}, {"Server", "nginx"}, {"Api-Version", "2023-01-01"}}))),
            (std::vector<std::string>{"assertion/critical: header Content-Type: \"text/html\" does not match /^application/json/",
                                      "assertion/critical: header X-Request-Id: missing",
                                      "assertion/warn: header Server: expected absent, got \"nginx\"",
                                      "assertion/critical: header Api-Version: expected \"2024-06-20\", got \"2023-01-01\""}));
}

TEST_F(JudgeTest, ContentChecksAreSkippedWhenTheStatusIsWrong) {
  Configure("          json: [{ pointer: /a, exists: true }]\n          headers: [{ name: X, present: true }]\n");
  EXPECT_EQ(Messages(Judge(Response(500, "oops"))), std::vector<std::string>{"status/critical: expected status 2xx, got 500"});
}

TEST_F(JudgeTest, FailuresKeepARedactedBodyExcerpt) {
  Configure("          status: [200]\n", "        headers: { Authorization: \"Bearer ${env:K}\" }\n");
  const std::string body = "error: token sekret-token-value rejected " + std::string(10000, 'x');
  const ProbeResult r = Judge(Response(500, body));
  EXPECT_EQ(r.body_excerpt.find("sekret-token-value"), std::string::npos);
  EXPECT_EQ(r.body_excerpt.rfind("error: token *** rejected", 0), 0u);
  EXPECT_LE(r.body_excerpt.size(), kBodyExcerptBytes + 3);
  EXPECT_TRUE(Judge(Response(200, body)).body_excerpt.empty());  // passes keep no body
}

TEST_F(JudgeTest, RequestIsBuiltFromConfig) {
  Configure("          status: [200]\n", "        method: POST\n        body: '{\"q\":1}'\n        query: { a: \"1 2\" }\n        headers: { X-Api: v }\n");
  client_.respond = [](const HttpRequest&) { return Response(200, "{}"); };
  EXPECT_EQ(runner_->Run(0).size(), 1u);
  const auto reqs = client_.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].method, "POST");
  EXPECT_EQ(reqs[0].url, "http://127.0.0.1:1/x?a=1%202");
  EXPECT_EQ(reqs[0].body, "{\"q\":1}");
  EXPECT_EQ(reqs[0].timeout, core::Millis(5000));
  EXPECT_EQ(reqs[0].headers, (config::Headers{{"X-Api", "v"}}));
}

}  // namespace
}  // namespace vigil::probes
