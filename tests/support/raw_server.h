// RawServer: a TCP server on 127.0.0.1:0 whose every connection is handed to `serve` on its own
// thread. For behaviour no HTTP server library produces on purpose: stalls, garbage, huge
// headers, delayed TLS handshakes (DelayProxy). `stopping()` tells serve functions to return.
#pragma once

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vigil::testing {

class RawServer {
 public:
  using Serve = std::function<void(Poco::Net::StreamSocket&, const RawServer&)>;
  explicit RawServer(Serve serve);
  ~RawServer();

  uint16_t port() const { return port_; }
  bool stopping() const { return stopping_; }
  // Sleeps up to `d`; returns false when the server is stopping.
  bool Pause(std::chrono::milliseconds d) const;
  int connections() const { return connections_; }

 private:
  Serve serve_;
  Poco::Net::ServerSocket socket_;
  uint16_t port_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<Poco::Net::StreamSocket> open_;
};

// Accepts and never answers.
RawServer::Serve Stall();
// Sends `bytes`, then closes.
RawServer::Serve SendAndClose(std::string bytes);
// Forwards to 127.0.0.1:`upstream`, holding the upstream's first bytes back for `delay`.
RawServer::Serve DelayProxy(uint16_t upstream, std::chrono::milliseconds delay);

}  // namespace vigil::testing
