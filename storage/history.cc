#include "storage/history.h"

#include <algorithm>

namespace vigil::storage {
namespace {

using core::Millis;
using core::WallTime;

// Length of [a, b) not covered by any of `periods` (clipped to `until` when open).
Millis Uncovered(WallTime a, WallTime b, const std::vector<MaintenancePeriod>& periods, WallTime until) {
  Millis covered{0};
  // Periods may overlap (a reload can start a new one as an old one ends): merge as we go.
  std::vector<std::pair<WallTime, WallTime>> spans;
  for (const auto& p : periods) {
    const WallTime s = std::max(a, p.start);
    const WallTime e = std::min(b, p.end.value_or(until));
    if (s < e) spans.emplace_back(s, e);
  }
  std::sort(spans.begin(), spans.end());
  WallTime reach = a;
  for (const auto& [s, e] : spans) {
    const WallTime from = std::max(s, reach);
    if (e > from) {
      covered += std::chrono::duration_cast<Millis>(e - from);
      reach = e;
    }
  }
  return std::chrono::duration_cast<Millis>(b - a) - covered;
}

}  // namespace

std::optional<double> TimeShare::uptime() const {
  if (observed.count() <= 0) return std::nullopt;
  return 1.0 - static_cast<double>(down.count()) / static_cast<double>(observed.count());
}

TimeShare ShareOfTime(const ProviderTimeline& t, WallTime since, WallTime until) {
  TimeShare share;
  if (until <= since) return share;
  alerts::HealthState state = t.state_at_since;
  auto it = t.changes.begin();
  for (; it != t.changes.end() && it->first <= since; ++it) state = it->second;
  WallTime from = since;
  const auto account = [&](WallTime to) {
    if (to <= from) return;
    const Millis outside = Uncovered(from, to, t.maintenance, until);
    share.maintenance += std::chrono::duration_cast<Millis>(to - from) - outside;
    if (state != alerts::HealthState::kUnknown) {
      share.observed += outside;
      if (state == alerts::HealthState::kDown) share.down += outside;
    }
    from = to;
  };
  for (; it != t.changes.end() && it->first < until; ++it) {
    account(it->first);
    state = it->second;
  }
  account(until);
  return share;
}

std::optional<double> CheckUptime(const OutcomeCounts& c) {
  if (c.counted() <= 0) return std::nullopt;
  return 1.0 - static_cast<double>(c.counted_fail()) / static_cast<double>(c.counted());
}

}  // namespace vigil::storage
