// The status page's derived views: one UTC day per bar with the day's worst state and uptime,
// maintenance shown as maintenance, incidents counted on every day they touch, and percentages
// that never round a real outage up to 100%.
#include "daemon/http/views.h"

#include <gtest/gtest.h>

#include "daemon/http/svg.h"

namespace vigil::daemon::http {
namespace {

using alerts::HealthState;
using std::chrono::hours;
using std::chrono::minutes;

// 2026-12-07T12:00:00Z: noon, so "today" is half over.
const core::WallTime kNow = core::FromUnixMillis(1796644800000);

storage::ProviderTimeline Timeline(HealthState at_since, std::vector<std::pair<core::WallTime, HealthState>> changes,
                                   std::vector<storage::MaintenancePeriod> maintenance = {}) {
  storage::ProviderTimeline t;
  t.since = kNow - hours(24 * 90);
  t.state_at_since = at_since;
  t.changes = std::move(changes);
  t.maintenance = std::move(maintenance);
  return t;
}

TEST(DayStartTest, IsMidnightUtcOfTheDayCountingBack) {
  EXPECT_EQ(core::FormatRfc3339(DayStart(kNow, 0)), "2026-12-07T00:00:00.000Z");
  EXPECT_EQ(core::FormatRfc3339(DayStart(kNow, 89)), "2026-09-09T00:00:00.000Z");
  EXPECT_EQ(DayStart(DayStart(kNow, 0), 0), DayStart(kNow, 0));  // midnight is its own day
}

TEST(DailyRecordTest, NinetyDaysOldestFirstWithTheDaysWorstStateAndUptime) {
  const core::WallTime yesterday = DayStart(kNow, 1);
  const auto t = Timeline(HealthState::kUp, {{DayStart(kNow, 2) + hours(1), HealthState::kDegraded},
                                             {DayStart(kNow, 2) + hours(2), HealthState::kUp},
                                             {yesterday + hours(6), HealthState::kDown},
                                             {yesterday + hours(12), HealthState::kUp}});
  const std::vector<DayRecord> days = DailyRecord(t, {}, kNow, 90);
  ASSERT_EQ(days.size(), 90u);
  EXPECT_EQ(days.front().start, DayStart(kNow, 89));
  EXPECT_EQ(days.back().start, DayStart(kNow, 0));
  EXPECT_EQ(days[89].worst, "up");
  EXPECT_EQ(days[89].uptime, 1.0);
  EXPECT_EQ(days[88].worst, "down");
  ASSERT_TRUE(days[88].uptime);
  EXPECT_DOUBLE_EQ(*days[88].uptime, 0.75);  // 6 of 24 hours down
  EXPECT_EQ(days[87].worst, "degraded");
  EXPECT_EQ(days[87].uptime, 1.0);  // degraded is not down
  EXPECT_EQ(days[10].worst, "up");
}

TEST(DailyRecordTest, DaysBeforeTheFirstKnownStateHaveNoData) {
  const auto t = Timeline(HealthState::kUnknown, {{DayStart(kNow, 3) + hours(20), HealthState::kUp}});
  const std::vector<DayRecord> days = DailyRecord(t, {}, kNow, 90);
  EXPECT_EQ(days[0].worst, "none");
  EXPECT_FALSE(days[0].uptime);
  EXPECT_EQ(days[85].worst, "none");
  EXPECT_EQ(days[86].worst, "up");  // known for its last 4 hours
  EXPECT_EQ(days[86].uptime, 1.0);
}

TEST(DailyRecordTest, FailuresInsideMaintenanceShowAsMaintenanceNotDown) {
  const core::WallTime day = DayStart(kNow, 5);
  const auto t = Timeline(HealthState::kUp, {{day + hours(2), HealthState::kDown}, {day + hours(3), HealthState::kUp}},
                          {{day + hours(1), day + hours(4)}});
  const std::vector<DayRecord> days = DailyRecord(t, {}, kNow, 90);
  EXPECT_EQ(days[84].worst, "maintenance");
  EXPECT_EQ(days[84].uptime, 1.0);  // the window is left out, the rest was up
  // A whole day inside a window is maintenance, with nothing observed.
  const auto all_day = Timeline(HealthState::kUp, {}, {{DayStart(kNow, 1), DayStart(kNow, 0)}});
  const std::vector<DayRecord> d2 = DailyRecord(all_day, {}, kNow, 90);
  EXPECT_EQ(d2[88].worst, "maintenance");
  EXPECT_FALSE(d2[88].uptime);
}

TEST(DailyRecordTest, AnIncidentCountsOnEveryDayItTouches) {
  storage::StoredIncident across;  // 22:00 three days ago to 02:00 two days ago
  across.started = DayStart(kNow, 3) + hours(22);
  across.ended = DayStart(kNow, 2) + hours(2);
  storage::StoredIncident open;  // still open, started yesterday
  open.started = DayStart(kNow, 1) + hours(23);
  const auto t = Timeline(HealthState::kUp, {{across.started, HealthState::kDown}, {*across.ended, HealthState::kUp},
                                             {open.started, HealthState::kDown}});
  const std::vector<DayRecord> days = DailyRecord(t, {across, open}, kNow, 90);
  EXPECT_EQ(days[85].incidents, 0);
  EXPECT_EQ(days[86].incidents, 1);
  EXPECT_EQ(days[87].incidents, 1);
  EXPECT_EQ(days[88].incidents, 1);
  EXPECT_EQ(days[89].incidents, 1);
  EXPECT_EQ(days[89].worst, "down");
  EXPECT_FALSE(days[89].uptime == 1.0);
}

TEST(FormatPercentTest, RoundsDownSoThatAnyDowntimeShows) {
  EXPECT_EQ(FormatPercent(1.0), "100%");
  EXPECT_EQ(FormatPercent(0.99999), "99.99%");
  EXPECT_EQ(FormatPercent(0.5), "50.00%");
  EXPECT_EQ(FormatPercent(0.0), "0.00%");
  EXPECT_EQ(FormatPercent(std::nullopt), "\u2014");
  EXPECT_EQ(FormatPercent(1.5), "100%");  // clamped
}

TEST(DaysLeftTest, RoundsDownAndGoesNegativeWhenPast) {
  EXPECT_EQ(DaysLeft(kNow + hours(24 * 3 + 23), kNow), 3);
  EXPECT_EQ(DaysLeft(kNow + minutes(1), kNow), 0);
  EXPECT_EQ(DaysLeft(kNow - minutes(1), kNow), -1);
}

TEST(SvgTest, BarsHoldOneRectWithATitlePerDayAndEscapeTheLabel) {
  const auto t = Timeline(HealthState::kUp, {});
  const std::string svg = DayBarsSvg(DailyRecord(t, {}, kNow, 90), "a <label>");
  std::size_t rects = 0;
  for (std::size_t at = svg.find("<rect class=\"day up\""); at != std::string::npos; at = svg.find("<rect class=\"day up\"", at + 1)) ++rects;
  EXPECT_EQ(rects, 90u);
  EXPECT_NE(svg.find("<title>2026-12-07: 100% up</title>"), std::string::npos);
  EXPECT_NE(svg.find("aria-label=\"a &lt;label&gt;\""), std::string::npos);
}

TEST(SvgTest, ABadgeEscapesItsTextAndSizesToIt) {
  const std::string a = BadgeSvg("x", "up", "#1a7f37"), b = BadgeSvg("a much longer label", "maintenance", "#0969da");
  EXPECT_LT(a.size(), b.size());
  EXPECT_NE(BadgeSvg("<x>", "&", "#555").find(">&lt;x&gt;</text>"), std::string::npos);
  EXPECT_EQ(BadgeSvg("<x>", "&", "#555").find("<x>"), std::string::npos);
}

}  // namespace
}  // namespace vigil::daemon::http
