// HttpServer: the daemon's listener. Poco's TCPServer gives a bounded pool of connection
// threads and a bounded accept queue; each connection runs Vigil's own request loop (on Poco's
// HTTP session classes) so that every error — a malformed request line, headers too large, a
// body too big, a client too slow — is a JSON error as SPEC §5 asks, not Poco's empty 400.
// A request must arrive completely within `read_deadline`, so slow clients cannot pin threads;
// probing runs on other threads and is never held up by the listener.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/TCPServer.h>

#include <functional>
#include <memory>
#include <string>

#include "daemon/core/status.h"
#include "probes/socket_deadlines.h"

namespace vigil::daemon::http {

using Handler = std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;

struct ServerOptions {
  int threads = 8;
  int queue = 64;
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
  HttpServer() = default;
  std::unique_ptr<probes::SocketDeadlines> deadlines_;
  std::unique_ptr<Poco::Net::TCPServer> server_;
  uint16_t port_ = 0;
};

// Writes {"error": code, "detail": detail} with `status`.
void SendError(Poco::Net::HTTPServerResponse& resp, int status, const std::string& code, const std::string& detail);
void SendJson(Poco::Net::HTTPServerResponse& resp, int status, const std::string& body);

}  // namespace vigil::daemon::http
