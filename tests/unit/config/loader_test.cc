#include "config/loader.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace vigil::config {
namespace {

SecretSources FakeEnv(std::map<std::string, std::string> vars, std::string credentials_dir = "") {
  SecretSources s;
  s.env = [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  s.credentials_dir = std::move(credentials_dir);
  return s;
}

LoadResult Load(const std::string& yaml, const SecretSources& s = FakeEnv({}), const std::string& dir = "/tmp") {
  return LoadConfigText(yaml, "test.yaml", dir, s);
}

TEST(Loader, FullConfigWithDefaultsInherited) {
  const LoadResult r = Load(R"(
server: { listen: 127.0.0.1:9999, title: Acme }
instance: { name: eu-1, region: eu-west }
defaults: { interval: 30s, timeout: 5s, failure_threshold: 4, success_threshold: 3 }
providers:
  - name: stripe
    title: Stripe
    base_url: https://api.stripe.com/
    fallback: [adyen]
    tags: [payments, critical]
    checks:
      - name: balance
        path: /v1/balance
        headers: { Stripe-Version: "2024-06-20" }
        query: { limit: "3" }
        interval_when_failing: 10s
        expect:
          status: [200, 2xx, 201-204]
          latency: { warn: 800ms, critical: 2s }
          json:
            - { pointer: /object, equals: balance }
            - { pointer: /available, type: array, min_items: 1 }
            - { pointer: /count, equals: "1" }
          headers:
            - { name: Content-Type, matches: "^application/json" }
      - name: charges
        url: https://api.stripe.com/v1/charges
        timeout: 2s
        failure_threshold: 1
  - name: adyen
    base_url: https://checkout.adyen.com
    checks:
      - { name: health, path: /health }
)");
  ASSERT_TRUE(r.ok()) << r.ErrorText();
  const Config& c = *r.config;
  EXPECT_EQ(c.server.listen, "127.0.0.1:9999");
  EXPECT_EQ(c.instance.name, "eu-1");
  ASSERT_EQ(c.providers.size(), 2u);
  const ProviderConfig& p = c.providers[0];
  EXPECT_EQ(p.fallback, std::vector<std::string>{"adyen"});
  const CheckConfig& balance = p.checks[0];
  EXPECT_EQ(balance.url, "https://api.stripe.com/v1/balance");  // no double slash
  EXPECT_EQ(balance.interval, Millis(30'000));
  EXPECT_EQ(balance.timeout, Millis(5'000));
  EXPECT_EQ(balance.failure_threshold, 4);
  EXPECT_EQ(balance.success_threshold, 3);
  EXPECT_EQ(balance.interval_when_failing, Millis(10'000));
  ASSERT_EQ(balance.expect.status.size(), 3u);
  EXPECT_EQ(balance.expect.status[1].low, 200);
  EXPECT_EQ(balance.expect.status[1].high, 299);
  EXPECT_EQ(balance.expect.status[2].low, 201);
  EXPECT_TRUE(balance.expect.status_configured);
  ASSERT_EQ(balance.expect.json.size(), 3u);
  EXPECT_FALSE(balance.expect.json[0].equals->quoted);
  EXPECT_TRUE(balance.expect.json[2].equals->quoted);
  EXPECT_EQ(balance.expect.json[1].pointer.tokens(), std::vector<std::string>{"available"});
  EXPECT_TRUE(balance.expect.headers[0].matches_re != nullptr);
  const CheckConfig& charges = p.checks[1];
  EXPECT_EQ(charges.timeout, Millis(2'000));
  EXPECT_EQ(charges.failure_threshold, 1);
  EXPECT_EQ(charges.success_threshold, 3);
  EXPECT_EQ(c.providers[1].checks[0].expect.status[0].low, 200);  // default 2xx
  EXPECT_FALSE(c.providers[1].checks[0].expect.status_configured);
}

TEST(Loader, SubstitutesEnvFileAndCredentialAndRemembersThemAsSecrets) {
  vigil::testing::TempDir dir;
  dir.Write("secrets/key", "file-secret-value\n");
  dir.Write("creds/api_token", "credential-token-0123456789");
  const LoadResult r = Load(R"(
server: { api_token: "${credential:api_token}" }
providers:
  - name: stripe
    base_url: https://api.stripe.com
    checks:
      - name: balance
        path: /v1/balance
        headers:
          Authorization: Bearer ${env:STRIPE_KEY}
          X-File: ${file:secrets/key}
          X-Literal: "$${env:NOT_SUBSTITUTED}"
)", FakeEnv({{"STRIPE_KEY", "sk_test_123456"}}, dir.File("creds")), dir.path());
  ASSERT_TRUE(r.ok()) << r.ErrorText();
  const auto& h = r.config->providers[0].checks[0].headers;
  EXPECT_EQ(h[0].second, "Bearer sk_test_123456");
  EXPECT_EQ(h[1].second, "file-secret-value");  // trailing newline trimmed
  EXPECT_EQ(h[2].second, "${env:NOT_SUBSTITUTED}");
  EXPECT_EQ(r.config->server.api_token, "credential-token-0123456789");
  const auto& s = r.config->secrets;
  for (const char* secret : {"sk_test_123456", "file-secret-value", "credential-token-0123456789"}) {
    EXPECT_NE(std::find(s.begin(), s.end(), secret), s.end()) << secret;
  }
}

TEST(Loader, RelativePathsResolveAgainstTheConfigFolder) {
  vigil::testing::TempDir dir;
  dir.Write("certs/ca.pem", "not really a cert");
  const LoadResult r = Load(R"(
providers:
  - name: internal
    base_url: https://internal.example
    tls: { ca_file: certs/ca.pem }
    checks: [{ name: health, path: /health }]
)", FakeEnv({}), dir.path());
  ASSERT_TRUE(r.ok()) << r.ErrorText();
  EXPECT_EQ(r.config->providers[0].tls.ca_file, dir.path() + "/certs/ca.pem");
}

TEST(Loader, ReportsEveryErrorSortedByPosition) {
  const LoadResult r = Load(R"(
providers:
  - name: a
    base_url: https://a.example
    checks:
      - { name: x, path: /x, timeout: 5 }
      - { name: y, path: y }
)");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].ToString(),
            "test.yaml:6:39: providers[0].checks[0].timeout: invalid duration \"5\": missing unit (ms, s, m, h or d)");
  EXPECT_EQ(r.errors[1].ToString(), "test.yaml:7:26: providers[0].checks[1].path: must start with '/'");
}

TEST(Loader, AnErrorAboutASubstitutedValueDoesNotQuoteTheSecret) {
  // The config has errors, so no secrets reach a redactor: the message itself must not carry it.
  const LoadResult r = Load(R"(
providers:
  - name: stripe
    base_url: https://api.stripe.com
    auth: { type: bearer, token: "${env:STRIPE_KEY}", expires_at: "${env:STRIPE_EXPIRY}" }
    checks: [{ name: balance, path: "/v1/${env:STRIPE_KEY}", timeout: "${env:STRIPE_KEY}" }]
)", FakeEnv({{"STRIPE_KEY", "sk_live_secret42"}, {"STRIPE_EXPIRY", "not-a-date-secret"}}));
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors.size(), 2u) << r.ErrorText();
  EXPECT_EQ(r.errors[0].ToString(), "test.yaml:5:67: providers[0].auth.expires_at: expected a date (2027-03-01) "
                                    "or an RFC 3339 time, got '***'");
  EXPECT_EQ(r.errors[1].ToString(),
            "test.yaml:6:71: providers[0].checks[0].timeout: invalid duration \"***\" (expected e.g. 250ms, 10s, 5m, "
            "2h, 14d)");
}

TEST(Loader, StatusCodeListedAsExpectedIsNotAnAuthProblem) {
  const LoadResult r = Load(R"(
providers:
  - name: a
    base_url: https://a.example
    checks: [{ name: unauth, path: /x, expect: { status: 401 } }]
)");
  ASSERT_TRUE(r.ok()) << r.ErrorText();
  EXPECT_EQ(r.config->providers[0].checks[0].expect.status[0].low, 401);
}

}  // namespace
}  // namespace vigil::config
