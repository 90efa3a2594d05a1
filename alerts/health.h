// The health model: a pure state machine per check, and the provider view built from it.
//
// A check is unknown until its first result. Results are pass / warn / fail. With thresholds
// F (failure_threshold) and S (success_threshold):
//   up       -> down      after F consecutive fails
//   up       -> degraded  after F consecutive non-passes (warn or fail) that are not all fails
//   degraded -> down      after F consecutive fails;  degraded -> up after S consecutive passes
//   down     -> up        after S consecutive passes; -> degraded after S consecutive non-fails
//   unknown  -> up / degraded on the first pass / warn; -> down after F consecutive fails
// Observe() says whether the state changed, or a change is pending (the thresholds are being
// counted), in Envoy's HealthTransition vocabulary. Not thread-safe; owned by one thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "probes/finding.h"

namespace vigil::alerts {

enum class HealthState { kUnknown, kUp, kDegraded, kDown, kMaintenance };
const char* HealthStateName(HealthState s);
bool ParseHealthState(std::string_view text, HealthState& out);
// Severity order for "worst of": down > degraded > unknown > up. Maintenance overrides.
int Badness(HealthState s);

enum class HealthTransition { kUnchanged, kChanged, kChangePending };

class CheckHealth {
 public:
  CheckHealth(int failure_threshold, int success_threshold)
      : failure_threshold_(failure_threshold), success_threshold_(success_threshold) {}

  HealthTransition Observe(probes::Outcome outcome);
  HealthState state() const { return state_; }
  // Restores a state read back from storage (a restart keeps the last known state).
  void Restore(HealthState state) { state_ = state; }
  void SetThresholds(int failure_threshold, int success_threshold) {
    failure_threshold_ = failure_threshold;
    success_threshold_ = success_threshold;
  }

 private:
  HealthState Target() const;

  int failure_threshold_;
  int success_threshold_;
  HealthState state_ = HealthState::kUnknown;
  int fails_ = 0;      // consecutive fails
  int non_pass_ = 0;   // consecutive warns or fails
  int passes_ = 0;     // consecutive passes
  int non_fail_ = 0;   // consecutive passes or warns
};

// The worst of several states (a provider from its checks).
HealthState Worst(const std::vector<HealthState>& states);

// SPEC §3 `recommended`: the provider itself when up or degraded, else the first fallback that is
// up, else the provider itself. `state_of` gives the current state of any provider.
template <typename StateOf>
std::string Recommend(const std::string& provider, HealthState state,
                      const std::vector<std::string>& fallback, StateOf state_of) {
  if (state == HealthState::kUp || state == HealthState::kDegraded) return provider;
  for (const auto& f : fallback) {
    if (state_of(f) == HealthState::kUp) return f;
  }
  return provider;
}

// SPEC §3 impact: the first of `depends_on` that is down, or "" (then a failure is the provider's
// own). `state_of` gives the current state of any provider.
template <typename StateOf>
std::string ImpactedBy(const std::vector<std::string>& depends_on, StateOf state_of) {
  for (const auto& dep : depends_on) {
    if (state_of(dep) == HealthState::kDown) return dep;
  }
  return "";
}

}  // namespace vigil::alerts
