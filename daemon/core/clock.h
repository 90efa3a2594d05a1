// Clock: the one way Vigil code reads time, so tests can step it instead of sleeping.
// Wall time (Now) is for display and stored timestamps; steady time (Steady) is for intervals,
// deadlines and scheduling. Implementations must be safe to call from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace vigil::core {

using WallTime = std::chrono::system_clock::time_point;
using SteadyTime = std::chrono::steady_clock::time_point;
using Millis = std::chrono::milliseconds;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime Now() const = 0;
  virtual SteadyTime Steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  WallTime Now() const override { return std::chrono::system_clock::now(); }
  SteadyTime Steady() const override { return std::chrono::steady_clock::now(); }
  // A process-wide instance for composition roots; code below them takes a Clock&.
  static const SystemClock& Instance();
};

int64_t ToUnixMillis(WallTime t);
// Clamped to what WallTime holds (years 1678 to 2262): any int64 is safe to pass.
WallTime FromUnixMillis(int64_t ms);
// RFC 3339 in UTC with millisecond precision: 2026-11-24T10:00:00.123Z
std::string FormatRfc3339(WallTime t);

}  // namespace vigil::core
