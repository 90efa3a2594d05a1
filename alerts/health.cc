#include "alerts/health.h"

#include <array>

namespace vigil::alerts {

const char* HealthStateName(HealthState s) {
  switch (s) {
    case HealthState::kUnknown: return "unknown";
    case HealthState::kUp: return "up";
    case HealthState::kDegraded: return "degraded";
    case HealthState::kDown: return "down";
    case HealthState::kMaintenance: return "maintenance";
  }
  return "unknown";
}

bool ParseHealthState(std::string_view text, HealthState& out) {
  for (HealthState s : {HealthState::kUnknown, HealthState::kUp, HealthState::kDegraded,
                        HealthState::kDown, HealthState::kMaintenance}) {
    if (text == HealthStateName(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

int Badness(HealthState s) {
  switch (s) {
    case HealthState::kUp: return 0;
    case HealthState::kUnknown: return 1;
    case HealthState::kDegraded: return 2;
    case HealthState::kDown: return 3;
    case HealthState::kMaintenance: return 4;
  }
  return 1;
}

HealthState Worst(const std::vector<HealthState>& states) {
  if (states.empty()) return HealthState::kUnknown;
  HealthState worst = HealthState::kUp;
  for (HealthState s : states) {
    if (Badness(s) > Badness(worst)) worst = s;
  }
  return worst;
}

HealthState CheckHealth::Target() const {
  const int f = failure_threshold_;
  const int s = success_threshold_;
  switch (state_) {
    case HealthState::kUnknown:
      if (fails_ >= f) return HealthState::kDown;
      if (passes_ >= 1) return HealthState::kUp;
      if (non_fail_ >= 1) return HealthState::kDegraded;
      return HealthState::kUnknown;
    case HealthState::kUp:
      if (fails_ >= f) return HealthState::kDown;
      if (non_pass_ >= f) return HealthState::kDegraded;
      return HealthState::kUp;
    case HealthState::kDegraded:
      if (fails_ >= f) return HealthState::kDown;
      if (passes_ >= s) return HealthState::kUp;
      return HealthState::kDegraded;
    case HealthState::kDown:
      if (passes_ >= s) return HealthState::kUp;
      if (non_fail_ >= s) return HealthState::kDegraded;
      return HealthState::kDown;
    case HealthState::kMaintenance:
      return HealthState::kMaintenance;
  }
  return state_;
}

HealthTransition CheckHealth::Observe(probes::Outcome outcome) {
  const bool pass = outcome == probes::Outcome::kPass;
  const bool fail = outcome == probes::Outcome::kFail;
  fails_ = fail ? fails_ + 1 : 0;
  non_pass_ = pass ? 0 : non_pass_ + 1;
  passes_ = pass ? passes_ + 1 : 0;
  non_fail_ = fail ? 0 : non_fail_ + 1;
  const HealthState target = Target();
  if (target != state_) {
    state_ = target;
    return HealthTransition::kChanged;
  }
  // Anything that does not match the settled state is a change being counted.
  const bool settled = (state_ == HealthState::kUp && pass) || (state_ == HealthState::kDown && fail) ||
                       (state_ == HealthState::kDegraded && outcome == probes::Outcome::kWarn);
  return settled ? HealthTransition::kUnchanged : HealthTransition::kChangePending;
}

}  // namespace vigil::alerts
