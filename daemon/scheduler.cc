#include "daemon/scheduler.h"

#include <algorithm>

#include "daemon/core/log.h"
#include "daemon/core/text.h"

namespace vigil::daemon {

Scheduler::Scheduler(const core::Clock& clock, WorkerPool& pool, SchedulerObserver* observer, ProbeGate* gate)
    : clock_(clock), pool_(pool), observer_(observer), gate_(gate) {}

void Scheduler::SetDueLocked(Entry& e, core::SteadyTime due) {
  due_.erase({e.due, e.check.key});
  e.due = due;
  due_.emplace(due, e.check.key);
}

void Scheduler::SetChecks(std::vector<ScheduledCheck> checks, Task task) {
  const core::SteadyTime now = clock_.Steady();
  {
    std::lock_guard lock(mu_);
    std::map<std::string, Entry> next;
    due_.clear();
    for (std::size_t i = 0; i < checks.size(); ++i) {
      Entry e;
      if (auto it = entries_.find(checks[i].key); it != entries_.end()) {
        e = it->second;
        // A shorter new interval takes effect now rather than after the old one.
        e.due = std::min(e.due, now + checks[i].interval);
      } else {
        const auto spread = std::min(checks[i].interval, kMaxInitialSpread).count();
        const auto jitter = static_cast<int64_t>(core::Fnv1a64(checks[i].key) % static_cast<uint64_t>(spread));
        e.due = now + core::Millis(jitter);
      }
      e.check = std::move(checks[i]);
      e.index = i;
      due_.emplace(e.due, e.check.key);
      next.emplace(e.check.key, std::move(e));
    }
    entries_ = std::move(next);
    task_ = std::make_shared<const Task>(std::move(task));
  }
  Wake();
}

bool Scheduler::DispatchLocked(Entry& e, core::SteadyTime scheduled_for) {
  if (e.running) {
    if (observer_) observer_->OnSkipped(e.check.key, "previous probe still running");
    return false;
  }
  std::shared_ptr<const Task> task = task_;
  const std::size_t index = e.index;
  const std::string key = e.check.key;
  const bool submitted = pool_.TrySubmit([this, task, index, key, scheduled_for] {
    if (observer_) {
      observer_->OnStarted(key, std::chrono::duration<double>(clock_.Steady() - scheduled_for).count());
    }
    bool failing = true;
    try {
      failing = (*task)(index);
    } catch (const std::exception& ex) {
      core::Log::Error("scheduler", "probe task threw", {{"check", key}, {"error", ex.what()}});
    }
    Complete(key, failing);
  });
  if (!submitted) {
    if (observer_) observer_->OnSkipped(e.check.key, "worker queue full");
    return false;
  }
  e.running = true;
  return true;
}

core::SteadyTime Scheduler::Tick() {
  const core::SteadyTime now = clock_.Steady();
  std::lock_guard lock(mu_);
  while (!due_.empty() && due_.begin()->first <= now) {
    const auto [due, key] = *due_.begin();
    Entry& e = entries_.at(key);
    if (gate_ && !e.running) {
      if (std::optional<ProbeGate::Deferral> d = gate_->Admit(key, clock_.Now())) {
        SetDueLocked(e, now + std::max<core::WallTime::duration>(d->until - clock_.Now(), core::Millis(1)));
        if (observer_) observer_->OnDeferred(key, d->reason);
        continue;
      }
    }
    DispatchLocked(e, due);
    const core::Millis step = e.failing && e.check.interval_when_failing ? *e.check.interval_when_failing
                                                                         : e.check.interval;
    core::SteadyTime next = due + step;
    if (next <= now) next += step * ((now - next) / step + 1);  // after a stall: skip, keep phase
    SetDueLocked(e, next);
  }
  return due_.empty() ? now + std::chrono::seconds(1) : due_.begin()->first;
}

bool Scheduler::RunNow(const std::string& key, std::string* why) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  if (gate_ && !it->second.running) {
    if (std::optional<ProbeGate::Deferral> d = gate_->Admit(key, clock_.Now())) {
      if (why) *why = d->reason;
      return false;
    }
  }
  return DispatchLocked(it->second, clock_.Steady());
}

void Scheduler::Complete(const std::string& key, bool failing) {
  bool moved = false;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;  // removed by a reload while it ran
    Entry& e = it->second;
    e.running = false;
    const bool was_failing = e.failing;
    e.failing = failing;
    if (failing && !was_failing && e.check.interval_when_failing) {
      const core::SteadyTime sooner = clock_.Steady() + *e.check.interval_when_failing;
      if (sooner < e.due) {
        SetDueLocked(e, sooner);
        moved = true;
      }
    }
  }
  if (moved) Wake();  // only a due time that moved earlier can change the loop's wait
}

void Scheduler::WaitUntil(core::SteadyTime until) {
  std::unique_lock lock(mu_);
  wake_.wait_until(lock, until, [&] { return woken_; });
  woken_ = false;
}

void Scheduler::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

std::optional<core::SteadyTime> Scheduler::NextDue(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.due;
}

}  // namespace vigil::daemon
