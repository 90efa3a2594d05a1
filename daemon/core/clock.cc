#include "daemon/core/clock.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <limits>
#include <string>

namespace vigil::core {

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

int64_t ToUnixMillis(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

WallTime FromUnixMillis(int64_t ms) {
  // WallTime counts nanoseconds: beyond about ±292 years of 1970 the conversion would overflow
  // (undefined behaviour), and dates from outside (a Sunset header, ?since=, expires_at) can be
  // anything. They are clamped to what WallTime can hold.
  constexpr int64_t kLimit = std::numeric_limits<WallTime::rep>::max() / 1'000'000 - 1;
  return WallTime(std::chrono::milliseconds(std::clamp<int64_t>(ms, -kLimit, kLimit)));
}

std::string FormatRfc3339(WallTime t) {
  const int64_t ms = ToUnixMillis(t);
  const std::time_t secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  const int frac = static_cast<int>(ms - static_cast<int64_t>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  return buf;
}

}  // namespace vigil::core
