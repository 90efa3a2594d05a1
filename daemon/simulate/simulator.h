// Simulator: a scriptable fake provider on loopback, for the demo, the tests and users
// rehearsing their failover. Each path prefix plays a scenario (healthy, slow, unauthorized,
// forbidden, ratelimited, error, status, reset, endless, dribble, drift, flapping, malformed,
// truncated, redirect, faulty: healthy but for a random share of network faults); a control API under /_sim switches them at run time:
//
//   GET  /_sim/scenarios                          current assignments and call counts
//   POST /_sim/scenario?path=/p&scenario=NAME[&param=value...]
//   POST /_sim/reset                              everything back to healthy, counters to 0
//
// Thread-safe; Stop() returns promptly even with slow or endless responses in flight.
#pragma once

#include <Poco/Net/HTTPServer.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "daemon/core/status.h"

namespace vigil::simulate {

struct Scenario {
  std::string name = "healthy";
  std::map<std::string, std::string> params;
};

const std::vector<std::string>& ScenarioNames();
// Validates a scenario name and its parameters; returns an error message or "".
std::string ValidateScenario(const Scenario& s);
// "error", "slow?delay=2s", "drift?after=3" -> Scenario
core::Result<Scenario> ParseScenarioSpec(const std::string& spec);

class Simulator {
 public:
  struct PathState {
    Scenario scenario;
    uint64_t calls = 0;  // requests under this prefix since its scenario was set
  };

  // `listen` is HOST:PORT; port 0 picks a free one. `seed` drives the faulty scenario's dice
  // (0: a random seed).
  static core::Result<std::unique_ptr<Simulator>> Start(const std::string& listen,
                                                        const std::map<std::string, Scenario>& initial,
                                                        uint64_t seed = 0);
  ~Simulator();

  uint16_t port() const { return port_; }
  core::Status SetScenario(const std::string& path, const Scenario& scenario);
  void Reset();
  void Stop();

  // For the request handler: picks the scenario for `path` (its longest assigned prefix, else
  // healthy), counts the call, and returns the call's number under that prefix.
  std::pair<Scenario, uint64_t> Take(const std::string& path);
  // Assigned prefixes with their scenario and call count.
  std::map<std::string, PathState> Snapshot() const;
  // Requests received for `prefix` and every path below it.
  uint64_t Calls(const std::string& prefix) const;
  // Counts a call against `path`'s rate limit and returns the calls in its current window (1-based).
  uint64_t RateUse(const std::string& path, int64_t window);
  // A uniform draw from [0, 1), for the faulty scenario.
  double Roll();
  // Sleeps up to `ms`, returning false early when the simulator is stopping.
  bool Pause(int64_t ms);
  bool stopping() const { return stopping_; }

 private:
  Simulator() = default;

  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  std::map<std::string, PathState> paths_;   // GUARDED_BY(mu_); assigned prefixes
  std::map<std::string, uint64_t> requests_;  // GUARDED_BY(mu_); calls per exact path
  std::map<std::string, std::pair<int64_t, uint64_t>> rate_;  // GUARDED_BY(mu_); per path: window, calls
  std::mt19937_64 dice_;                                       // GUARDED_BY(mu_)
  std::atomic<bool> stopping_{false};
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  uint16_t port_ = 0;
};

}  // namespace vigil::simulate
