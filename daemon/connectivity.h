// ConnectivityMonitor: the "is it us?" guard (SPEC §2 `connectivity`). A thread requests each
// target URL every `interval`; when every target fails at the transport level (no HTTP answer
// at all — any status code means the network works) the monitor's own network is down, and the
// callback says so. It says "up" again on the first round in which any target answers.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "config/config.h"
#include "probes/http_client.h"

namespace vigil::daemon {

class ConnectivityMonitor {
 public:
  using Callback = std::function<void(bool down, const std::string& detail)>;
  ConnectivityMonitor(probes::HttpClient& client, Callback on_change);
  ~ConnectivityMonitor();  // Stop()

  // Starts, restarts with new targets, or (nullopt) stops probing; a stop reports "up".
  void Configure(const std::optional<config::ConnectivityConfig>& config);
  void Stop();
  bool down() const { return down_; }

 private:
  void Run(config::ConnectivityConfig config);
  void Join();

  probes::HttpClient& client_;
  Callback on_change_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // GUARDED_BY(mu_)
  std::thread thread_;
  std::atomic<bool> down_{false};
};

}  // namespace vigil::daemon
