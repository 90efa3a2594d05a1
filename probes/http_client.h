// HttpClient: one HTTP(S) exchange with a hard deadline, measured phase by phase. Transport
// failures (DNS, refused, reset, timeout, TLS) are returned as data in HttpResponse::error,
// never thrown. Implementations must be safe to call from many worker threads at once.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "daemon/core/clock.h"

namespace vigil::probes {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute http:// or https:// URL, query included
  config::Headers headers;
  std::string body;
  core::Millis timeout{10'000};  // the whole exchange, every phase included, in real time
  std::size_t max_body = 1024 * 1024;
  int max_redirects = 0;
  config::TlsConfig tls;
  // Headers carrying credentials: never sent on a redirect to another origin (Authorization and
  // Cookie never are, listed or not).
  std::vector<std::string> credential_headers;
};

// Milliseconds spent in each phase; 0 for a phase that was not reached or not needed.
struct Phases {
  double dns_ms = 0;
  double connect_ms = 0;
  double tls_ms = 0;
  double ttfb_ms = 0;      // request sent -> response headers received
  double transfer_ms = 0;  // body read
  double total_ms = 0;
};

enum class TransportError { kNone, kNetwork, kTimeout, kTls };

struct HttpResponse {
  TransportError error = TransportError::kNone;
  std::string error_message;  // one line, for the finding
  std::string error_phase;    // dns, connect, tls, ttfb, transfer

  int status = 0;
  std::string reason;
  config::Headers headers;  // as received, in order
  std::string body;         // at most max_body bytes
  bool body_truncated = false;
  Phases phases;
  std::optional<core::WallTime> cert_not_after;  // the leaf's notAfter, for https
  std::string remote_address;
  int redirects = 0;

  // First header with this name (case-insensitive), or nullptr.
  const std::string* Header(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual HttpResponse Execute(const HttpRequest& request) = 0;
};

}  // namespace vigil::probes
