// End to end: what the real binary knows about when credentials and certificates stop working,
// and the OAuth2 token request as a check of its own. Local servers on loopback (plain HTTP,
// HTTPS with mTLS on certificates this test issues with chosen notAfter times, a token
// endpoint); everything is read back through the results, GET /api/v1/providers/{name} and
// /metrics, and compared with the times the test put in.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <ctime>
#include <optional>
#include <set>
#include <tuple>

#include "daemon/core/clock.h"
#include "tests/support/daemon_process.h"
#include "tests/support/test_http_server.h"
#include "tests/support/test_pki.h"

namespace vigil {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Resp = Poco::Net::HTTPServerResponse;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::seconds;

void Ok(const testing::RecordedRequest&, Resp& resp) { testing::Reply(resp, 200, "{}"); }

std::string Base64Url(const std::string& s) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  unsigned val = 0;
  int bits = -6;
  for (unsigned char c : s) {
    val = (val << 8) + c;
    bits += 8;
    for (; bits >= 0; bits -= 6) out += k[(val >> bits) & 0x3F];
  }
  if (bits > -6) out += k[((val << 8) >> (bits + 8)) & 0x3F];
  return out;
}

int64_t UnixSeconds(core::WallTime t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

// `t` as RFC 3339 local time at UTC+02:00, the way a user in Berlin might write it.
std::string AtPlusTwo(core::WallTime t) {
  const std::time_t local = std::chrono::system_clock::to_time_t(t + hours(2));
  std::tm tm{};
  gmtime_r(&local, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+02:00", &tm);
  return buf;
}

// The value of one series in Prometheus text, or NaN when absent.
double MetricValue(const std::string& text, const std::string& series) {
  const std::string::size_type at = text.find("\n" + series + " ");
  if (at == std::string::npos) return std::nan("");
  return std::stod(text.substr(at + series.size() + 2));
}

// The newest result of `provider`'s check `check`.
Object::Ptr NewestResult(const testing::DaemonProcess& d, const std::string& provider,
                         const std::string& check) {
  Array::Ptr a = d.GetJson("/api/v1/providers/" + provider + "/results?limit=1&check=" + check)
                     ->getArray("results");
  return a->size() == 0 ? nullptr : a->getObject(0);
}

std::vector<std::string> Findings(const Object::Ptr& result) {
  std::vector<std::string> out;
  Array::Ptr f = result->getArray("findings");
  for (std::size_t i = 0; i < f->size(); ++i) {
    Object::Ptr o = f->getObject(static_cast<unsigned>(i));
    out.push_back(o->getValue<std::string>("kind") + "/" + o->getValue<std::string>("severity") +
                  ": " + o->getValue<std::string>("message"));
  }
  return out;
}

TEST(CredentialsE2E, EveryKindOfExpiryIsAFindingAMetricAndInTheProviderView) {
  testing::TempDir dir;
  testing::TestPki pki(dir.path());
  // Whole seconds (certificates and JWT exp have no finer grain), and half a day past a whole
  // number of days so the "expires in Nd" of the findings is stable while the test runs.
  const core::WallTime now = std::chrono::floor<seconds>(std::chrono::system_clock::now());
  const core::WallTime key_expiry = now + days(5) + hours(12);
  const core::WallTime far_expiry = now + days(30) + hours(12);  // outside warn_before: no finding
  const core::WallTime jwt_expiry = now + days(3) + hours(12);
  const core::WallTime client_expiry = now + days(6) + hours(12);
  const core::WallTime server_expiry = now + days(9) + hours(12);
  const auto [client_cert, client_key] =
      pki.Issue("client-expiring", client_expiry, /*client=*/true);
  const auto [server_cert, server_key] = pki.Issue("server-expiring", server_expiry);
  const std::string jwt =
      Base64Url(R"({"alg":"HS256","typ":"JWT"})") + "." +
      Base64Url("{\"sub\":\"vigil\",\"exp\":" + std::to_string(UnixSeconds(jwt_expiry)) + "}") +
      ".c2lnbmF0dXJl";

  testing::TestHttpServer api(Ok);
  testing::TestHttpServer tls(
      Ok, testing::TestPki::ServerContext(server_cert, server_key, pki.ca_cert));
  testing::DaemonProcess d(dir,
                           "defaults: { interval: 1s, timeout: 800ms }\n"
                           "providers:\n"
                           "  - name: keyed\n    base_url: " +
                               api.url("/k") +
                               "\n"
                               "    auth: { type: header, header: { name: X-Api-Key, value: "
                               "\"${env:KEY}\" }, expires_at: \"" +
                               AtPlusTwo(key_expiry) +
                               "\","
                               " warn_before: 14d }\n"
                               "    checks: [{ name: c, path: /c }]\n"
                               "  - name: far\n    base_url: " +
                               api.url("/f") +
                               "\n"
                               "    auth: { type: header, header: { name: X-Api-Key, value: "
                               "\"${env:KEY}\" }, expires_at: \"" +
                               core::FormatRfc3339(far_expiry) +
                               "\" }\n"
                               "    checks: [{ name: c, path: /c }]\n"
                               "  - name: jwt\n    base_url: " +
                               api.url("/j") +
                               "\n"
                               "    auth: { type: bearer, token: \"${env:JWT}\" }\n"
                               "    checks: [{ name: c, path: /c }]\n"
                               "  - name: mtls\n    base_url: " +
                               tls.url("") +
                               "\n"
                               "    tls: { ca_file: " +
                               pki.ca_cert + ", client_cert: " + client_cert +
                               ", client_key: " + client_key +
                               " }\n"
                               "    checks: [{ name: c, path: /c }]\n",
                           {{"KEY", "key-0123456789"}, {"JWT", jwt}});
  for (const char* p : {"keyed", "far", "jwt", "mtls"}) {
    ASSERT_TRUE(
        testing::Eventually([&] { return NewestResult(d, p, "c") != nullptr; }, seconds(15)))
        << p;
  }

  const auto expect_findings = [&](const std::string& provider,
                                   const std::vector<std::string>& want) {
    SCOPED_TRACE(provider);
    Object::Ptr r = NewestResult(d, provider, "c");
    EXPECT_EQ(r->getValue<int>("status_code"), 200);
    EXPECT_EQ(r->getValue<std::string>("outcome"), "pass");  // an expiry ahead is attention, not health
    EXPECT_EQ(Findings(r), want);
  };
  const auto warning = [](const std::string& what, const std::string& in, core::WallTime at) {
    return "expiry/warn: " + what + " expires in " + in + " (" + core::FormatRfc3339(at) +
           "; warn_before 14d)";
  };
  expect_findings("keyed", {warning("API key", "5d", key_expiry)});
  expect_findings("far", {});
  expect_findings("jwt", {warning("bearer token (JWT exp)", "3d", jwt_expiry)});
  expect_findings("mtls", {warning("client certificate", "6d", client_expiry),
                           warning("TLS certificate", "9d", server_expiry)});
  ASSERT_FALSE(
      tls.requests()
          .empty());  // the mTLS handshake succeeded: the server required the client certificate

  // The provider view: `credentials` and `certificate`, each {not_after, days_left}.
  const auto expect_view =
      [&](const std::string& provider, std::optional<core::WallTime> credentials,
          std::optional<core::WallTime> certificate, int credential_days, int certificate_days) {
        SCOPED_TRACE(provider);
        Object::Ptr p = d.GetJson("/api/v1/providers/" + provider);
        for (const auto& [field, at, days_left] :
             {std::tuple{"credentials", credentials, credential_days},
              std::tuple{"certificate", certificate, certificate_days}}) {
          SCOPED_TRACE(field);
          if (!at) {
            EXPECT_TRUE(p->isNull(field));
            continue;
          }
          Object::Ptr e = p->getObject(field);
          ASSERT_TRUE(e);
          EXPECT_EQ(e->getValue<std::string>("not_after"), core::FormatRfc3339(*at));
          EXPECT_EQ(e->getValue<int>("days_left"), days_left);
        }
      };
  expect_view("keyed", key_expiry, std::nullopt, 5, 0);
  expect_view("far", far_expiry, std::nullopt, 30, 0);
  expect_view("jwt", jwt_expiry, std::nullopt, 3, 0);
  expect_view("mtls", client_expiry, server_expiry, 6, 9);

  // The metrics, in Unix seconds.
  const std::string m = d.Get("/metrics").body;
  const auto series = [](const char* name, const char* provider) {
    return std::string(name) + "{provider=\"" + provider + "\"}";
  };
  const char* kCredential = "vigil_credential_expiry_timestamp_seconds";
  const char* kCertificate = "vigil_certificate_expiry_timestamp_seconds";
  EXPECT_EQ(MetricValue(m, series(kCredential, "keyed")),
            static_cast<double>(UnixSeconds(key_expiry)))
      << m;
  EXPECT_EQ(MetricValue(m, series(kCredential, "far")),
            static_cast<double>(UnixSeconds(far_expiry)));
  EXPECT_EQ(MetricValue(m, series(kCredential, "jwt")),
            static_cast<double>(UnixSeconds(jwt_expiry)));
  EXPECT_EQ(MetricValue(m, series(kCredential, "mtls")),
            static_cast<double>(UnixSeconds(client_expiry)));
  EXPECT_EQ(MetricValue(m, series(kCertificate, "mtls")),
            static_cast<double>(UnixSeconds(server_expiry)));
  EXPECT_TRUE(
      std::isnan(MetricValue(m, series(kCertificate, "keyed"))));  // plain HTTP: no certificate

  d.process().Signal(SIGTERM);
  EXPECT_EQ(d.process().Wait(seconds(10)), 0);
}

// A provider whose checks see different expiries: the metrics, like the provider view, show the
// earliest over its checks — not whichever check happened to report last.
TEST(CredentialsE2E, AProviderWithSeveralChecksShowsTheEarliestExpiryOfThemAll) {
  testing::TempDir dir;
  testing::TestPki pki(dir.path());
  const core::WallTime now = std::chrono::floor<seconds>(std::chrono::system_clock::now());
  const core::WallTime soon_cert = now + days(9) + hours(12);   // the rarely probed check's server
  const core::WallTime later_cert = now + days(20) + hours(12);  // the often probed check's server
  const core::WallTime soon_key = now + days(2) + hours(12);    // the rarely probed check's own key
  const core::WallTime later_key = now + days(5) + hours(12);   // the provider's key
  const auto [soon_cert_file, soon_key_file] = pki.Issue("soon", soon_cert);
  const auto [later_cert_file, later_key_file] = pki.Issue("later", later_cert);
  testing::TestHttpServer often(Ok, testing::TestPki::ServerContext(later_cert_file, later_key_file));
  testing::TestHttpServer rarely(Ok, testing::TestPki::ServerContext(soon_cert_file, soon_key_file));
  testing::DaemonProcess d(
      dir,
      "defaults: { interval: 1s, timeout: 800ms }\n"
      "providers:\n"
      "  - name: mixed\n    base_url: " + often.url("") + "\n    tls: { ca_file: " + pki.ca_cert + " }\n"
      "    auth: { type: bearer, token: \"${env:KEY}\", expires_at: \"" + core::FormatRfc3339(later_key) + "\" }\n"
      "    checks:\n"
      "      - { name: often, path: /o }\n"
      "      - name: rarely\n        url: " + rarely.url("/r") + "\n        interval: 1h\n        timeout: 800ms\n"
      "        auth: { type: bearer, token: \"${env:KEY}\", expires_at: \"" + core::FormatRfc3339(soon_key) + "\" }\n",
      {{"KEY", "key-0123456789"}});
  // The rarely probed check reported once; the often probed one has reported since.
  ASSERT_TRUE(testing::Eventually([&] {
    return NewestResult(d, "mixed", "rarely") != nullptr &&
           d.GetJson("/api/v1/providers/mixed/results?check=often&limit=10")->getArray("results")->size() >= 3;
  }, seconds(15)));
  Object::Ptr p = d.GetJson("/api/v1/providers/mixed");
  EXPECT_EQ(p->getObject("certificate")->getValue<std::string>("not_after"), core::FormatRfc3339(soon_cert));
  EXPECT_EQ(p->getObject("credentials")->getValue<std::string>("not_after"), core::FormatRfc3339(soon_key));
  const std::string m = d.Get("/metrics").body;
  EXPECT_EQ(MetricValue(m, "vigil_certificate_expiry_timestamp_seconds{provider=\"mixed\"}"),
            static_cast<double>(UnixSeconds(soon_cert)));
  EXPECT_EQ(MetricValue(m, "vigil_credential_expiry_timestamp_seconds{provider=\"mixed\"}"),
            static_cast<double>(UnixSeconds(soon_key)));

  d.process().Signal(SIGTERM);
  EXPECT_EQ(d.process().Wait(seconds(10)), 0);
}

// A token endpoint whose answers the test switches: tokens, or a refusal of our credentials.
class TokenEndpoint {
 public:
  std::atomic<bool> refuse{false};
  std::atomic<int> issued{0};
  testing::TestHttpServer server{[this](const testing::RecordedRequest&, Resp& resp) {
    if (refuse) {
      return testing::Reply(
          resp, 401,
          R"({"error":"invalid_client","error_description":"Client authentication failed"})");
    }
    testing::Reply(resp, 200,
                   "{\"access_token\":\"tok-" + std::to_string(++issued) +
                       "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
  }};
};

TEST(CredentialsE2E, TheOAuth2TokenRequestIsACheckNamedAuthInTheApiAndItsResults) {
  TokenEndpoint token;
  std::atomic<bool> revoke{false};  // the API's answer: 401 invalid_token once revoked
  testing::TestHttpServer api([&](const testing::RecordedRequest&, Resp& resp) {
    if (revoke) {
      resp.set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
      return testing::Reply(resp, 401, "{}");
    }
    testing::Reply(resp, 200, "{}");
  });
  testing::TempDir dir;
  const core::WallTime started = std::chrono::system_clock::now();
  testing::DaemonProcess d(
      dir,
      "defaults: { interval: 1s, timeout: 800ms, failure_threshold: 1, success_threshold: 1 }\n"
      "providers:\n  - name: pay\n    base_url: " +
          api.url("") +
          "\n    auth:\n"
          "      type: oauth2_client_credentials\n"
          "      oauth2: { token_url: \"" +
          token.server.url("/oauth/token") +
          "\", client_id: vigil, client_secret: \"${env:CS}\" }\n"
          "    checks: [{ name: balance, path: /balance }]\n",
      {{"CS", "client-secret-0123"}});
  ASSERT_TRUE(testing::Eventually([&] { return d.ProviderState("pay") == "up"; }, seconds(15)));

  // GET /api/v1/providers/pay lists `auth` next to the configured check, with its last result.
  const auto check_view = [&](const std::string& name) -> Object::Ptr {
    Array::Ptr checks = d.GetJson("/api/v1/providers/pay")->getArray("checks");
    for (std::size_t i = 0; i < checks->size(); ++i) {
      Object::Ptr c = checks->getObject(static_cast<unsigned>(i));
      if (c->getValue<std::string>("name") == name) return c;
    }
    return nullptr;
  };
  ASSERT_TRUE(check_view("balance"));
  Object::Ptr auth = check_view("auth");
  ASSERT_TRUE(auth) << d.Get("/api/v1/providers/pay").body;
  EXPECT_EQ(auth->getValue<std::string>("state"), "up");
  Object::Ptr last = auth->getObject("last_result");
  ASSERT_TRUE(last);
  EXPECT_EQ(last->getValue<std::string>("check"), "auth");
  EXPECT_EQ(last->getValue<std::string>("outcome"), "pass");
  EXPECT_EQ(last->getValue<int>("status_code"), 200);
  // ...and its results, filtered by check and unfiltered.
  Array::Ptr results = d.GetJson("/api/v1/providers/pay/results?check=auth")->getArray("results");
  ASSERT_EQ(results->size(), 1u);  // one token, cached for the hour
  EXPECT_EQ(results->getObject(0)->getValue<std::string>("check"), "auth");
  EXPECT_EQ(token.issued.load(), 1);
  Array::Ptr all = d.GetJson("/api/v1/providers/pay/results?limit=1000")->getArray("results");
  std::set<std::string> checks_seen;
  for (std::size_t i = 0; i < all->size(); ++i)
    checks_seen.insert(all->getObject(static_cast<unsigned>(i))->getValue<std::string>("check"));
  EXPECT_EQ(checks_seen, (std::set<std::string>{"auth", "balance"}));
  // The token's life (expires_in 3600) is the provider's credential expiry. RFC 3339 in UTC with
  // fixed width compares as text.
  Object::Ptr credentials = d.GetJson("/api/v1/providers/pay")->getObject("credentials");
  ASSERT_TRUE(credentials);
  EXPECT_EQ(credentials->getValue<int>("days_left"), 0);
  const std::string token_expiry = credentials->getValue<std::string>("not_after");
  EXPECT_GE(token_expiry, core::FormatRfc3339(started + hours(1) - seconds(1)));
  EXPECT_LE(token_expiry, core::FormatRfc3339(std::chrono::system_clock::now() + hours(1)));

  // The API revokes the token and the token endpoint refuses our client credentials: the
  // refusal is the `auth` check's result (an `auth` finding), and it is why the provider is down.
  token.refuse = true;
  revoke = true;
  ASSERT_TRUE(testing::Eventually([&] { return d.ProviderState("pay") == "down"; }, seconds(15)));
  ASSERT_TRUE(testing::Eventually(
      [&] {
        Object::Ptr r = NewestResult(d, "pay", "auth");
        return r && r->getValue<std::string>("outcome") == "fail";
      },
      seconds(15)));
  const std::string refused =
      "auth/critical: token request refused (401 Unauthorized): invalid_client (Client "
      "authentication failed)";
  EXPECT_EQ(Findings(NewestResult(d, "pay", "auth")), std::vector<std::string>{refused});
  auth = check_view("auth");
  EXPECT_EQ(auth->getValue<std::string>("state"), "down");
  EXPECT_EQ(Findings(auth->getObject("last_result")), std::vector<std::string>{refused});
  Array::Ptr reasons = d.GetJson("/api/v1/providers/pay")->getArray("reasons");
  bool auth_reason = false;
  for (std::size_t i = 0; i < reasons->size(); ++i) {
    Object::Ptr r = reasons->getObject(static_cast<unsigned>(i));
    auth_reason |=
        r->getValue<std::string>("check") == "auth" && r->getValue<std::string>("kind") == "auth";
  }
  EXPECT_TRUE(auth_reason) << d.Get("/api/v1/providers/pay").body;
  const std::string m = d.Get("/metrics").body;
  EXPECT_NE(m.find("vigil_probes_total{check=\"auth\",outcome=\"fail\",provider=\"pay\"}"),
            std::string::npos)
      << m;

  d.process().Signal(SIGTERM);
  EXPECT_EQ(d.process().Wait(seconds(10)), 0);
}

}  // namespace
}  // namespace vigil
