#include "daemon/http/summaries.h"

#include "daemon/http/api.h"
#include "daemon/http/svg.h"

namespace vigil::daemon::http {
namespace {

using std::chrono::hours;

constexpr int kDays = 90;
constexpr auto kWatched = std::chrono::minutes(5);  // refresh while a view came this recently

}  // namespace

ProviderSummary Summarize(const ApiBackend& b, const std::string& provider, const std::vector<std::string>& checks,
                          core::WallTime now) {
  ProviderSummary s;
  const core::Result<storage::ProviderTimeline> timeline = b.history().Timeline(provider, now - hours(24 * kDays), now);
  storage::IncidentQuery iq;
  iq.provider = provider;
  iq.since = DayStart(now, kDays - 1);
  iq.limit = 1000;
  iq.transitions = false;
  const core::Result<std::vector<storage::StoredIncident>> incidents = b.store().Incidents(iq);
  core::Result<std::vector<LatencyPoint>> hourly = HourlyLatency(b.history(), provider, checks, now - hours(24), now);
  if (!timeline.ok() || !incidents.ok() || !hourly.ok()) return s;
  s.ok = true;
  s.days = DailyRecord(*timeline, *incidents, now, kDays);
  for (const auto& [label, length] : {std::pair{"24h", hours(24)}, {"30d", hours(24 * 30)}, {"90d", hours(24 * 90)}}) {
    s.uptime[label] = storage::ShareOfTime(*timeline, now - length, now).uptime();
  }
  s.hourly = std::move(hourly).value();
  s.html = DayBarsSvg(s.days, "uptime of the last 90 days, one bar per day") + "<div class=\"row\"><dl class=\"uptime\">";
  for (const auto& [label, uptime] : s.uptime) {
    s.html += "<div><dt>" + label + "</dt><dd data-window=\"" + label + "\">" + FormatPercent(uptime) + "</dd></div>";
  }
  s.html += "</dl><span class=\"sparkbox\"><small>p95, 24h</small> " +
            SparklineSvg(s.hourly, "p95 latency, last 24 hours") + "</span></div>";
  return s;
}

SummaryCache::SummaryCache(const ApiBackend& backend, core::Millis refresh)
    : backend_(backend), refresh_(refresh), thread_([this] { Loop(); }) {}

SummaryCache::~SummaryCache() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::shared_ptr<const ProviderSummary> SummaryCache::Get(const alerts::ProviderStatus& status) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_view_ = std::chrono::steady_clock::now();
    if (auto it = summaries_.find(status.name); it != summaries_.end()) return it->second;
  }
  wake_.notify_all();  // the thread keeps the rest fresh from now on
  auto fresh = std::make_shared<const ProviderSummary>(Summarize(backend_, status.name, CheckNames(status), backend_.Now()));
  std::lock_guard<std::mutex> lock(mu_);
  summaries_[status.name] = fresh;
  return fresh;
}

void SummaryCache::RefreshAll() {
  const auto snapshot = backend_.status();
  const core::WallTime now = backend_.Now();
  std::map<std::string, std::shared_ptr<const ProviderSummary>> next;
  for (const auto& p : snapshot->providers) {
    next[p->name] = std::make_shared<const ProviderSummary>(Summarize(backend_, p->name, CheckNames(*p), now));
  }
  std::lock_guard<std::mutex> lock(mu_);
  summaries_ = std::move(next);  // providers a reload removed go with the old map
}

void SummaryCache::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    // Sleep until someone has looked recently, then refresh once per `refresh_`.
    wake_.wait(lock, [&] { return stop_ || std::chrono::steady_clock::now() - last_view_ < kWatched; });
    if (stop_) break;
    if (wake_.wait_for(lock, refresh_, [&] { return stop_; })) break;
    if (std::chrono::steady_clock::now() - last_view_ >= kWatched) continue;
    lock.unlock();
    RefreshAll();
    lock.lock();
  }
}

}  // namespace vigil::daemon::http
