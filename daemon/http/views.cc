#include "daemon/http/views.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

namespace vigil::daemon::http {
namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kHourMs = 3'600'000;

bool Overlaps(core::WallTime a0, std::optional<core::WallTime> a1, core::WallTime b0, core::WallTime b1) {
  return a0 < b1 && (!a1 || *a1 > b0);
}

}  // namespace

core::WallTime DayStart(core::WallTime now, int days_back) {
  const int64_t ms = core::ToUnixMillis(now);
  const int64_t today = ms - ((ms % kDayMs) + kDayMs) % kDayMs;
  return core::FromUnixMillis(today - int64_t{days_back} * kDayMs);
}

std::vector<DayRecord> DailyRecord(const storage::ProviderTimeline& timeline,
                                   const std::vector<storage::StoredIncident>& incidents, core::WallTime now, int days) {
  std::vector<DayRecord> out;
  out.reserve(static_cast<std::size_t>(std::max(days, 0)));
  alerts::HealthState state = timeline.state_at_since;
  auto change = timeline.changes.begin();
  for (int back = days - 1; back >= 0; --back) {
    DayRecord d;
    d.start = DayStart(now, back);
    const core::WallTime end = std::min(d.start + core::Millis(kDayMs), now);
    while (change != timeline.changes.end() && change->first <= d.start) state = (change++)->second;
    alerts::HealthState worst = state;
    for (auto c = change; c != timeline.changes.end() && c->first < end; ++c) {
      if (alerts::Badness(c->second) > alerts::Badness(worst)) worst = c->second;
    }
    const core::WallTime from = std::max(d.start, timeline.since);
    const storage::TimeShare share = from < end ? storage::ShareOfTime(timeline, from, end) : storage::TimeShare{};
    d.uptime = share.uptime();
    if (share.down.count() > 0) {
      d.worst = "down";
    } else if (share.observed.count() == 0) {
      d.worst = share.maintenance.count() > 0 ? "maintenance" : "none";
    } else if (worst == alerts::HealthState::kDegraded) {
      d.worst = "degraded";
    } else if (share.maintenance.count() > 0 && worst == alerts::HealthState::kDown) {
      d.worst = "maintenance";  // the failures all fell inside a maintenance window
    } else {
      d.worst = "up";
    }
    for (const auto& inc : incidents) d.incidents += Overlaps(inc.started, inc.ended, d.start, end) ? 1 : 0;
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<std::string> CheckNames(const alerts::ProviderStatus& status) {
  std::vector<std::string> names;
  for (const auto& c : status.checks) names.push_back(c.name);
  return names;
}

core::Result<std::vector<LatencyPoint>> HourlyLatency(const storage::HistoryStore& history, const std::string& provider,
                                                      const std::vector<std::string>& checks, core::WallTime since,
                                                      core::WallTime now) {
  using Out = core::Result<std::vector<LatencyPoint>>;
  const int64_t first = core::ToUnixMillis(since) / kHourMs * kHourMs;
  const int64_t last = core::ToUnixMillis(now) / kHourMs * kHourMs;
  const std::size_t n = static_cast<std::size_t>(std::max<int64_t>(0, (last - first) / kHourMs + 1));
  std::vector<storage::LatencySketch> merged(n);
  for (const std::string& check : checks) {
    core::Result<std::vector<storage::RollupPoint>> points =
        history.Rollups(provider, check, storage::Resolution::kHour, core::FromUnixMillis(first), now);
    if (!points.ok()) return Out::Error(points.message());
    for (const auto& p : *points) {
      const int64_t i = (core::ToUnixMillis(p.start) - first) / kHourMs;
      if (i >= 0 && static_cast<std::size_t>(i) < n) merged[static_cast<std::size_t>(i)].Merge(p.latency);
    }
  }
  std::vector<LatencyPoint> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i].start = core::FromUnixMillis(first + static_cast<int64_t>(i) * kHourMs);
    out[i].p50 = merged[i].Quantile(0.5);
    out[i].p95 = merged[i].Quantile(0.95);
  }
  return out;
}

std::vector<probes::quota::ObservedBudget> LatestBudgets(const std::vector<probes::quota::ObservedBudget>& observed,
                                                         const alerts::ProviderStatus& status) {
  std::map<std::string, probes::quota::ObservedBudget> latest;
  const auto note = [&](core::WallTime at, const probes::quota::Budget& b) {
    auto it = latest.find(b.dimension);
    if (it == latest.end() || at > it->second.at) latest[b.dimension] = {at, b};
  };
  for (const auto& o : observed) note(o.at, o.budget);
  for (const auto& c : status.checks) {
    if (!c.last) continue;
    for (const auto& b : c.last->budgets) note(c.last->time, b);
  }
  std::vector<probes::quota::ObservedBudget> out;
  for (auto& [dimension, entry] : latest) out.push_back(std::move(entry));
  return out;
}

Expiries EarliestExpiries(const alerts::ProviderStatus& status) {
  Expiries e;
  const auto earliest = [](std::optional<core::WallTime>& acc, const std::optional<core::WallTime>& t) {
    if (t && (!acc || *t < *acc)) acc = t;
  };
  for (const auto& c : status.checks) {
    if (!c.last) continue;
    earliest(e.certificate, c.last->cert_not_after);
    earliest(e.credential, c.last->credential_not_after);
  }
  return e;
}

std::string FormatPercent(std::optional<double> share) {
  if (!share) return "\u2014";
  const double floored = std::floor(std::clamp(*share, 0.0, 1.0) * 10000.0) / 100.0;
  char buf[16];
  std::snprintf(buf, sizeof buf, floored == 100.0 ? "%.0f%%" : "%.2f%%", floored);
  return buf;
}

long DaysLeft(core::WallTime t, core::WallTime now) {
  return static_cast<long>(std::floor(std::chrono::duration<double>(t - now).count() / 86400.0));
}

}  // namespace vigil::daemon::http
