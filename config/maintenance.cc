#include "config/maintenance.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <exception>

#include "daemon/core/duration.h"
#include "daemon/core/text.h"

namespace vigil::config {
namespace {

using core::Result;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr const char* kDayNames[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                      "thursday", "friday", "saturday"};
constexpr uint8_t kEveryDay = 0x7F;
constexpr core::Millis kMaxRecurringDuration = hours(24 * 7);
constexpr int kLookBackDays = 8;  // an occurrence lasts at most 7 days, plus a DST margin
constexpr int kMaxChained = 15;

struct Interval {
  core::WallTime start;
  core::WallTime end;
  bool Contains(core::WallTime t) const { return start <= t && t < end; }
};

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// Reads `n` decimal digits at s[pos].
bool Digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool ParseHhMm(std::string_view s, int& minute_of_day) {
  int h = 0, m = 0;
  if (s.size() != 5 || s[2] != ':' || !Digits(s, 0, 2, h) || !Digits(s, 3, 2, m)) return false;
  if (h > 23 || m > 59) return false;
  minute_of_day = h * 60 + m;
  return true;
}

// "Z", "z" or "+HH:MM" / "-HH:MM" at the end of an RFC 3339 time.
bool ParseOffset(std::string_view s, minutes& offset) {
  if (s == "Z" || s == "z") {
    offset = minutes(0);
    return true;
  }
  int h = 0, m = 0;
  if (s.size() != 6 || (s[0] != '+' && s[0] != '-') || s[3] != ':' || !Digits(s, 1, 2, h) ||
      !Digits(s, 4, 2, m) || h > 23 || m > 59) {
    return false;
  }
  offset = minutes(h * 60 + m) * (s[0] == '-' ? -1 : 1);
  return true;
}

// RFC 3339 date-time: YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM). Milliseconds are kept.
std::optional<core::WallTime> ParseRfc3339(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!Digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, mo) || s[7] != '-' ||
      !Digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !Digits(s, 11, 2, h) ||
      s[13] != ':' || !Digits(s, 14, 2, mi) || s[16] != ':' || !Digits(s, 17, 2, sec) || h > 23 ||
      mi > 59 || sec > 60) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  int ms = 0, scale = 100;
  if (s[pos] == '.') {
    const std::size_t first = ++pos;
    for (; pos < s.size() && s[pos] >= '0' && s[pos] <= '9'; ++pos, scale /= 10) {
      ms += (s[pos] - '0') * scale;
    }
    if (pos == first) return std::nullopt;
  }
  minutes offset{0};
  const date::year_month_day ymd{date::year(y), date::month(static_cast<unsigned>(mo)),
                                 date::day(static_cast<unsigned>(d))};
  if (!ymd.ok() || !ParseOffset(s.substr(pos), offset)) return std::nullopt;
  // In milliseconds, then clamped by FromUnixMillis: a year far from now would overflow the
  // nanosecond clock (found by the config fuzz target).
  const milliseconds at = date::sys_days(ymd).time_since_epoch() + hours(h) + minutes(mi) + seconds(sec) +
                          milliseconds(ms) - offset;
  return core::FromUnixMillis(at.count());
}

Result<uint8_t> ParseWeekdays(const std::vector<std::string>& every) {
  uint8_t mask = 0;
  for (const auto& name : every) {
    const std::string lower = core::ToLower(core::Trim(name));
    if (lower == "day") {
      mask = kEveryDay;
      continue;
    }
    const auto* it = std::find(std::begin(kDayNames), std::end(kDayNames), lower);
    if (it == std::end(kDayNames)) {
      return Result<uint8_t>::Error("every: unknown day " + Quoted(name) +
                                    " (monday .. sunday, or \"day\" for every day)");
    }
    mask |= static_cast<uint8_t>(1u << (it - std::begin(kDayNames)));
  }
  return mask;
}

// The zone, or nullptr (unknown name, or no time zone database).
const date::time_zone* ZoneOrNull(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;
  }
}

std::string ZoneHint(const std::string& name) {
  std::string best;
  std::size_t best_distance = 4;  // suggest only close names
  for (const auto& zone : date::get_tzdb().zones) {
    const std::string candidate(zone.name());
    std::size_t d = core::EditDistance(core::ToLower(name), core::ToLower(candidate));
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best.empty() ? " (an IANA name such as Europe/Berlin or UTC)"
                      : " (did you mean " + Quoted(best) + "?)";
}

core::Status CheckZone(const std::string& name) {
  try {
    date::get_tzdb();
  } catch (const std::exception& e) {
    return core::Status::Error("timezone: no time zone database (is tzdata installed?): " +
                               std::string(e.what()));
  }
  if (ZoneOrNull(name) != nullptr) return core::Status::Ok();
  return core::Status::Error("timezone: unknown time zone " + Quoted(name) + ZoneHint(name));
}

// The instant local time `local` names in `zone`: unique -> that instant; in a DST gap -> read
// with the offset before the gap (moved forward); twice -> the first. `first.offset` is the
// right offset in all three cases.
core::WallTime ToInstant(const date::time_zone& zone, date::local_seconds local) {
  const date::local_info info = zone.get_info(local);
  return core::WallTime(local.time_since_epoch() - info.first.offset);
}

// Occurrences starting on the local days from (day of `t`) - before to (day of `t`) + after.
std::vector<Interval> Occurrences(const Window& w, const date::time_zone& zone, core::WallTime t,
                                  int before, int after) {
  const auto local_now = zone.to_local(date::floor<seconds>(t));
  const date::local_days today = date::floor<date::days>(local_now);
  std::vector<Interval> out;
  for (int i = -before; i <= after; ++i) {
    const date::local_days day = today + date::days(i);
    if ((w.weekdays & (1u << date::weekday(day).c_encoding())) == 0) continue;
    const core::WallTime start = ToInstant(zone, day + minutes(w.start_minute));
    out.push_back({start, start + w.duration});
  }
  return out;
}

std::vector<Interval> OccurrencesNear(const Window& w, core::WallTime t, int before, int after) {
  if (!w.recurring) return {{w.start, w.start + w.duration}};
  const date::time_zone* zone = ZoneOrNull(w.timezone);
  if (zone == nullptr) return {};
  return Occurrences(w, *zone, t, before, after);
}

// The latest end of the occurrences containing `t`.
std::optional<core::WallTime> ContainingEnd(const Window& w, core::WallTime t) {
  std::optional<core::WallTime> end;
  for (const Interval& i : OccurrencesNear(w, t, kLookBackDays, 1)) {
    if (i.Contains(t) && (!end || i.end > *end)) end = i.end;
  }
  return end;
}

core::Status ParseStart(const WindowSpec& spec, Window& w) {
  if (spec.start.empty()) return core::Status::Error("start: missing");
  int minute_of_day = 0;
  const bool time_of_day = ParseHhMm(spec.start, minute_of_day);
  if (w.recurring) {
    if (!time_of_day) {
      return core::Status::Error("start: " + Quoted(spec.start) +
                                 " is not a time of day HH:MM (00:00 .. 23:59); a recurring "
                                 "window starts at a local time on each of its days");
    }
    w.start_minute = minute_of_day;
    return core::Status::Ok();
  }
  const auto start = ParseRfc3339(spec.start);
  if (!start) {
    return core::Status::Error(
        "start: " + Quoted(spec.start) + " is not an RFC 3339 time such as 2026-12-01T02:00:00Z" +
        (time_of_day ? " (a time of day needs every: [...] for a recurring window)" : ""));
  }
  w.start = *start;
  return core::Status::Ok();
}

core::Status ParseSchedule(const WindowSpec& spec, Window& w) {
  if (!w.recurring) {
    if (!spec.timezone.empty()) {
      return core::Status::Error(
          "timezone: only for a recurring window (with every:); a one-off start carries its "
          "own UTC offset");
    }
    return core::Status::Ok();
  }
  const auto days = ParseWeekdays(spec.every);
  if (!days.ok()) return days.status();
  w.weekdays = *days;
  w.timezone = spec.timezone.empty() ? "UTC" : spec.timezone;
  return CheckZone(w.timezone);
}

core::Status ParseDurationOf(const WindowSpec& spec, Window& w) {
  const auto duration = core::ParseDuration(spec.duration);
  if (!duration.ok()) return core::Status::Error("duration: " + duration.message());
  if (duration->count() <= 0) return core::Status::Error("duration: must be more than 0");
  if (w.recurring && *duration > kMaxRecurringDuration) {
    return core::Status::Error("duration: at most 7d for a recurring window");
  }
  w.duration = *duration;
  return core::Status::Ok();
}

}  // namespace

Result<Window> MakeWindow(const WindowSpec& spec) {
  Window w;
  if (spec.providers.empty()) return Result<Window>::Error("providers: list at least one provider");
  for (const auto& p : spec.providers) {
    if (core::Trim(p).empty()) return Result<Window>::Error("providers: empty provider name");
  }
  w.providers = spec.providers;
  w.recurring = !spec.every.empty();
  for (auto* step : {&ParseSchedule, &ParseStart, &ParseDurationOf}) {
    const core::Status status = step(spec, w);
    if (!status.ok()) return status;
  }
  return w;
}

bool AppliesTo(const Window& window, std::string_view provider) {
  return std::find(window.providers.begin(), window.providers.end(), provider) !=
         window.providers.end();
}

bool InWindow(const Window& window, core::WallTime now) {
  return ContainingEnd(window, now).has_value();
}

std::optional<core::WallTime> CurrentWindowEnd(const Window& window, core::WallTime now) {
  std::optional<core::WallTime> end = ContainingEnd(window, now);
  for (int i = 0; end && i < kMaxChained; ++i) {
    const std::optional<core::WallTime> next = ContainingEnd(window, *end);
    if (!next || *next <= *end) break;
    end = next;
  }
  return end;
}

std::optional<core::WallTime> CurrentWindowStart(const Window& window, core::WallTime now) {
  std::optional<core::WallTime> start;
  for (const Interval& i : OccurrencesNear(window, now, kLookBackDays, 1)) {
    if (i.Contains(now) && (!start || i.start < *start)) start = i.start;
  }
  return start;
}

std::optional<core::WallTime> NextWindowStart(const Window& window, core::WallTime now) {
  std::optional<core::WallTime> next;
  for (const Interval& i : OccurrencesNear(window, now, 1, kLookBackDays)) {
    if (i.start > now && (!next || i.start < *next)) next = i.start;
  }
  return next;
}

}  // namespace vigil::config
