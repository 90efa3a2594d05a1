#include "tests/support/test_pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <vector>

namespace vigil::testing {
namespace {

struct Issued {
  X509* cert = nullptr;
  EVP_PKEY* key = nullptr;
};

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("TestPki: ") + what);
}

void AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  Check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// `not_before`/`not_after` are offsets in seconds from now; `absolute_end`, when set, is the
// notAfter as Unix seconds instead.
Issued Make(const char* cn, const Issued* issuer, long not_before, long not_after, const char* san,
            bool ca, bool client = false, std::optional<std::time_t> absolute_end = std::nullopt) {
  static long serial = 1;
  Issued out;
  out.key = EVP_EC_gen("P-256");
  Check(out.key != nullptr, "key");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), not_before);
  if (absolute_end) {
    Check(ASN1_TIME_set(X509_getm_notAfter(x), *absolute_end) != nullptr, "notAfter");
  } else {
    X509_gmtime_adj(X509_getm_notAfter(x), not_after);
  }
  X509_set_pubkey(x, out.key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer->cert) : name);
  X509* issuer_cert = issuer ? issuer->cert : x;
  AddExt(x, issuer_cert, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  AddExt(x, issuer_cert, NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
  if (!ca) AddExt(x, issuer_cert, NID_ext_key_usage, client ? "clientAuth" : "serverAuth");
  if (san) AddExt(x, issuer_cert, NID_subject_alt_name, san);
  AddExt(x, issuer_cert, NID_subject_key_identifier, "hash");
  Check(X509_sign(x, issuer ? issuer->key : out.key, EVP_sha256()) > 0, "sign");
  out.cert = x;
  return out;
}

std::string WriteCert(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  Check(f != nullptr && PEM_write_X509(f, cert) == 1, "write cert");
  std::fclose(f);
  return path;
}

std::string WriteKey(const std::string& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  Check(f != nullptr && PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "write key");
  std::fclose(f);
  return path;
}

void Free(Issued& i) {
  X509_free(i.cert);
  EVP_PKEY_free(i.key);
}

}  // namespace

TestPki::TestPki(const std::string& dir) : dir_(dir) {
  constexpr long kDay = 86400;
  const char* kSan = "DNS:localhost,IP:127.0.0.1,IP:::1";
  Issued ca = Make("Vigil Test CA", nullptr, -kDay, 3650 * kDay, nullptr, true);
  Issued leaf = Make("localhost", &ca, -kDay, 30 * kDay, kSan, false);
  // Expired: valid 2020-01-01 .. 2021-01-01, as seen from now.
  const long since_2020 = static_cast<long>(std::time(nullptr)) - 1577836800L;
  Issued expired = Make("localhost", &ca, -since_2020, -(since_2020 - 366 * kDay), kSan, false);
  Issued self = Make("localhost", nullptr, -kDay, 30 * kDay, kSan, false);
  Issued client = Make("vigil-client", &ca, -kDay, 30 * kDay, nullptr, false, true);
  Issued other = Make("Other CA", nullptr, -kDay, 3650 * kDay, nullptr, true);
  Issued wrong = Make("wrong.example", &ca, -kDay, 30 * kDay, "DNS:wrong.example", false);
  ca_cert = WriteCert(dir + "/ca.pem", ca.cert);
  ca_key_ = WriteKey(dir + "/ca-key.pem", ca.key);
  leaf_cert = WriteCert(dir + "/leaf.pem", leaf.cert);
  leaf_key = WriteKey(dir + "/leaf-key.pem", leaf.key);
  expired_cert = WriteCert(dir + "/expired.pem", expired.cert);
  expired_key = WriteKey(dir + "/expired-key.pem", expired.key);
  self_signed_cert = WriteCert(dir + "/self.pem", self.cert);
  self_signed_key = WriteKey(dir + "/self-key.pem", self.key);
  client_cert = WriteCert(dir + "/client.pem", client.cert);
  client_key = WriteKey(dir + "/client-key.pem", client.key);
  other_ca_cert = WriteCert(dir + "/other-ca.pem", other.cert);
  wrong_host_cert = WriteCert(dir + "/wrong-host.pem", wrong.cert);
  wrong_host_key = WriteKey(dir + "/wrong-host-key.pem", wrong.key);
  for (Issued* i : {&ca, &leaf, &expired, &self, &client, &other, &wrong}) Free(*i);
}

std::pair<std::string, std::string> TestPki::Issue(const std::string& name,
                                                   std::chrono::system_clock::time_point not_after,
                                                   bool client) const {
  Issued ca;
  FILE* f = std::fopen(ca_cert.c_str(), "r");
  Check(f != nullptr, "read CA");
  ca.cert = PEM_read_X509(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  f = std::fopen(ca_key_.c_str(), "r");
  Check(f != nullptr, "read CA key");
  ca.key = PEM_read_PrivateKey(f, nullptr, nullptr, nullptr);
  std::fclose(f);
  Check(ca.cert != nullptr && ca.key != nullptr, "parse CA");
  Issued leaf = Make(client ? "vigil-client" : "localhost", &ca, -86400, 0,
                     client ? nullptr : "DNS:localhost,IP:127.0.0.1,IP:::1", false, client,
                     std::chrono::system_clock::to_time_t(not_after));
  std::pair<std::string, std::string> out{WriteCert(dir_ + "/" + name + ".pem", leaf.cert),
                                          WriteKey(dir_ + "/" + name + "-key.pem", leaf.key)};
  Free(leaf);
  Free(ca);
  return out;
}

Poco::Net::Context::Ptr TestPki::ServerContext(const std::string& cert, const std::string& key,
                                               const std::string& client_ca) {
  Poco::Net::Context::Params p;
  p.certificateFile = cert;
  p.privateKeyFile = key;
  p.caLocation = client_ca;
  p.verificationMode = client_ca.empty() ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_STRICT;
  Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, p);
  // Poco's server would otherwise match the client certificate against the client's address.
  ctx->enableExtendedCertificateVerification(false);
  return ctx;
}

}  // namespace vigil::testing
