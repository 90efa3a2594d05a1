// QuotaBook: what every provider's responses said about its rate limits, and what follows for
// Vigil's own probing. It records each budget a response reports (SPEC §4), turns them into
// `quota` findings (below warn_below / critical_below, or a burn-rate forecast that the budget
// runs out before it resets), and is the scheduler's probe gate:
//   * after a 429 or a Retry-After, no probe of the provider before the time it asked for
//     (a 429 without Retry-After waits for the exhausted budget's reset, else 30 s);
//   * with quota.probe_budget b, when a response shows R remaining before a reset at T, the
//     provider's probes until T number at most floor(R0 * b) (R0: the first R seen for that
//     reset), spread evenly over the time left — the observing probe included. Until a window
//     is known, one probe at a time learns it (the others wait for its answer, at most 30 s).
// Runtime state, kept across config reloads. Thread-safe.
#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/core/clock.h"
#include "probes/finding.h"
#include "probes/quota/ratelimit_headers.h"

namespace vigil::probes::quota {

struct Throttle {
  core::WallTime until;
  std::string reason;  // "429 Too Many Requests, Retry-After 5s", "probe_budget 1%: ..."
};

struct ObservedBudget {
  core::WallTime at;  // when the response that reported it was probed
  Budget budget;
};

class QuotaBook {
 public:
  // Adopts each provider's quota settings; state of providers that remain is kept.
  void Configure(const config::Config& config);
  // Records what one response of `provider` said (every result reports, status 0 when no
  // response came); returns the findings it warrants.
  std::vector<Finding> Observe(const std::string& provider, const RateLimitInfo& info, int status, core::WallTime now);
  // The probe gate. nullopt: a probe of `provider` may start now (and is counted against its
  // probe budget). Otherwise: not before `until`, because of `reason`.
  std::optional<Throttle> Admit(const std::string& provider, core::WallTime now);
  // Why and until when probing of `provider` is slowed right now, if it is.
  std::optional<Throttle> CurrentThrottle(const std::string& provider, core::WallTime now) const;
  // The latest report of each of `provider`'s budgets, by dimension: a budget stays known when
  // a later response (or a failed probe) says nothing of it.
  std::vector<ObservedBudget> LatestBudgets(const std::string& provider) const;

 private:
  struct Sample {
    core::WallTime at;
    double remaining;
    std::optional<int64_t> reset_unix_ms;
  };
  struct Pacing {
    core::WallTime window_end;  // the pacing budget's reset
    int allowance = 0;          // probes allowed before window_end
    int used = 0;               // probes made since the window began
    core::WallTime next;        // the next probe, no earlier
    std::string dimension;
  };
  struct ProviderState {
    config::QuotaConfig config;
    std::map<std::string, std::deque<Sample>> samples;  // by dimension, oldest first
    std::optional<Throttle> retry;                      // from 429 / Retry-After
    std::optional<Pacing> pacing;
    std::optional<core::WallTime> learning_until;       // a probe is out to learn the budget
    std::map<std::string, ObservedBudget> latest;       // by dimension
  };
  void ObserveBudget(ProviderState& p, const Budget& b, core::WallTime now, std::vector<Finding>& findings);
  void UpdatePacing(ProviderState& p, const RateLimitInfo& info, core::WallTime now);
  static void NoteRetry(ProviderState& p, const RateLimitInfo& info, int status, core::WallTime now);

  mutable std::mutex mu_;
  std::map<std::string, ProviderState> providers_;  // GUARDED_BY(mu_)
};

}  // namespace vigil::probes::quota
