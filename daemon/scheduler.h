// Scheduler: decides when each check runs. Every check runs on its interval (interval_when_failing
// while its last result failed), first runs are spread by a deterministic jitter so a restart
// does not fire everything at once, a check never overlaps itself, and a due check that finds
// the worker queue full is skipped and counted rather than queued without bound.
//
// Time comes from the injected Clock: the daemon calls Tick() from its loop and waits on real
// time in between; tests step a FakeClock and call Tick() themselves, so nothing sleeps.
// Thread-safe: Tick() runs on the scheduler thread, completions arrive from workers.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/clock.h"
#include "daemon/worker_pool.h"

namespace vigil::daemon {

struct ScheduledCheck {
  std::string key;  // "provider/check": identity across reloads
  core::Millis interval{60'000};
  std::optional<core::Millis> interval_when_failing;
};

// Receives scheduling events; called from the scheduler and worker threads.
class SchedulerObserver {
 public:
  virtual ~SchedulerObserver() = default;
  virtual void OnStarted(const std::string& key, double lag_seconds) = 0;
  virtual void OnSkipped(const std::string& key, std::string_view reason) = 0;
  // The gate put the check off until later (a provider's rate limit, say).
  virtual void OnDeferred(const std::string& key, std::string_view reason) { (void)key, (void)reason; }
};

// Asked before every probe: may this check start now? A provider's rate limits say no after a
// 429 or Retry-After, or to keep probes within its probe budget. Called with the scheduler's
// lock held: must be quick and must not call back into the Scheduler.
class ProbeGate {
 public:
  struct Deferral {
    core::WallTime until;
    std::string reason;
  };
  virtual ~ProbeGate() = default;
  // nullopt: start it now (the gate may count it). Otherwise: not before `until`.
  virtual std::optional<Deferral> Admit(const std::string& key, core::WallTime now) = 0;
};

class Scheduler {
 public:
  // Runs the probe for the check at `index` of the current schedule; returns true when the
  // result failed (the check then runs at interval_when_failing).
  using Task = std::function<bool(std::size_t index)>;

  // First runs spread over at most this long after start (or a check's interval, if shorter).
  static constexpr core::Millis kMaxInitialSpread{15'000};

  Scheduler(const core::Clock& clock, WorkerPool& pool, SchedulerObserver* observer, ProbeGate* gate = nullptr);

  // Replaces the schedule. A check whose key was already scheduled keeps its next due time
  // (and running flag), so a reload neither re-fires nor forgets it.
  void SetChecks(std::vector<ScheduledCheck> checks, Task task);
  // Dispatches every check due at or before now; returns the next due time.
  core::SteadyTime Tick();
  // Runs a check now, outside its schedule; false when it is running, unknown, or the gate says
  // not yet (then `why` says why).
  bool RunNow(const std::string& key, std::string* why = nullptr);
  // Blocks (in real time) until `until`, or until Wake().
  void WaitUntil(core::SteadyTime until);
  void Wake();

  std::optional<core::SteadyTime> NextDue(const std::string& key) const;

 private:
  struct Entry {
    ScheduledCheck check;
    std::size_t index = 0;
    core::SteadyTime due;
    bool running = false;
    bool failing = false;
  };
  bool DispatchLocked(Entry& e, core::SteadyTime scheduled_for);  // REQUIRES: mu_ held
  void Complete(const std::string& key, bool failing);
  void SetDueLocked(Entry& e, core::SteadyTime due);              // REQUIRES: mu_ held

  const core::Clock& clock_;
  WorkerPool& pool_;
  SchedulerObserver* observer_;
  ProbeGate* gate_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool woken_ = false;                                        // GUARDED_BY(mu_)
  std::map<std::string, Entry> entries_;                      // GUARDED_BY(mu_)
  std::set<std::pair<core::SteadyTime, std::string>> due_;    // GUARDED_BY(mu_)
  std::shared_ptr<const Task> task_;                          // GUARDED_BY(mu_)
};

}  // namespace vigil::daemon
