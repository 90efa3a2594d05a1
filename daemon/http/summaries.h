// SummaryCache: what the overview shows of each provider's past — 90 day records, uptime over
// 24h/30d/90d and the 24h hourly p95 — kept in memory, so a view of `/` renders from memory
// instead of running some twenty store queries per provider (at 1,000 checks that was 250 ms)
// and formatting 90 dated bars each (the summary keeps its HTML, rendered once per refresh).
// A background thread recomputes every provider's summary once `refresh` has passed since the
// last round, but only while someone looks (a view within the last 5 minutes): an unwatched
// page costs nothing. A provider without a summary yet (the first view, a provider added by a
// reload) is computed on the spot. The current state always comes from the live snapshot; only
// the history may be up to `refresh` old. Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/http/views.h"

namespace vigil::daemon::http {

class ApiBackend;

struct ProviderSummary {
  bool ok = false;  // false: the store could not be read (the rest is empty)
  std::vector<DayRecord> days;
  std::map<std::string, std::optional<double>> uptime;  // "24h", "30d", "90d"
  std::vector<LatencyPoint> hourly;                    // the last 24 hours, all checks merged
  std::string html;  // the overview's rendering of the above (bars, uptime list, sparkline)
};

// Computes one provider's summary from the store as of `now`, and renders it.
ProviderSummary Summarize(const ApiBackend& backend, const std::string& provider,
                          const std::vector<std::string>& checks, core::WallTime now);

class SummaryCache {
 public:
  SummaryCache(const ApiBackend& backend, core::Millis refresh);
  ~SummaryCache();  // stops the thread
  SummaryCache(const SummaryCache&) = delete;
  SummaryCache& operator=(const SummaryCache&) = delete;

  // The summary of `status`'s provider (computed now if there is none yet).
  std::shared_ptr<const ProviderSummary> Get(const alerts::ProviderStatus& status);

 private:
  void Loop();
  void RefreshAll();

  const ApiBackend& backend_;
  const core::Millis refresh_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::map<std::string, std::shared_ptr<const ProviderSummary>> summaries_;  // GUARDED_BY(mu_)
  core::SteadyTime last_view_{};                                             // GUARDED_BY(mu_)
  bool stop_ = false;                                                        // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace vigil::daemon::http
