#include "daemon/core/duration.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace vigil::core {
namespace {

// Reads a non-negative decimal number ("12", "1.5") from the front of `s`.
bool TakeNumber(std::string_view& s, double& out) {
  std::size_t i = 0;
  bool digits = false;
  while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) {
    digits |= s[i] != '.';
    ++i;
  }
  if (!digits) return false;
  const std::string num(s.substr(0, i));
  char* end = nullptr;
  out = std::strtod(num.c_str(), &end);
  if (end != num.c_str() + num.size()) return false;
  s.remove_prefix(i);
  return true;
}

std::string_view TakeUnit(std::string_view& s) {
  std::size_t i = 0;
  while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
  std::string_view unit = s.substr(0, i);
  s.remove_prefix(i);
  return unit;
}

double DurationUnitMillis(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60'000;
  if (unit == "h") return 3'600'000;
  if (unit == "d") return 86'400'000;
  return -1;
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

Result<Millis> ParseDuration(std::string_view text, Millis max) {
  const std::string bad = "invalid duration " + Quoted(text);
  if (text.empty()) return Result<Millis>::Error("empty duration (expected e.g. 250ms, 10s, 5m, 2h, 14d)");
  std::string_view s = text;
  double total = 0;
  while (!s.empty()) {
    double n = 0;
    if (!TakeNumber(s, n)) return Result<Millis>::Error(bad + " (expected e.g. 250ms, 10s, 5m, 2h, 14d)");
    const std::string_view unit = TakeUnit(s);
    if (unit.empty()) return Result<Millis>::Error(bad + ": missing unit (ms, s, m, h or d)");
    const double scale = DurationUnitMillis(unit);
    if (scale < 0) {
      return Result<Millis>::Error(bad + ": unknown unit " + Quoted(unit) + " (ms, s, m, h or d)");
    }
    total += n * scale;
  }
  if (total > static_cast<double>(max.count())) {
    return Result<Millis>::Error(bad + ": longer than " + (max == kYear ? std::string("a year") : FormatDuration(max)));
  }
  return Millis(static_cast<int64_t>(std::llround(total)));
}

std::string FormatDuration(Millis d) {
  int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  if (ms < 1000) return out + std::to_string(ms) + "ms";
  if (ms < 60'000 && ms % 1000 != 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", static_cast<double>(ms) / 1000.0);
    return out + buf + "s";
  }
  const struct {
    int64_t size;
    const char* unit;
  } parts[] = {{86'400'000, "d"}, {3'600'000, "h"}, {60'000, "m"}, {1000, "s"}};
  for (const auto& p : parts) {
    if (ms >= p.size) {
      out += std::to_string(ms / p.size) + p.unit;
      ms %= p.size;
    }
  }
  return out;
}

std::string FormatMillis(double ms) {
  char buf[32];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%.3gms", ms);
  } else {
    std::snprintf(buf, sizeof buf, "%.3gs", ms / 1000.0);
  }
  return buf;
}

Result<double> ParsePercent(std::string_view text) {
  std::string_view s = text;
  double n = 0;
  if (!TakeNumber(s, n) || s != "%") {
    return Result<double>::Error("invalid percentage " + Quoted(text) + " (expected e.g. 20%)");
  }
  if (n > 100) return Result<double>::Error("invalid percentage " + Quoted(text) + ": above 100%");
  return n / 100.0;
}

Result<std::size_t> ParseByteSize(std::string_view text) {
  std::string_view s = text;
  double n = 0;
  if (!TakeNumber(s, n)) {
    return Result<std::size_t>::Error("invalid size " + Quoted(text) + " (expected e.g. 4096, 64KiB, 1MiB)");
  }
  double scale = 0;
  if (s.empty() || s == "B") scale = 1;
  else if (s == "KiB") scale = 1024;
  else if (s == "MiB") scale = 1024.0 * 1024;
  else if (s == "GiB") scale = 1024.0 * 1024 * 1024;
  else if (s == "KB" || s == "kB") scale = 1000;
  else if (s == "MB") scale = 1e6;
  else if (s == "GB") scale = 1e9;
  else {
    return Result<std::size_t>::Error("invalid size " + Quoted(text) + ": unknown unit " + Quoted(s) +
                                      " (B, KiB, MiB, GiB, KB, MB, GB)");
  }
  const double bytes = n * scale;
  if (bytes > static_cast<double>(std::numeric_limits<std::size_t>::max() / 2)) {
    return Result<std::size_t>::Error("invalid size " + Quoted(text) + ": too large");
  }
  return static_cast<std::size_t>(std::llround(bytes));
}

std::string FormatBytes(std::size_t n) {
  char buf[32];
  if (n < 1024) {
    std::snprintf(buf, sizeof buf, "%zu B", n);
  } else if (n < 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.3g KiB", static_cast<double>(n) / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g MiB", static_cast<double>(n) / (1024.0 * 1024));
  }
  return buf;
}

}  // namespace vigil::core
