#include "daemon/connectivity.h"

#include "daemon/core/log.h"

namespace vigil::daemon {

ConnectivityMonitor::ConnectivityMonitor(probes::HttpClient& client, Callback on_change)
    : client_(client), on_change_(std::move(on_change)) {}

ConnectivityMonitor::~ConnectivityMonitor() { Stop(); }

void ConnectivityMonitor::Join() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mu_);
  stopping_ = false;
}

void ConnectivityMonitor::Stop() {
  Join();
  if (down_.exchange(false)) on_change_(false, "connectivity checks stopped");
}

void ConnectivityMonitor::Configure(const std::optional<config::ConnectivityConfig>& config) {
  Join();
  if (!config || config->urls.empty()) {
    if (down_.exchange(false)) on_change_(false, "no connectivity targets configured");
    return;
  }
  thread_ = std::thread([this, c = *config] { Run(c); });
}

void ConnectivityMonitor::Run(config::ConnectivityConfig config) {
  for (;;) {
    std::string failures;
    bool any_answered = false;
    for (const auto& url : config.urls) {
      probes::HttpRequest req;
      req.url = url;
      req.timeout = config.timeout;
      req.max_body = 4096;
      const probes::HttpResponse resp = client_.Execute(req);
      if (resp.error == probes::TransportError::kNone) {
        any_answered = true;
        break;
      }
      failures += (failures.empty() ? "" : "; ") + url + ": " + resp.error_message;
    }
    const bool down = !any_answered;
    if (down_.exchange(down) != down) {
      if (down) core::Log::Warn("connectivity", "every connectivity target is unreachable", {{"detail", failures}});
      else core::Log::Info("connectivity", "a connectivity target answers again");
      on_change_(down, failures);
    }
    std::unique_lock lock(mu_);
    if (cv_.wait_for(lock, config.interval, [&] { return stopping_; })) return;
  }
}

}  // namespace vigil::daemon
