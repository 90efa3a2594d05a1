// HttpServer: the daemon's listener. One thread waits, in epoll, on every connection between
// requests; only a connection whose whole request has arrived goes to one of `threads` workers,
// which answers it on Poco's HTTP session classes (so that every error — a malformed request
// line, headers too large, a body too big, a client too slow — is a JSON error as SPEC §5 asks)
// and hands the connection back for its next request. Idle and slow clients hold no worker;
// beyond `max_connections` the longest-idle connection is closed; a request that is not whole
// within `read_deadline` of its first byte gets a 408; an idle one goes after `keep_alive`.
// Probing runs on other threads and is never held up by the listener.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <functional>
#include <memory>
#include <string>

#include "daemon/core/status.h"
#include "probes/socket_deadlines.h"

namespace vigil::daemon::http {

using Handler = std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

struct ServerOptions {
  int threads = 8;             // workers answering whole requests
  int queue = 64;              // the kernel's accept backlog
  int max_connections = 1024;  // open at once; beyond it the longest-idle one is closed
  std::chrono::milliseconds read_deadline{10'000};  // one request, line to last body byte
  std::chrono::milliseconds keep_alive{5'000};
  std::size_t max_body = 64 * 1024;
};

class HttpServer {
 public:
  static core::Result<std::unique_ptr<HttpServer>> Start(const std::string& listen, Handler handler,
                                                         const ServerOptions& options = {});
  ~HttpServer();
  void Stop();
  uint16_t port() const { return port_; }

 private:
  class Loop;
  HttpServer() = default;
  std::unique_ptr<Loop> loop_;
  uint16_t port_ = 0;
};

// Writes {"error": code, "detail": detail} with `status`.
void SendError(Poco::Net::HTTPServerResponse& resp, int status, const std::string& code, const std::string& detail);
void SendJson(Poco::Net::HTTPServerResponse& resp, int status, const std::string& body);

}  // namespace vigil::daemon::http
