// TlsContexts: the OpenSSL client contexts probes use, one per (host, TLS settings), cached.
// Each context is strict by construction (TOOLCHAIN.md §5.5): OpenSSL itself checks the host
// name during chain verification (so a handshake that finishes late, inside the first write,
// is still checked), Poco's console certificate prompt is never installed, TLS 1.2 is the
// floor, and CA stores are shared between contexts to keep memory per target small.
// Verification errors are captured per thread for the finding's message. Thread-safe.
#pragma once

#include <Poco/Net/Context.h>

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "config/config.h"
#include "daemon/core/clock.h"
#include "daemon/core/status.h"

typedef struct x509_store_st X509_STORE;

namespace vigil::probes {

// What the verify callback saw during the last handshake on this thread.
struct TlsVerifyCapture {
  int error = 0;  // X509_V_OK when none
  int depth = -1;
  std::optional<core::WallTime> leaf_not_after;
  bool client_cert_requested = false;  // the server asked for one and none is configured
  static TlsVerifyCapture& ForThisThread();
  void Reset() { *this = TlsVerifyCapture(); }
};

class TlsContexts {
 public:
  TlsContexts();
  ~TlsContexts();
  TlsContexts(const TlsContexts&) = delete;
  TlsContexts& operator=(const TlsContexts&) = delete;

  core::Result<Poco::Net::Context::Ptr> Get(const std::string& host, const config::TlsConfig& tls);

 private:
  core::Result<X509_STORE*> Store(const std::string& ca_file);  // REQUIRES: mu_ held
  core::Result<Poco::Net::Context::Ptr> Make(const std::string& host, const config::TlsConfig& tls);

  std::mutex mu_;
  std::map<std::string, Poco::Net::Context::Ptr> contexts_;  // GUARDED_BY(mu_)
  std::map<std::string, X509_STORE*> stores_;               // GUARDED_BY(mu_); "" = system
};

// Process-wide OpenSSL/Poco set-up: installs a rejecting certificate handler so Poco can never
// prompt on the console (G-TLS-3). Idempotent and thread-safe.
void InitializeTls();

std::string DescribeVerifyError(int error);

}  // namespace vigil::probes
