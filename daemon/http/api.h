// The HTTP API (SPEC §5), the status page and /metrics, as one request handler. Handlers only
// read: state comes from the published status snapshot and the store; writes (probe now, baseline
// reset, silences) go through the backend and need the API token. Every error is {"error", "detail"}.
#pragma once

#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/http/summaries.h"
#include "daemon/health_stage.h"
#include "probes/quota/quota_book.h"
#include "storage/alert_store.h"
#include "storage/history.h"
#include "storage/result_store.h"

namespace vigil::daemon::http {

// What the handlers need from the running daemon.
class ApiBackend {
 public:
  virtual ~ApiBackend() = default;
  virtual std::shared_ptr<const config::Config> config() const = 0;
  virtual std::shared_ptr<const StatusSnapshot> status() const = 0;
  virtual const storage::ResultStore& store() const = 0;
  virtual const storage::HistoryStore& history() const = 0;
  virtual std::string RenderMetrics() = 0;
  // Empty when ready; otherwise why not.
  virtual std::string NotReadyReason() const = 0;
  // Runs the provider's checks now; returns the checks that were started.
  virtual std::vector<std::string> ProbeNow(const std::string& provider) = 0;
  virtual core::WallTime Now() const = 0;
  // Forgets what a check (or, `check` empty, every check of the provider) learned.
  virtual void ResetBaseline(const std::string& provider, const std::string& check) = 0;
  // Why and until when probing of the provider is slowed (rate limits), if it is.
  virtual std::optional<probes::quota::Throttle> QuotaThrottle(const std::string& provider) const = 0;
  // The quota model's latest report of each of the provider's budgets.
  virtual std::vector<probes::quota::ObservedBudget> QuotaBudgets(const std::string& provider) const = 0;
  // Alerting: the outbox and silences.
  virtual const storage::AlertStore& alert_store() const = 0;
  virtual core::Status AddSilence(const alerts::Silence& silence) = 0;
  virtual core::Result<bool> ExpireSilence(const std::string& id) = 0;  // false: no such active silence
  // Why the monitor considers its own network down (and pages nobody), or "".
  virtual std::string OfflineReason() const = 0;
};

class Api {
 public:
  explicit Api(ApiBackend& backend) : backend_(backend), summaries_(backend, std::chrono::seconds(30)) {}
  void Handle(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp);

 private:
  ApiBackend& backend_;
  SummaryCache summaries_;  // the overview's history, refreshed every 30 s while viewed
};

// Parses a time filter: RFC 3339 ("2026-11-24T10:00:00Z"), Unix seconds, or a duration meaning
// that long ago ("1h"). nullopt when it is none of these.
std::optional<core::WallTime> ParseTimeFilter(const std::string& text, core::WallTime now);
// The q-quantile (0..1) of ascending `sorted` values, nearest-rank; nullopt when empty.
std::optional<double> Quantile(const std::vector<double>& sorted, double q);

}  // namespace vigil::daemon::http
