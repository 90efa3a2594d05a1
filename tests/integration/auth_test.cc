// Auth against real local servers: the exact bytes each auth type sends, and the OAuth2 token
// lifecycle against a local token endpoint (stepped clock for refresh), including every way the
// token request can fail.
#include <Poco/Base64Decoder.h>
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "config/loader.h"
#include "probes/check_runner.h"
#include "probes/poco_http_client.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/raw_server.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_http_server.h"

namespace vigil::probes {
namespace {

using testing::RecordedRequest;
using Resp = Poco::Net::HTTPServerResponse;

std::string Base64Decode(const std::string& s) {
  std::istringstream in(s);
  Poco::Base64Decoder dec(in);
  return std::string(std::istreambuf_iterator<char>(dec), {});
}

class AuthTest : public ::testing::Test {
 protected:
  // Loads `yaml` with ${env:...} from `env`, and builds a runner on the real HTTP client.
  void Load(const std::string& yaml, std::map<std::string, std::string> env = {}) {
    config::SecretSources s;
    s.env = [env](const std::string& n) -> std::optional<std::string> {
      auto it = env.find(n);
      return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    loaded_ = config::LoadConfigText(yaml, "t.yaml", "/tmp", s);
    ASSERT_TRUE(loaded_.ok()) << loaded_.ErrorText();
    runner_ = std::make_unique<CheckRunner>(loaded_.config, client_, clock_);
  }
  std::vector<ProbeResult> Run(const std::string& provider, const std::string& check) {
    return runner_->Run(runner_->Find(provider, check));
  }
  static std::string Kinds(const ProbeResult& r) {
    std::string out;
    for (const auto& f : r.findings) out += std::string(out.empty() ? "" : ",") + FindingKindName(f.kind);
    return out;
  }

  testing::FakeClock clock_;
  PocoHttpClient client_;
  config::LoadResult loaded_;
  std::unique_ptr<CheckRunner> runner_;
};

void Ok(const RecordedRequest&, Resp& resp) { testing::Reply(resp, 200, "{}"); }

TEST_F(AuthTest, EachStaticTypeSendsExactlyTheRightBytes) {
  testing::TestHttpServer api(Ok);
  Load("providers:\n  - name: p\n    base_url: " + api.url("") + "\n    checks:\n"
       "      - { name: bearer, path: /b, auth: { type: bearer, token: \"${env:T}\" } }\n"
       "      - { name: header, path: /h, auth: { type: header, header: { name: X-Api-Key, value: \"${env:K}\" } } }\n"
       "      - { name: query, path: /q, query: { a: \"1\" }, auth: { type: query, query: { name: api_key, value: \"${env:Q}\" } } }\n"
       "      - { name: basic, path: /basic, auth: { type: basic, basic: { username: ci, password: \"${env:P}\" } } }\n"
       "      - { name: none, path: /n }\n",
       {{"T", "tok-123"}, {"K", "key-456"}, {"Q", "q v/+&"}, {"P", "pa:ss wörd"}});
  for (const char* c : {"bearer", "header", "query", "basic", "none"}) {
    SCOPED_TRACE(c);
    EXPECT_EQ(Run("p", c).front().outcome, Outcome::kPass);
  }
  const auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 5u);
  EXPECT_EQ(reqs[0].Header("Authorization"), "Bearer tok-123");
  EXPECT_EQ(reqs[1].Header("X-Api-Key"), "key-456");
  EXPECT_EQ(reqs[1].Header("Authorization"), "");
  EXPECT_EQ(reqs[2].uri, "/q?a=1&api_key=q%20v%2F%2B%26");
  EXPECT_EQ(reqs[3].Header("Authorization").rfind("Basic ", 0), 0u);
  EXPECT_EQ(Base64Decode(reqs[3].Header("Authorization").substr(6)), "ci:pa:ss wörd");
  EXPECT_EQ(reqs[4].Header("Authorization"), "");
  EXPECT_EQ(reqs[4].uri, "/n");
}

TEST_F(AuthTest, ProviderAuthAppliesToEveryCheckAndACheckMayOverride) {
  testing::TestHttpServer api(Ok);
  Load("providers:\n  - name: p\n    base_url: " + api.url("") + "\n"
       "    auth: { type: header, header: { name: X-Key, value: \"${env:K}\" } }\n    checks:\n"
       "      - { name: a, path: /a }\n      - { name: b, path: /b, auth: { type: none } }\n",
       {{"K", "provider-key"}});
  Run("p", "a");
  Run("p", "b");
  const auto reqs = api.requests();
  EXPECT_EQ(reqs[0].Header("X-Key"), "provider-key");
  EXPECT_EQ(reqs[1].Header("X-Key"), "");
}

TEST_F(AuthTest, CredentialHeadersNeverFollowARedirectToAnotherOrigin) {
  testing::TestHttpServer other(Ok);
  testing::TestHttpServer api([&](const RecordedRequest&, Resp& resp) { resp.redirect(other.url("/x"), Poco::Net::HTTPResponse::HTTP_FOUND); });
  Load("providers:\n  - name: p\n    base_url: " + api.url("") + "\n"
       "    auth: { type: header, header: { name: X-Key, value: \"${env:K}\" } }\n"
       "    checks: [{ name: a, path: /a, follow_redirects: true }]\n",
       {{"K", "secret-key-1"}});
  EXPECT_EQ(Run("p", "a").front().outcome, Outcome::kPass);
  ASSERT_EQ(other.requests().size(), 1u);
  EXPECT_EQ(other.requests()[0].Header("X-Key"), "");
}

// A token endpoint whose answers the test scripts.
class TokenEndpoint {
 public:
  std::function<void(const RecordedRequest&, Resp&)> answer = [this](const RecordedRequest&, Resp& resp) {
    testing::Reply(resp, 200, "{\"access_token\":\"tok-" + std::to_string(++issued) + "\",\"token_type\":\"Bearer\",\"expires_in\":" +
                                  std::to_string(expires_in) + "}");
  };
  int expires_in = 3600;
  std::atomic<int> issued{0};
  testing::TestHttpServer server{[this](const RecordedRequest& r, Resp& resp) { answer(r, resp); }};
};

std::string OAuthConfig(const std::string& token_url, const std::string& api, const std::string& extra = "",
                        const std::string& checks = "      - { name: balance, path: /balance }\n") {
  return "defaults: { timeout: 1s }\nproviders:\n  - name: pay\n    base_url: " + api + "\n    auth:\n"
         "      type: oauth2_client_credentials\n      oauth2:\n        token_url: " + token_url + "\n"
         "        client_id: vigil-ci\n        client_secret: \"${env:CS}\"\n" + extra + "    checks:\n" + checks;
}

TEST_F(AuthTest, OAuth2ClientSecretBasicFetchesOnceAndSendsTheToken) {
  TokenEndpoint token;
  testing::TestHttpServer api(Ok);
  Load(OAuthConfig(token.server.url("/oauth/token"), api.url(""),
                   "        scopes: [\"balance:read\", \"charges:write\"]\n        audience: https://api.example\n"
                   "        params: { resource: payments }\n"),
       {{"CS", "s3cr3t/+"}});
  std::vector<ProbeResult> first = Run("pay", "balance");
  ASSERT_EQ(first.size(), 2u);  // the check, then the token request as check "auth"
  EXPECT_EQ(first[0].outcome, Outcome::kPass);
  EXPECT_EQ(first[1].check, "auth");
  EXPECT_EQ(first[1].outcome, Outcome::kPass);
  EXPECT_EQ(first[1].status_code, 200);
  ASSERT_TRUE(first[0].credential_not_after);
  EXPECT_EQ(*first[0].credential_not_after, clock_.Now() + std::chrono::hours(1));
  EXPECT_EQ(Run("pay", "balance").size(), 1u);  // cached
  const auto t = token.server.requests();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].method, "POST");
  EXPECT_EQ(t[0].Header("Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(Base64Decode(t[0].Header("Authorization").substr(6)), "vigil-ci:s3cr3t%2F%2B");
  EXPECT_EQ(t[0].body, "grant_type=client_credentials&scope=balance%3Aread%20charges%3Awrite"
                       "&audience=https%3A%2F%2Fapi.example&resource=payments");
  for (const auto& r : api.requests()) EXPECT_EQ(r.Header("Authorization"), "Bearer tok-1");
}

TEST_F(AuthTest, OAuth2ClientSecretPostPutsTheCredentialsInTheBody) {
  TokenEndpoint token;
  testing::TestHttpServer api(Ok);
  Load(OAuthConfig(token.server.url("/t"), api.url(""), "        client_auth: client_secret_post\n"), {{"CS", "pw"}});
  Run("pay", "balance");
  const auto t = token.server.requests();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].Header("Authorization"), "");
  EXPECT_EQ(t[0].body, "grant_type=client_credentials&client_id=vigil-ci&client_secret=pw");
}

TEST_F(AuthTest, TheTokenIsRefreshedAheadOfItsExpiry) {
  TokenEndpoint token;
  token.expires_in = 60;  // refresh margin: 30 s
  testing::TestHttpServer api(Ok);
  Load(OAuthConfig(token.server.url("/t"), api.url("")), {{"CS", "pw"}});
  Run("pay", "balance");
  clock_.Advance(core::Millis(20'000));
  EXPECT_EQ(Run("pay", "balance").size(), 1u);
  EXPECT_EQ(token.issued.load(), 1);
  clock_.Advance(core::Millis(11'000));  // 31 s: inside the margin, the old token still valid
  const std::vector<ProbeResult> refreshed = Run("pay", "balance");
  ASSERT_EQ(refreshed.size(), 2u);
  EXPECT_EQ(refreshed[1].check, "auth");
  EXPECT_EQ(token.issued.load(), 2);
  const auto reqs = api.requests();
  EXPECT_EQ(reqs.back().Header("Authorization"), "Bearer tok-2");
  EXPECT_EQ(reqs[1].Header("Authorization"), "Bearer tok-1");
}

TEST_F(AuthTest, RefusedClientCredentialsAreAnAuthFindingAndTheEndpointIsNotHammered) {
  TokenEndpoint token;
  token.answer = [](const RecordedRequest&, Resp& resp) {
    testing::Reply(resp, 401, R"({"error":"invalid_client","error_description":"Client authentication failed"})");
  };
  testing::TestHttpServer api(Ok);
  Load(OAuthConfig(token.server.url("/t"), api.url("")), {{"CS", "pw"}});
  const std::vector<ProbeResult> r = Run("pay", "balance");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(Kinds(r[1]), "auth");
  EXPECT_EQ(r[1].findings[0].message, "token request refused (401 Unauthorized): invalid_client (Client authentication failed)");
  EXPECT_EQ(Kinds(r[0]), "auth");
  EXPECT_EQ(r[0].findings[0].message,
            "no OAuth2 access token: token request refused (401 Unauthorized): invalid_client (Client authentication "
            "failed) (see check 'auth')");
  EXPECT_TRUE(api.requests().empty());  // nothing was sent without a token
  EXPECT_EQ(Run("pay", "balance").size(), 1u);  // backing off: no new token request yet
  EXPECT_EQ(token.server.requests().size(), 1u);
  clock_.Advance(core::Millis(6'000));
  EXPECT_EQ(Run("pay", "balance").size(), 2u);  // tried again after the back-off
}

TEST_F(AuthTest, TokenEndpointFailuresAreClassifiedByCause) {
  testing::TestHttpServer api(Ok);
  testing::RawServer stall(testing::Stall());
  {
    Load(OAuthConfig("http://127.0.0.1:" + std::to_string(stall.port()) + "/t", api.url("")), {{"CS", "pw"}});
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(Kinds(Run("pay", "balance")[1]), "timeout");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1600));
  }
  const struct {
    int status;
    std::string body;
    std::string kind;
  } cases[] = {{503, "busy", "status"}, {200, "{\"token\":\"x\"}", "assertion"}, {200, "<!doctype html>", "assertion"},
               {400, R"({"error":"invalid_scope"})", "auth"}};
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    TokenEndpoint token;
    token.answer = [&](const RecordedRequest&, Resp& resp) { testing::Reply(resp, c.status, c.body); };
    Load(OAuthConfig(token.server.url("/t"), api.url("")), {{"CS", "pw"}});
    EXPECT_EQ(Kinds(Run("pay", "balance")[1]), c.kind);
  }
}

TEST_F(AuthTest, ATokenTheApiRejectsIsDroppedAndReplaced) {
  TokenEndpoint token;
  std::atomic<bool> reject{true};
  testing::TestHttpServer api([&](const RecordedRequest&, Resp& resp) {
    if (reject.exchange(false)) {
      resp.set("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"The token was revoked\"");
      return testing::Reply(resp, 401, "{}");
    }
    testing::Reply(resp, 200, "{}");
  });
  Load(OAuthConfig(token.server.url("/t"), api.url("")), {{"CS", "pw"}});
  const std::vector<ProbeResult> first = Run("pay", "balance");
  EXPECT_EQ(Kinds(first[0]), "auth");
  EXPECT_EQ(first[0].findings[0].message,
            "401 Unauthorized: the provider rejected our credentials: invalid_token (The token was revoked)");
  const std::vector<ProbeResult> second = Run("pay", "balance");
  ASSERT_EQ(second.size(), 2u);  // a new token was fetched
  EXPECT_EQ(second[0].outcome, Outcome::kPass);
  EXPECT_EQ(api.requests().back().Header("Authorization"), "Bearer tok-2");
}

TEST_F(AuthTest, OneTokenRequestAtATimeForAllChecks) {
  TokenEndpoint token;
  token.answer = [&](const RecordedRequest&, Resp& resp) {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a slow token endpoint (the server's, not a test wait)
    testing::Reply(resp, 200, "{\"access_token\":\"tok-" + std::to_string(++token.issued) + "\",\"expires_in\":3600}");
  };
  testing::TestHttpServer api(Ok);
  std::string checks;
  for (int i = 0; i < 8; ++i) checks += "      - { name: c" + std::to_string(i) + ", path: /c" + std::to_string(i) + " }\n";
  Load(OAuthConfig(token.server.url("/t"), api.url(""), "", checks), {{"CS", "pw"}});
  std::vector<std::thread> threads;
  std::atomic<int> passed{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] { passed += Run("pay", "c" + std::to_string(i)).front().outcome == Outcome::kPass; });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(passed.load(), 8);
  EXPECT_EQ(token.server.requests().size(), 1u);
  for (const auto& r : api.requests()) EXPECT_EQ(r.Header("Authorization"), "Bearer tok-1");
}

TEST_F(AuthTest, AgainstOauth2MockServerIssuingJwts) {
  const std::string bin = std::string(VIGIL_SOURCE_DIR) + "/tests/oauth/node_modules/.bin/oauth2-mock-server";
  ASSERT_EQ(access(bin.c_str(), X_OK), 0) << bin << " is missing: scripts/test.sh installs it with npm ci";
  testing::Subprocess server({"node", bin, "-a", "127.0.0.1", "-p", "0"});
  ASSERT_TRUE(server.WaitForOutput("listening on", std::chrono::seconds(20))) << server.err() << server.out();
  std::smatch m;
  const std::string out = server.out();
  ASSERT_TRUE(std::regex_search(out, m, std::regex(R"(listening on http://127\.0\.0\.1:(\d+))"))) << out;
  testing::TestHttpServer api([](const RecordedRequest& r, Resp& resp) {
    // A JWT: three base64url parts.
    const bool jwt = std::regex_match(r.Header("Authorization"), std::regex(R"(Bearer [\w-]+\.[\w-]+\.[\w-]+)"));
    testing::Reply(resp, jwt ? 200 : 401, "{}");
  });
  config::SecretSources s;
  s.env = [](const std::string&) { return std::optional<std::string>("mock-secret"); };
  loaded_ = config::LoadConfigText(OAuthConfig("http://127.0.0.1:" + std::string(m[1]) + "/token", api.url(""),
                                               "        scopes: [read]\n"),
                                   "t.yaml", "/tmp", s);
  ASSERT_TRUE(loaded_.ok()) << loaded_.ErrorText();
  runner_ = std::make_unique<CheckRunner>(loaded_.config, client_, core::SystemClock::Instance());
  const std::vector<ProbeResult> r = runner_->Run(runner_->Find("pay", "balance"));
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].outcome, Outcome::kPass) << (r[1].findings.empty() ? "" : r[1].findings[0].message);
  EXPECT_EQ(r[0].outcome, Outcome::kPass) << (r[0].findings.empty() ? "" : r[0].findings[0].message);
  ASSERT_TRUE(r[0].credential_not_after);  // from the JWT's exp (and expires_in): about an hour
  const auto left = *r[0].credential_not_after - std::chrono::system_clock::now();
  EXPECT_GT(left, std::chrono::minutes(55));
  EXPECT_LT(left, std::chrono::minutes(61));
  server.Signal(SIGTERM);
}

}  // namespace
}  // namespace vigil::probes
