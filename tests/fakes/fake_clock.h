// FakeClock: time that moves only when a test says so. Wall and steady time advance together.
#pragma once

#include <mutex>

#include "daemon/core/clock.h"

namespace vigil::testing {

class FakeClock final : public core::Clock {
 public:
  FakeClock() : FakeClock(core::FromUnixMillis(1'764'000'000'000)) {}
  // Starting at `wall`, e.g. the real time, when a real server's absolute times must line up.
  explicit FakeClock(core::WallTime wall) : wall_(wall), steady_(core::SteadyTime() + std::chrono::hours(1)) {}
  core::WallTime Now() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  core::SteadyTime Steady() const override {
    std::lock_guard lock(mu_);
    return steady_;
  }
  void Advance(core::Millis d) {
    std::lock_guard lock(mu_);
    wall_ += d;
    steady_ += d;
  }

 private:
  mutable std::mutex mu_;
  core::WallTime wall_;
  core::SteadyTime steady_;
};

}  // namespace vigil::testing
