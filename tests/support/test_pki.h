// TestPki: a throw-away certificate authority and the certificates the TLS tests need, made by
// the test itself with OpenSSL (EC P-256, so it is fast), written as PEM files into `dir`.
#pragma once

#include <Poco/Net/Context.h>

#include <chrono>
#include <string>
#include <utility>

namespace vigil::testing {

struct TestPki {
  explicit TestPki(const std::string& dir);

  std::string ca_cert;          // the CA probes trust via tls.ca_file
  std::string leaf_cert;        // SAN: localhost, 127.0.0.1, ::1; valid for 30 days
  std::string leaf_key;
  std::string expired_cert;     // signed by the CA, expired on 2021-01-01
  std::string expired_key;
  std::string self_signed_cert; // not signed by the CA
  std::string self_signed_key;
  std::string client_cert;      // signed by the CA, for mTLS
  std::string client_key;
  std::string other_ca_cert;    // a CA that signed nothing here
  std::string wrong_host_cert;  // signed by the CA, but only for wrong.example
  std::string wrong_host_key;

  // A certificate signed by the CA, valid from a day ago until exactly `not_after` (whole
  // seconds): for localhost/127.0.0.1 (server) or, with `client`, for mTLS. Written as
  // DIR/NAME.pem and DIR/NAME-key.pem; returns {cert, key}.
  std::pair<std::string, std::string> Issue(const std::string& name,
                                            std::chrono::system_clock::time_point not_after,
                                            bool client = false) const;

  // A server context presenting `cert`; when `client_ca` is set, a client certificate signed by
  // it is required.
  static Poco::Net::Context::Ptr ServerContext(const std::string& cert, const std::string& key,
                                               const std::string& client_ca = "");

 private:
  std::string dir_;
  std::string ca_key_;
};

}  // namespace vigil::testing
