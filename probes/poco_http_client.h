// PocoHttpClient: the production HttpClient. A fresh connection per exchange (so every phase
// is measured), one overall deadline enforced by SocketDeadlines, strict TLS from TlsContexts,
// the body read capped at max_body, redirects followed only when asked. Thread-safe.
#pragma once

#include <atomic>
#include <string>

#include "probes/http_client.h"
#include "probes/resolver.h"
#include "probes/socket_deadlines.h"
#include "probes/tls_contexts.h"

namespace vigil::probes {

class PocoHttpClient final : public HttpClient {
 public:
  PocoHttpClient();
  HttpResponse Execute(const HttpRequest& request) override;
  // Ends every exchange in flight at once, and every later one before it starts (a retry, a
  // delivery attempt); used at shutdown after the drain period.
  void AbortAll();

 private:
  struct Hop {
    std::string method;
    std::string url;
    const config::Headers* headers;
    const std::string* body;
    bool strip_credentials;  // cross-origin redirect: no Authorization or Cookie
  };
  void ExecuteHop(const Hop& hop, const HttpRequest& request, core::SteadyTime deadline,
                  HttpResponse& out);

  std::atomic<bool> aborted_{false};
  Resolver resolver_;
  SocketDeadlines deadlines_;
  TlsContexts tls_;
};

}  // namespace vigil::probes
