// The pure parts of auth: WWW-Authenticate, token responses, expiry findings.
#include <gtest/gtest.h>

#include "probes/auth/expiry.h"
#include "probes/auth/oauth2_token_source.h"
#include "probes/auth/www_authenticate.h"
#include "tests/fakes/fake_http_client.h"

namespace vigil::probes::auth {
namespace {

TEST(WwwAuthenticate, ParsesChallengesAndParams) {
  const auto c = ParseWwwAuthenticate(
      "Bearer realm=\"example\", error=\"invalid_token\", error_description=\"The access token expired\", "
      "Basic realm=\"x\", Negotiate abc123==");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].params.at("error"), "invalid_token");
  EXPECT_EQ(c[0].params.at("error_description"), "The access token expired");
  EXPECT_EQ(c[1].scheme, "basic");
  EXPECT_EQ(c[1].params.at("realm"), "x");
  EXPECT_EQ(c[2].scheme, "negotiate");
}

TEST(WwwAuthenticate, GarbageIsToleratedNotFatal) {
  for (const char* bad : {"", ",,,", "=", "Bearer =\"", "Bearer error=\"unterminated", "\"\"\"", "Bearer a=b=c,,=",
                          "\x01\x02\xff"}) {
    SCOPED_TRACE(bad);
    ParseWwwAuthenticate(bad);  // must not crash or hang
  }
  EXPECT_EQ(ParseWwwAuthenticate(std::string(100000, ',') + "Bearer")[0].scheme, "bearer");
}

TEST(WwwAuthenticate, DescribesRfc6750Errors) {
  const struct {
    int status;
    const char* reason;
    const char* header;
    const char* message;
  } cases[] = {
      {401, "Unauthorized", nullptr, "401 Unauthorized: the provider rejected our credentials"},
      {401, "Unauthorized", "Bearer error=\"invalid_token\", error_description=\"The access token expired\"",
       "401 Unauthorized: the provider rejected our credentials: invalid_token (The access token expired)"},
      {403, "Forbidden", "Bearer error=\"insufficient_scope\", scope=\"balance:read\"",
       "403 Forbidden: the provider rejected our credentials: insufficient_scope; needs scope \"balance:read\""},
      {401, "", "Basic realm=\"api\"", "401: the provider rejected our credentials"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.message);
    const std::string header = c.header ? c.header : "";
    EXPECT_EQ(DescribeAuthFailure(c.status, c.reason, c.header ? &header : nullptr), c.message);
  }
}

// A JWT (unsigned is fine: the signature is never checked) with the given payload.
std::string Jwt(const std::string& payload_json) {
  const auto b64url = [](const std::string& s) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    int val = 0, bits = -6;
    for (unsigned char c : s) {
      val = (val << 8) + c;
      bits += 8;
      while (bits >= 0) {
        out += k[(val >> bits) & 0x3F];
        bits -= 6;
      }
    }
    if (bits > -6) out += k[((val << 8) >> (bits + 8)) & 0x3F];
    return out;
  };
  return b64url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + b64url(payload_json) + ".sig";
}

TEST(TokenResponse, ClassifiesEveryOutcome) {
  const core::WallTime now = core::FromUnixMillis(1'800'000'000'000);
  const struct {
    int status;
    std::string body;
    std::string finding;  // "" = success
  } cases[] = {
      {200, R"({"access_token":"tok-1","token_type":"Bearer","expires_in":60})", ""},
      {200, R"({"access_token":"tok-1","token_type":"bearer"})", ""},
      {200, R"({"access_token":"","token_type":"Bearer"})", "assertion: token response has no access_token (RFC 6749 §5.1)"},
      {200, R"({"token_type":"Bearer"})", "assertion: token response has no access_token (RFC 6749 §5.1)"},
      {200, R"({"access_token":"t","token_type":"mac"})", "assertion: token_type is \"mac\", expected Bearer"},
      {200, R"({"access_token":"t","expires_in":-5})", "assertion: expires_in is not a positive number of seconds"},
      {200, R"({"access_token":"t","expires_in":"soon"})", "assertion: expires_in is not a positive number of seconds"},
      {200, "<html>oops</html>", "assertion: token response is not a JSON object (RFC 6749 §5.1): the body is not valid JSON: "},
      {200, "[1,2]", "assertion: token response is not a JSON object (RFC 6749 §5.1): got an array of 2 items"},
      {401, R"({"error":"invalid_client","error_description":"Client authentication failed"})",
       "auth: token request refused (401 Unauthorized): invalid_client (Client authentication failed)"},
      {400, R"({"error":"invalid_scope"})", "auth: token request refused (400 Bad Request): invalid_scope"},
      {400, R"({"error":"unauthorized_client"})", "auth: token request refused (400 Bad Request): unauthorized_client"},
      {400, "bad", "status: token endpoint answered 400 Bad Request"},
      {503, "down", "status: token endpoint answered 503 Service Unavailable"},
      {429, "{}", "quota: token endpoint rate limited us (429 Too Many Requests)"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.body);
    HttpResponse r = vigil::testing::Response(c.status, c.body);
    r.reason = c.status == 200 ? "OK" : c.status == 401 ? "Unauthorized" : c.status == 400 ? "Bad Request"
             : c.status == 503 ? "Service Unavailable" : "Too Many Requests";
    std::optional<OAuth2TokenSource::Token> token;
    std::vector<Finding> findings;
    JudgeTokenResponse(r, now, token, findings);
    if (c.finding.empty()) {
      ASSERT_TRUE(token.has_value());
      EXPECT_TRUE(findings.empty());
    } else {
      EXPECT_FALSE(token.has_value());
      ASSERT_EQ(findings.size(), 1u);
      const std::string got = std::string(FindingKindName(findings[0].kind)) + ": " + findings[0].message;
      EXPECT_EQ(got.substr(0, c.finding.size()), c.finding);
      EXPECT_EQ(findings[0].severity, Severity::kCritical);
    }
  }
}

TEST(TokenResponse, LifetimeIsTheSoonerOfExpiresInAndJwtExp) {
  const core::WallTime now = core::FromUnixMillis(1'800'000'000'000);
  std::optional<OAuth2TokenSource::Token> token;
  std::vector<Finding> findings;
  // exp 30 s from now; expires_in says an hour.
  const std::string jwt = Jwt("{\"exp\":" + std::to_string(1'800'000'030) + "}");
  JudgeTokenResponse(vigil::testing::Response(200, "{\"access_token\":\"" + jwt + "\",\"expires_in\":3600}"), now, token, findings);
  ASSERT_TRUE(token);
  EXPECT_EQ(token->expires, now + std::chrono::seconds(30));
  JudgeTokenResponse(vigil::testing::Response(200, R"({"access_token":"opaque","expires_in":120})"), now, token, findings);
  EXPECT_EQ(token->expires, now + std::chrono::seconds(120));
  EXPECT_EQ(JwtExpiry(jwt), now + std::chrono::seconds(30));
  EXPECT_FALSE(JwtExpiry("not.a.jwt").has_value());
  EXPECT_FALSE(JwtExpiry(Jwt("{\"sub\":\"x\"}")).has_value());
}

TEST(Expiry, AheadIsAttentionInsideWarnBeforeOnlyAndPastIsHealth) {
  const core::WallTime now = core::FromUnixMillis(1'800'000'000'000);
  const std::vector<Expiry> expiries = {
      {"API key", now + std::chrono::hours(24 * 30)},
      {"client certificate", now + std::chrono::hours(24 * 5)},
      {"TLS certificate", now + std::chrono::minutes(42)},
      {"bearer token (JWT exp)", now - std::chrono::hours(3)},
  };
  std::vector<Finding> findings;
  AddExpiryFindings(expiries, now, core::Millis(14LL * 86'400'000), findings);
  ASSERT_EQ(findings.size(), 3u);
  for (int i : {0, 1}) {
    EXPECT_EQ(findings[i].kind, FindingKind::kExpiry);
    EXPECT_EQ(findings[i].severity, Severity::kWarn);
    EXPECT_TRUE(findings[i].attention);
  }
  EXPECT_EQ(findings[0].message.rfind("client certificate expires in 5d (", 0), 0u) << findings[0].message;
  EXPECT_EQ(findings[1].message.rfind("TLS certificate expires in 42m (", 0), 0u) << findings[1].message;
  // An expired credential is `auth`, critical, and counts for health (SPEC §3).
  EXPECT_EQ(findings[2].kind, FindingKind::kAuth);
  EXPECT_EQ(findings[2].severity, Severity::kCritical);
  EXPECT_FALSE(findings[2].attention);
  EXPECT_EQ(findings[2].message.rfind("bearer token (JWT exp) expired 3h ago (", 0), 0u) << findings[2].message;
  EXPECT_EQ(OutcomeOf(findings), Outcome::kFail);
  findings.pop_back();
  EXPECT_EQ(OutcomeOf(findings), Outcome::kPass) << "attention alone is no warning";
}

TEST(Expiry, AnExpiredServerCertificateIsTlsAndOnlyCredentialsStopTheRequest) {
  const core::WallTime now = core::FromUnixMillis(1'800'000'000'000);
  std::vector<Finding> findings;
  AddExpiryFindings({{"TLS certificate", now - std::chrono::hours(50)}}, now, core::Millis(86'400'000), findings);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].kind, FindingKind::kTls);
  EXPECT_EQ(findings[0].severity, Severity::kCritical);
  EXPECT_FALSE(ExpiredCredential({{"TLS certificate", now - std::chrono::hours(50)}}, now));
  EXPECT_FALSE(ExpiredCredential({{"API key", now + std::chrono::hours(1)}}, now));
  const std::optional<Finding> dead = ExpiredCredential({{"API key", now + std::chrono::hours(1)}, {"API key", now - std::chrono::hours(49)}}, now);
  ASSERT_TRUE(dead);
  EXPECT_EQ(dead->kind, FindingKind::kAuth);
  EXPECT_EQ(dead->severity, Severity::kCritical);
  EXPECT_EQ(dead->message.rfind("API key expired 2d ago (", 0), 0u) << dead->message;
  EXPECT_NE(dead->message.find("; not sent"), std::string::npos) << dead->message;
}

}  // namespace
}  // namespace vigil::probes::auth
