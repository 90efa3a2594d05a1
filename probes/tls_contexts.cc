#include "probes/tls_contexts.h"

#include <Poco/Net/PrivateKeyPassphraseHandler.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <ctime>
#include <mutex>

namespace vigil::probes {
namespace {

std::optional<core::WallTime> NotAfter(X509* cert) {
  std::tm tm{};
  if (cert == nullptr || ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

int VerifyCallback(int ok, X509_STORE_CTX* store) {
  TlsVerifyCapture& capture = TlsVerifyCapture::ForThisThread();
  const int depth = X509_STORE_CTX_get_error_depth(store);
  if (depth == 0) {
    if (auto t = NotAfter(X509_STORE_CTX_get_current_cert(store))) capture.leaf_not_after = t;
  }
  if (!ok && capture.error == X509_V_OK) {
    capture.error = X509_STORE_CTX_get_error(store);
    capture.depth = depth;
  }
  return ok;
}

// Called only when the server asks for a client certificate and none is configured: remember it,
// so a rejection after the handshake can be explained, and send none.
int NoClientCertCallback(SSL*, X509**, EVP_PKEY**) {
  TlsVerifyCapture::ForThisThread().client_cert_requested = true;
  return 0;
}

bool IsIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

TlsVerifyCapture& TlsVerifyCapture::ForThisThread() {
  thread_local TlsVerifyCapture capture;
  return capture;
}

std::string DescribeVerifyError(int error) {
  switch (error) {
    case X509_V_ERR_HOSTNAME_MISMATCH: return "hostname mismatch";
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return "IP address mismatch";
    default: return X509_verify_cert_error_string(error);
  }
}

void InitializeTls() {
  static std::once_flag once;
  std::call_once(once, [] {
    Poco::Net::initializeSSL();
    Poco::Net::Context::Params params;
    params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
    Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    Poco::Net::SSLManager::instance().initializeClient(
        nullptr, new Poco::Net::RejectCertificateHandler(false), ctx);
  });
}

TlsContexts::TlsContexts() { InitializeTls(); }

TlsContexts::~TlsContexts() {
  contexts_.clear();
  for (auto& [file, store] : stores_) X509_STORE_free(store);
}

core::Result<X509_STORE*> TlsContexts::Store(const std::string& ca_file) {
  if (auto it = stores_.find(ca_file); it != stores_.end()) return it->second;
  X509_STORE* store = X509_STORE_new();
  const int ok = ca_file.empty() ? X509_STORE_set_default_paths(store)
                                 : X509_STORE_load_file(store, ca_file.c_str());
  if (ok != 1) {
    X509_STORE_free(store);
    return core::Result<X509_STORE*>::Error("cannot load CA certificates from " +
                                            (ca_file.empty() ? std::string("the system store") : ca_file));
  }
  stores_.emplace(ca_file, store);
  return store;
}

core::Result<Poco::Net::Context::Ptr> TlsContexts::Get(const std::string& host,
                                                       const config::TlsConfig& tls) {
  const std::string key = host + '\n' + tls.ca_file + '\n' + tls.client_cert + '\n' +
                          tls.client_key + '\n' + (tls.insecure_skip_verify ? "1" : "0");
  std::lock_guard lock(mu_);
  if (auto it = contexts_.find(key); it != contexts_.end()) return it->second;
  core::Result<Poco::Net::Context::Ptr> made = Make(host, tls);
  if (made.ok()) contexts_.emplace(key, *made);
  return made;
}

core::Result<Poco::Net::Context::Ptr> TlsContexts::Make(const std::string& host,
                                                        const config::TlsConfig& tls) {
  Poco::Net::Context::Params params;
  params.verificationMode =
      tls.insecure_skip_verify ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_STRICT;
  params.loadDefaultCAs = false;
  params.certificateFile = tls.client_cert;
  params.privateKeyFile = tls.client_key;
  Poco::Net::Context::Ptr ctx;
  try {
    ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
    ctx->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
    // OpenSSL checks the host name below; Poco's own later check would only duplicate it.
    ctx->enableExtendedCertificateVerification(false);
  } catch (const Poco::Exception& e) {
    return core::Result<Poco::Net::Context::Ptr>::Error("cannot set up TLS (client certificate or key): " +
                                                        e.displayText());
  }
  core::Result<X509_STORE*> store = Store(tls.ca_file);
  if (!store.ok()) return store.status();
  SSL_CTX* ssl = ctx->sslContext();
  SSL_CTX_set1_cert_store(ssl, *store);
  SSL_CTX_set_verify(ssl, tls.insecure_skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, VerifyCallback);
  if (tls.client_cert.empty()) SSL_CTX_set_client_cert_cb(ssl, NoClientCertCallback);
  if (!tls.insecure_skip_verify) {
    // G-TLS-2: the host name is checked by OpenSSL during chain verification, not by Poco after
    // the handshake, so no timing of the handshake can skip it.
    X509_VERIFY_PARAM* vp = SSL_CTX_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    const int set = IsIpLiteral(host) ? X509_VERIFY_PARAM_set1_ip_asc(vp, host.c_str())
                                      : X509_VERIFY_PARAM_set1_host(vp, host.c_str(), host.size());
    if (set != 1) {
      return core::Result<Poco::Net::Context::Ptr>::Error("cannot set the TLS host name check for " + host);
    }
  }
  return ctx;
}

}  // namespace vigil::probes
