// Strict TLS against real TLS servers on loopback, with certificates the test makes itself.
// Every bad certificate is a `tls` finding — including when the handshake is slow — and a
// stalled handshake is a `timeout` bounded by the check's timeout.
#include <gtest/gtest.h>

#include "probes/poco_http_client.h"
#include "tests/support/raw_server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_http_server.h"
#include "tests/support/test_pki.h"

namespace vigil::probes {
namespace {

using Clock = std::chrono::steady_clock;
using testing::TestPki;

void Ok(const testing::RecordedRequest&, Poco::Net::HTTPServerResponse& resp) { testing::Reply(resp, 200, "{}"); }

class TlsTest : public ::testing::Test {
 protected:
  HttpResponse Get(const std::string& url, config::TlsConfig tls, core::Millis timeout = core::Millis(3000)) {
    HttpRequest r;
    r.url = url;
    r.tls = std::move(tls);
    r.timeout = timeout;
    return client_.Execute(r);
  }
  config::TlsConfig TrustCa() { return {pki_.ca_cert, "", "", false}; }
  static std::string Https(uint16_t port, const std::string& host = "127.0.0.1") {
    return "https://" + host + ":" + std::to_string(port) + "/";
  }

  testing::TempDir dir_;
  TestPki pki_{dir_.path()};
  PocoHttpClient client_;
};

TEST_F(TlsTest, AValidCertificateSignedByTheConfiguredCaPasses) {
  testing::TestHttpServer server(Ok, TestPki::ServerContext(pki_.leaf_cert, pki_.leaf_key));
  for (const char* host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    const HttpResponse r = Get(Https(server.port(), host), TrustCa());
    ASSERT_EQ(r.error, TransportError::kNone) << r.error_message;
    EXPECT_EQ(r.status, 200);
    EXPECT_GT(r.phases.tls_ms, 0);
    ASSERT_TRUE(r.cert_not_after.has_value());
    const auto days = std::chrono::duration_cast<std::chrono::hours>(*r.cert_not_after - std::chrono::system_clock::now()).count() / 24;
    EXPECT_NEAR(static_cast<double>(days), 30, 1);
  }
}

TEST_F(TlsTest, BadCertificatesAreTlsFindings) {
  const struct {
    const char* name;
    std::string cert, key;
    config::TlsConfig tls;
    std::string host;
    std::string message;
  } cases[] = {
      {"expired", pki_.expired_cert, pki_.expired_key, TrustCa(), "127.0.0.1",
       "TLS certificate verification failed: certificate has expired (notAfter 2021-01-0"},
      {"self-signed", pki_.self_signed_cert, pki_.self_signed_key, TrustCa(), "127.0.0.1",
       "TLS certificate verification failed: self-signed certificate"},
      {"unknown CA (system store)", pki_.leaf_cert, pki_.leaf_key, {}, "127.0.0.1",
       "TLS certificate verification failed: unable to get local issuer certificate"},
      {"other CA", pki_.leaf_cert, pki_.leaf_key, {pki_.other_ca_cert, "", "", false}, "127.0.0.1",
       "TLS certificate verification failed: unable to get local issuer certificate"},
      {"wrong IP", pki_.wrong_host_cert, pki_.wrong_host_key, TrustCa(), "127.0.0.1",
       "TLS certificate verification failed: IP address mismatch"},
      {"wrong host name", pki_.wrong_host_cert, pki_.wrong_host_key, TrustCa(), "localhost",
       "TLS certificate verification failed: hostname mismatch"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    testing::TestHttpServer server(Ok, TestPki::ServerContext(c.cert, c.key));
    const HttpResponse r = Get(Https(server.port(), c.host), c.tls);
    EXPECT_EQ(r.error, TransportError::kTls) << r.error_message;
    EXPECT_EQ(r.error_phase, "tls");
    EXPECT_EQ(r.error_message.rfind(c.message, 0), 0u) << r.error_message;
    EXPECT_EQ(r.status, 0);
    EXPECT_TRUE(server.requests().empty());  // no request ever reached the impostor
  }
}

TEST_F(TlsTest, AWrongHostIsRejectedEvenWhenTheHandshakeIsSlow) {
  // G-TLS-2: a handshake finishing late must still be checked for the host name.
  testing::TestHttpServer server(Ok, TestPki::ServerContext(pki_.wrong_host_cert, pki_.wrong_host_key));
  testing::RawServer proxy(testing::DelayProxy(server.port(), std::chrono::milliseconds(1500)));
  const HttpResponse r = Get(Https(proxy.port()), TrustCa(), core::Millis(4000));
  EXPECT_EQ(r.error, TransportError::kTls) << r.error_message;
  EXPECT_EQ(r.error_message, "TLS certificate verification failed: IP address mismatch");
  EXPECT_TRUE(server.requests().empty());
}

TEST_F(TlsTest, ASlowButValidHandshakeStillPasses) {
  testing::TestHttpServer server(Ok, TestPki::ServerContext(pki_.leaf_cert, pki_.leaf_key));
  testing::RawServer proxy(testing::DelayProxy(server.port(), std::chrono::milliseconds(1500)));
  const HttpResponse r = Get(Https(proxy.port()), TrustCa(), core::Millis(4000));
  ASSERT_EQ(r.error, TransportError::kNone) << r.error_message;
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(r.phases.tls_ms, 1400);
}

TEST_F(TlsTest, AHandshakeSlowerThanTheTimeoutIsATimeoutNeverAPass) {
  testing::TestHttpServer server(Ok, TestPki::ServerContext(pki_.wrong_host_cert, pki_.wrong_host_key));
  testing::RawServer proxy(testing::DelayProxy(server.port(), std::chrono::milliseconds(2500)));
  const auto start = Clock::now();
  const HttpResponse r = Get(Https(proxy.port()), TrustCa(), core::Millis(1000));
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1600));
  EXPECT_EQ(r.error, TransportError::kTimeout) << r.error_message;
  EXPECT_EQ(r.error_phase, "tls");
  EXPECT_EQ(r.status, 0);
}

TEST_F(TlsTest, AStalledHandshakeIsBoundedByTheTimeout) {
  testing::RawServer stall(testing::Stall());
  const auto start = Clock::now();
  const HttpResponse r = Get(Https(stall.port()), TrustCa(), core::Millis(1000));
  EXPECT_LT(Clock::now() - start, std::chrono::milliseconds(1600));
  EXPECT_EQ(r.error, TransportError::kTimeout) << r.error_message;
  EXPECT_EQ(r.error_message, "no complete response within 1s: timed out during the TLS handshake");
}

TEST_F(TlsTest, InsecureSkipVerifyAcceptsButStillRecordsTheExpiry) {
  testing::TestHttpServer server(Ok, TestPki::ServerContext(pki_.self_signed_cert, pki_.self_signed_key));
  const HttpResponse r = Get(Https(server.port()), {"", "", "", true});
  ASSERT_EQ(r.error, TransportError::kNone) << r.error_message;
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.cert_not_after.has_value());
}

TEST_F(TlsTest, MutualTls) {
  testing::TestHttpServer server(Ok, TestPki::ServerContext(pki_.leaf_cert, pki_.leaf_key, pki_.ca_cert));
  const HttpResponse without = Get(Https(server.port()), TrustCa());
  EXPECT_EQ(without.error, TransportError::kTls) << without.error_message;
  EXPECT_EQ(without.error_message.rfind("the server asked for a client certificate (mTLS) and none is configured", 0), 0u)
      << without.error_message;
  EXPECT_TRUE(server.requests().empty());
  const HttpResponse with = Get(Https(server.port()), {pki_.ca_cert, pki_.client_cert, pki_.client_key, false});
  ASSERT_EQ(with.error, TransportError::kNone) << with.error_message;
  EXPECT_EQ(with.status, 200);
}

TEST_F(TlsTest, AnUnusableClientKeyIsATlsFinding) {
  testing::TestHttpServer server(Ok, TestPki::ServerContext(pki_.leaf_cert, pki_.leaf_key));
  const std::string junk = dir_.Write("junk-key.pem", "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n");
  const HttpResponse r = Get(Https(server.port()), {pki_.ca_cert, pki_.client_cert, junk, false});
  EXPECT_EQ(r.error, TransportError::kTls);
  EXPECT_EQ(r.error_message.rfind("cannot set up TLS (client certificate or key)", 0), 0u) << r.error_message;
}

}  // namespace
}  // namespace vigil::probes
