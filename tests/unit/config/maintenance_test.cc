// Maintenance windows: table-driven InWindow / CurrentWindowEnd cases for one-off and recurring
// windows, DST gaps and repeated hours in two zones, midnight crossings, chained occurrences,
// and the exact MakeWindow error for each invalid spec. Expected instants were cross-checked
// with Python's zoneinfo (fold=0), which resolves local times the same way.
#include "config/maintenance.h"

#include <gtest/gtest.h>

#include <ctime>
#include <iomanip>
#include <sstream>

#include "alerts/payload_text.h"

namespace vigil::config {
namespace {

using alerts::FormatRfc3339Seconds;

core::WallTime Utc(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%SZ");
  EXPECT_FALSE(in.fail()) << text;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

Window Make(const WindowSpec& spec) {
  const auto w = MakeWindow(spec);
  EXPECT_TRUE(w.ok()) << (w.ok() ? "" : w.message());
  return w.ok() ? *w : Window{};
}

WindowSpec Recurring(std::vector<std::string> every, std::string start, std::string duration,
                     std::string timezone) {
  return {{"stripe"}, std::move(start), std::move(every), std::move(duration), std::move(timezone)};
}

struct Case {
  const char* name;
  WindowSpec spec;
  const char* now;  // UTC
  const char* end;  // expected CurrentWindowEnd (UTC), or nullptr: not in the window
};

TEST(Maintenance, InWindowAndCurrentEnd) {
  const WindowSpec berlin_0230 = Recurring({"sunday"}, "02:30", "1h", "Europe/Berlin");
  const WindowSpec berlin_0245 = Recurring({"sunday"}, "02:45", "1h", "Europe/Berlin");
  const WindowSpec berlin_0030 = Recurring({"sunday"}, "00:30", "3h", "Europe/Berlin");
  const WindowSpec ny_0130 = Recurring({"sunday"}, "01:30", "1h", "America/New_York");
  const WindowSpec ny_0230 = Recurring({"sunday"}, "02:30", "1h", "America/New_York");
  const WindowSpec midnight = Recurring({"saturday"}, "23:00", "2h", "");
  const WindowSpec chained = Recurring({"monday", "Tuesday"}, "12:00", "24h", "UTC");
  const WindowSpec one_off = {{"stripe"}, "2026-12-01T03:00:00+01:00", {}, "2h", ""};
  const Case cases[] = {
      // An ordinary summer Sunday: 02:30 CEST is 00:30Z.
      {"summer", berlin_0230, "2026-07-05T00:29:59Z", nullptr},
      {"summer", berlin_0230, "2026-07-05T00:30:00Z", "2026-07-05T01:30:00Z"},
      {"summer", berlin_0230, "2026-07-05T01:30:00Z", nullptr},
      {"summer, not on a Monday", berlin_0230, "2026-07-06T00:45:00Z", nullptr},
      // Spring forward (2026-03-29, 02:00 CET -> 03:00 CEST): 02:30 does not exist and is read
      // with the offset before the gap, 01:30Z (03:30 CEST); the window still lasts 1h.
      {"gap", berlin_0230, "2026-03-29T00:30:00Z", nullptr},
      {"gap", berlin_0230, "2026-03-29T01:00:00Z", nullptr},
      {"gap", berlin_0230, "2026-03-29T01:29:59Z", nullptr},
      {"gap", berlin_0230, "2026-03-29T01:30:00Z", "2026-03-29T02:30:00Z"},
      {"gap", berlin_0230, "2026-03-29T02:29:59Z", "2026-03-29T02:30:00Z"},
      {"gap", berlin_0230, "2026-03-29T02:30:00Z", nullptr},
      {"gap, New York", ny_0230, "2026-03-08T07:29:59Z", nullptr},
      {"gap, New York", ny_0230, "2026-03-08T07:30:00Z", "2026-03-08T08:30:00Z"},
      // Fall back (2026-10-25, 03:00 CEST -> 02:00 CET): 02:30 happens twice; the first counts.
      {"repeat", berlin_0230, "2026-10-25T00:29:59Z", nullptr},
      {"repeat", berlin_0230, "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z"},
      {"repeat", berlin_0230, "2026-10-25T01:29:59Z", "2026-10-25T01:30:00Z"},
      {"repeat, second 02:30 starts nothing", berlin_0230, "2026-10-25T01:45:00Z", nullptr},
      // A 1h window across the repeated hour: 02:45 CEST to 02:45 CET, one real hour.
      {"across fall-back", berlin_0245, "2026-10-25T00:59:59Z", "2026-10-25T01:45:00Z"},
      {"across fall-back", berlin_0245, "2026-10-25T01:00:00Z", "2026-10-25T01:45:00Z"},
      {"across fall-back", berlin_0245, "2026-10-25T01:45:00Z", nullptr},
      // Duration is elapsed time: 00:30 CEST + 3h is 02:30 CET, though the wall clock moved 2h.
      {"elapsed", berlin_0030, "2026-10-24T22:30:00Z", "2026-10-25T01:30:00Z"},
      {"elapsed", berlin_0030, "2026-10-25T01:29:59Z", "2026-10-25T01:30:00Z"},
      {"elapsed", berlin_0030, "2026-10-25T01:30:00Z", nullptr},
      {"repeat, New York", ny_0130, "2026-11-01T05:29:59Z", nullptr},
      {"repeat, New York", ny_0130, "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"},
      {"repeat, New York: 01:15 EST", ny_0130, "2026-11-01T06:15:00Z", "2026-11-01T06:30:00Z"},
      {"repeat, New York", ny_0130, "2026-11-01T06:30:00Z", nullptr},
      // Saturday 23:00 UTC for 2h runs into Sunday.
      {"midnight", midnight, "2026-11-28T22:59:59Z", nullptr},
      {"midnight", midnight, "2026-11-28T23:00:00Z", "2026-11-29T01:00:00Z"},
      {"midnight, on Sunday", midnight, "2026-11-29T00:30:00Z", "2026-11-29T01:00:00Z"},
      {"midnight", midnight, "2026-11-29T01:00:00Z", nullptr},
      {"midnight, not a Sunday start", midnight, "2026-11-29T23:30:00Z", nullptr},
      // Monday and Tuesday 12:00 for 24h: the occurrences touch, so maintenance lasts 48h.
      {"chained", chained, "2026-11-30T11:59:59Z", nullptr},
      {"chained", chained, "2026-11-30T13:00:00Z", "2026-12-02T12:00:00Z"},
      {"chained", chained, "2026-12-01T12:00:00Z", "2026-12-02T12:00:00Z"},
      {"chained", chained, "2026-12-02T12:00:00Z", nullptr},
      {"one-off", one_off, "2026-12-01T01:59:59Z", nullptr},
      {"one-off", one_off, "2026-12-01T02:00:00Z", "2026-12-01T04:00:00Z"},
      {"one-off", one_off, "2026-12-01T03:59:59Z", "2026-12-01T04:00:00Z"},
      {"one-off", one_off, "2026-12-01T04:00:00Z", nullptr},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.name) + " at " + c.now);
    const Window w = Make(c.spec);
    const auto end = CurrentWindowEnd(w, Utc(c.now));
    EXPECT_EQ(InWindow(w, Utc(c.now)), c.end != nullptr);
    EXPECT_EQ(end ? FormatRfc3339Seconds(*end) : "none", c.end ? c.end : "none");
  }
}

TEST(Maintenance, NextStartAppliesToAndDefaults) {
  const Window w = Make(Recurring({"sunday"}, "02:30", "1h", "Europe/Berlin"));
  auto next = NextWindowStart(w, Utc("2026-03-28T12:00:00Z"));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(FormatRfc3339Seconds(*next), "2026-03-29T01:30:00Z");
  next = NextWindowStart(w, Utc("2026-03-29T01:30:00Z"));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(FormatRfc3339Seconds(*next), "2026-04-05T00:30:00Z") << "CEST from now on";
  EXPECT_TRUE(AppliesTo(w, "stripe"));
  EXPECT_FALSE(AppliesTo(w, "adyen"));

  const Window every_day = Make(Recurring({"day"}, "00:00", "30m", ""));
  EXPECT_EQ(every_day.timezone, "UTC");
  EXPECT_EQ(every_day.weekdays, 0x7F);
  EXPECT_EQ(every_day.start_minute, 0);
  EXPECT_TRUE(InWindow(every_day, Utc("2026-06-17T00:10:00Z")));

  const Window one_off = Make({{"stripe"}, "2026-12-01T02:00:00.500Z", {}, "2h", ""});
  EXPECT_EQ(core::ToUnixMillis(one_off.start) % 1000, 500);
  EXPECT_FALSE(NextWindowStart(one_off, Utc("2026-12-01T03:00:00Z")).has_value());
  EXPECT_TRUE(NextWindowStart(one_off, Utc("2026-11-01T03:00:00Z")).has_value());
}

TEST(Maintenance, MakeWindowErrors) {
  const std::pair<WindowSpec, std::string> cases[] = {
      {{{}, "03:00", {"sunday"}, "1h", ""}, "providers: list at least one provider"},
      {Recurring({"sunday"}, "03:00", "1h", "Europe/Berln"),
       "timezone: unknown time zone \"Europe/Berln\" (did you mean \"Europe/Berlin\"?)"},
      {Recurring({"sunday"}, "03:00", "1h", "europe/berlin"),
       "timezone: unknown time zone \"europe/berlin\" (did you mean \"Europe/Berlin\"?)"},
      {Recurring({"sunday"}, "03:00", "1h", "Mars/Olympus_Mons"),
       "timezone: unknown time zone \"Mars/Olympus_Mons\" (an IANA name such as Europe/Berlin or "
       "UTC)"},
      {Recurring({"sunday", "funday"}, "03:00", "1h", ""),
       "every: unknown day \"funday\" (monday .. sunday, or \"day\" for every day)"},
      {Recurring({"sunday"}, "25:00", "1h", ""),
       "start: \"25:00\" is not a time of day HH:MM (00:00 .. 23:59); a recurring window starts "
       "at a local time on each of its days"},
      {Recurring({"sunday"}, "3:00", "1h", ""),
       "start: \"3:00\" is not a time of day HH:MM (00:00 .. 23:59); a recurring window starts "
       "at a local time on each of its days"},
      {Recurring({"sunday"}, "", "1h", ""), "start: missing"},
      {{{"stripe"}, "2026-12-01 02:00", {}, "2h", ""},
       "start: \"2026-12-01 02:00\" is not an RFC 3339 time such as 2026-12-01T02:00:00Z"},
      {{{"stripe"}, "2026-12-01T02:00:00", {}, "2h", ""},
       "start: \"2026-12-01T02:00:00\" is not an RFC 3339 time such as 2026-12-01T02:00:00Z"},
      {{{"stripe"}, "2026-02-30T02:00:00Z", {}, "2h", ""},
       "start: \"2026-02-30T02:00:00Z\" is not an RFC 3339 time such as 2026-12-01T02:00:00Z"},
      {{{"stripe"}, "03:00", {}, "2h", ""},
       "start: \"03:00\" is not an RFC 3339 time such as 2026-12-01T02:00:00Z (a time of day "
       "needs every: [...] for a recurring window)"},
      {{{"stripe"}, "2026-12-01T02:00:00Z", {}, "2h", "Europe/Berlin"},
       "timezone: only for a recurring window (with every:); a one-off start carries its own "
       "UTC offset"},
      {Recurring({"sunday"}, "03:00", "0s", ""), "duration: must be more than 0"},
      {Recurring({"sunday"}, "03:00", "8d", ""), "duration: at most 7d for a recurring window"},
  };
  for (const auto& [spec, message] : cases) {
    SCOPED_TRACE(message);
    const auto w = MakeWindow(spec);
    ASSERT_FALSE(w.ok());
    EXPECT_EQ(w.message(), message);
  }
  const auto bad_duration = MakeWindow(Recurring({"sunday"}, "03:00", "soon", ""));
  ASSERT_FALSE(bad_duration.ok());
  EXPECT_EQ(bad_duration.message().rfind("duration: ", 0), 0u) << bad_duration.message();
  EXPECT_TRUE(MakeWindow({{"stripe"}, "2026-12-01T02:00:00Z", {}, "30d", ""}).ok())
      << "a one-off window may be long";
}

}  // namespace
}  // namespace vigil::config
