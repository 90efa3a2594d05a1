#include "storage/retention.h"

#include <algorithm>

#include "daemon/core/log.h"

namespace vigil::storage {
namespace {

using namespace std::chrono_literals;

// Between steps: long enough for the pipeline thread to take the write lock.
constexpr auto kStepPause = 5ms;
constexpr auto kRetryAfterFailure = 10s;
constexpr auto kProgressEvery = 10s;

}  // namespace

RetentionTask::RetentionTask(RetentionStore& store, const core::Clock& clock, RetentionObserver* observer)
    : store_(store), clock_(clock), observer_(observer) {}

RetentionTask::~RetentionTask() { Stop(); }

void RetentionTask::Configure(const config::RetentionConfig& retention) {
  {
    std::lock_guard lock(mu_);
    retention_ = retention;
  }
  cv_.notify_all();  // a shorter window applies now, not after the old period
}

config::RetentionConfig RetentionTask::retention() const {
  std::lock_guard lock(mu_);
  return retention_;
}

std::chrono::milliseconds RetentionTask::Period() const {
  return std::clamp<std::chrono::milliseconds>(retention().raw / 10, 1s, 60s);
}

void RetentionTask::Start() {
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  thread_ = std::thread([this] { Loop(); });
}

void RetentionTask::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool RetentionTask::Pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  return !cv_.wait_for(lock, d, [&] { return stopping_; });
}

void RetentionTask::Loop() {
  for (;;) {
    const bool ok = RunOnce();
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
    }
    if (!Pause(ok ? Period() : std::chrono::milliseconds(kRetryAfterFailure))) return;
  }
}

bool RetentionTask::RunOnce() { return Backfill() && Prune(); }

bool RetentionTask::Backfill() {
  auto next_report = clock_.Steady() + kProgressEvery;
  bool announced = false;
  while (!backfilled_) {
    core::Result<BackfillProgress> step = store_.BackfillStep(kBackfillRows, retention(), clock_.Now());
    if (!step.ok()) {
      core::Log::Warn("storage", "rolling up old results failed; trying again later", {{"error", step.message()}});
      if (observer_) observer_->RetentionFailed("backfill");
      return false;
    }
    if (observer_) observer_->Backfilled(*step);
    if (step->finished()) {
      backfilled_ = true;
      if (announced) core::Log::Info("storage", "old results rolled up", {{"rows", std::to_string(step->done)}});
      break;
    }
    if (!announced || clock_.Steady() >= next_report) {
      core::Log::Info("storage", announced ? "rolling up old results" : "rolling up results written before rollups existed",
                      {{"done", std::to_string(step->done)}, {"pending", std::to_string(step->pending)}});
      announced = true;
      next_report = clock_.Steady() + kProgressEvery;
    }
    if (!Pause(kStepPause)) return false;
  }
  return true;
}

bool RetentionTask::Prune() {
  const config::RetentionConfig r = retention();
  const core::WallTime now = clock_.Now();
  const std::pair<PruneKind, core::Millis> plan[] = {{PruneKind::kRaw, r.raw},
                                                     {PruneKind::kMinute, r.minute},
                                                     {PruneKind::kHour, r.hour},
                                                     {PruneKind::kDay, r.hour},
                                                     {PruneKind::kDeliveries, r.deliveries},
                                                     {PruneKind::kDeadLetters, r.dead_letters}};
  for (const auto& [kind, window] : plan) {
    int64_t total = 0;
    for (bool more = true; more;) {
      core::Result<PruneProgress> step = store_.PruneStep(kind, now - window, kPruneRows);
      if (!step.ok()) {
        core::Log::Warn("storage", "pruning failed; trying again later",
                        {{"kind", PruneKindName(kind)}, {"error", step.message()}});
        if (observer_) observer_->RetentionFailed(std::string("prune_") + PruneKindName(kind));
        return false;
      }
      total += step->deleted;
      if (observer_ && step->deleted > 0) observer_->Pruned(kind, step->deleted);
      more = step->more;
      if (more && !Pause(kStepPause)) return false;
    }
    if (total > 0) {
      core::Log::Debug("storage", "pruned", {{"kind", PruneKindName(kind)}, {"rows", std::to_string(total)}});
    }
  }
  if (core::Status s = store_.ReclaimSpace(); !s.ok()) {
    core::Log::Warn("storage", "giving free pages back failed", {{"error", s.message()}});
    if (observer_) observer_->RetentionFailed("reclaim");
    return false;
  }
  return true;
}

}  // namespace vigil::storage
