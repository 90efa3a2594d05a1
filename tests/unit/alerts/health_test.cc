#include "alerts/health.h"

#include <gtest/gtest.h>

namespace vigil::alerts {
namespace {

using probes::Outcome;
constexpr Outcome P = Outcome::kPass, W = Outcome::kWarn, F = Outcome::kFail;
constexpr HealthTransition U = HealthTransition::kUnchanged, C = HealthTransition::kChanged,
                           N = HealthTransition::kChangePending;

struct Step {
  Outcome outcome;
  HealthState state;
  HealthTransition transition;
};

void Play(int fail_threshold, int success_threshold, const std::vector<Step>& steps) {
  CheckHealth h(fail_threshold, success_threshold);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i));
    EXPECT_EQ(h.Observe(steps[i].outcome), steps[i].transition);
    EXPECT_EQ(HealthStateName(h.state()), std::string(HealthStateName(steps[i].state)));
  }
}

using S = HealthState;

TEST(CheckHealth, GoesDownAfterExactlyFailureThresholdAndBackAfterSuccessThreshold) {
  Play(3, 2, {{P, S::kUp, C}, {F, S::kUp, N}, {F, S::kUp, N}, {F, S::kDown, C}, {F, S::kDown, U},
              {P, S::kDown, N}, {P, S::kUp, C}, {P, S::kUp, U}});
}

TEST(CheckHealth, AFailStreakBrokenByAPassStartsOver) {
  Play(3, 2, {{P, S::kUp, C}, {F, S::kUp, N}, {F, S::kUp, N}, {P, S::kUp, U}, {F, S::kUp, N}, {F, S::kUp, N},
              {F, S::kDown, C}});
}

TEST(CheckHealth, UnknownNeedsTheFailureThresholdToGoDown) {
  Play(2, 2, {{F, S::kUnknown, N}, {F, S::kDown, C}});
  Play(2, 2, {{W, S::kDegraded, C}});
}

TEST(CheckHealth, WarningsDegradeAfterTheThresholdAndRecover) {
  Play(2, 2, {{P, S::kUp, C}, {W, S::kUp, N}, {W, S::kDegraded, C}, {W, S::kDegraded, U}, {P, S::kDegraded, N},
              {P, S::kUp, C}});
  // A mix of warn and fail degrades; only a streak of fails brings it down.
  Play(2, 2, {{P, S::kUp, C}, {W, S::kUp, N}, {F, S::kDegraded, C}, {F, S::kDown, C}});
}

TEST(CheckHealth, DownRecoversToDegradedOnWarnings) {
  Play(1, 2, {{F, S::kDown, C}, {W, S::kDown, N}, {W, S::kDegraded, C}});
  Play(1, 2, {{F, S::kDown, C}, {P, S::kDown, N}, {F, S::kDown, U}, {P, S::kDown, N}, {P, S::kUp, C}});
}

TEST(ProviderView, WorstOfAndRecommended) {
  EXPECT_EQ(Worst({S::kUp, S::kDown, S::kDegraded}), S::kDown);
  EXPECT_EQ(Worst({S::kUp, S::kDegraded}), S::kDegraded);
  EXPECT_EQ(Worst({S::kUp, S::kUnknown}), S::kUnknown);
  EXPECT_EQ(Worst({S::kUp, S::kUp}), S::kUp);
  const auto states = [](const std::string& p) {
    return p == "adyen" ? S::kDown : p == "braintree" ? S::kUp : S::kUnknown;
  };
  EXPECT_EQ(Recommend("stripe", S::kUp, {"adyen", "braintree"}, states), "stripe");
  EXPECT_EQ(Recommend("stripe", S::kDegraded, {"braintree"}, states), "stripe");
  EXPECT_EQ(Recommend("stripe", S::kDown, {"adyen", "braintree"}, states), "braintree");
  EXPECT_EQ(Recommend("stripe", S::kDown, {"adyen"}, states), "stripe");
}

}  // namespace
}  // namespace vigil::alerts
