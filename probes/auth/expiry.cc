#include "probes/auth/expiry.h"

#include <Poco/JWT/Token.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <algorithm>
#include <ctime>

#include "daemon/core/duration.h"

namespace vigil::probes::auth {
namespace {

std::optional<core::WallTime> CertificateNotAfter(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return std::nullopt;
  X509* cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  if (cert == nullptr) return std::nullopt;
  std::tm tm{};
  std::optional<core::WallTime> out;
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) == 1) out = std::chrono::system_clock::from_time_t(timegm(&tm));
  X509_free(cert);
  return out;
}

// Whole days beyond two days, whole hours beyond one, else minutes: "in 12d", "in 5h", "in 42m".
core::Millis Rounded(core::Millis d) {
  using std::chrono::hours;
  using std::chrono::minutes;
  if (d >= hours(48)) return std::chrono::duration_cast<hours>(d) / 24 * 24;
  if (d >= hours(1)) return std::chrono::duration_cast<hours>(d);
  return std::chrono::duration_cast<minutes>(d);
}

}  // namespace

std::optional<core::WallTime> JwtExpiry(const std::string& token) {
  if (std::count(token.begin(), token.end(), '.') != 2) return std::nullopt;
  try {
    const Poco::JWT::Token jwt(token);  // parses; the signature is not checked (nor needed)
    if (!jwt.payload().has(Poco::JWT::Token::CLAIM_EXPIRATION)) return std::nullopt;
    return core::FromUnixMillis(jwt.getExpiration().epochMicroseconds() / 1000);
  } catch (...) {  // Poco's message would quote the whole token: say nothing
    return std::nullopt;
  }
}

std::vector<Expiry> StaticExpiries(const config::AuthConfig& auth, const config::TlsConfig& tls) {
  std::vector<Expiry> out;
  if (auth.expires_at) out.push_back({"API key", *auth.expires_at});
  if (auth.type == config::AuthConfig::Type::kBearer) {
    if (auto exp = JwtExpiry(auth.token)) out.push_back({"bearer token (JWT exp)", *exp});
  }
  if (!tls.client_cert.empty()) {
    if (auto t = CertificateNotAfter(tls.client_cert)) out.push_back({"client certificate", *t});
  }
  return out;
}

namespace {

constexpr const char* kServerCertificate = "TLS certificate";

std::string Expired(const Expiry& e, core::WallTime now) {
  const auto ago = std::chrono::duration_cast<core::Millis>(now - e.at);
  return e.what + " expired " + core::FormatDuration(Rounded(ago)) + " ago (" + core::FormatRfc3339(e.at) + ")";
}

}  // namespace

void AddExpiryFindings(const std::vector<Expiry>& expiries, core::WallTime now, core::Millis warn_before,
                       std::vector<Finding>& findings) {
  for (const Expiry& e : expiries) {
    if (e.at - now > warn_before) continue;
    const auto left = std::chrono::duration_cast<core::Millis>(e.at - now);
    if (left.count() <= 0) {
      const bool server = e.what == kServerCertificate;
      findings.push_back({server ? FindingKind::kTls : FindingKind::kAuth, Severity::kCritical, Expired(e, now)});
      continue;
    }
    findings.push_back({FindingKind::kExpiry, Severity::kWarn,
                        e.what + " expires in " + core::FormatDuration(Rounded(left)) + " (" + core::FormatRfc3339(e.at) +
                            "; warn_before " + core::FormatDuration(warn_before) + ")",
                        /*attention=*/true, e.at});
  }
}

std::optional<Finding> ExpiredCredential(const std::vector<Expiry>& expiries, core::WallTime now) {
  for (const Expiry& e : expiries) {
    if (e.what != kServerCertificate && e.at <= now) {
      return Finding{FindingKind::kAuth, Severity::kCritical, Expired(e, now) + "; not sent"};
    }
  }
  return std::nullopt;
}

}  // namespace vigil::probes::auth
