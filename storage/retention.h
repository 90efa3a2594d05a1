// RetentionTask: keeps the database to the size its retention windows allow (SPEC §2
// `storage.retention`), on its own thread, off the probe path.
//   1. A database upgraded from before rollups is backfilled first: its raw rows are rolled up,
//      oldest first, in bounded steps (progress in the log every 10 s and to the observer).
//   2. Then, every minute (or every tenth of the raw window when that is shorter), every kind of
//      history past its window is pruned in bounded steps, and free pages are given back.
// Each step is one short transaction and the task pauses between steps, so the pipeline's group
// commit never waits for more than one step. A failed step is logged at warn, reported to the
// observer, and tried again at the next run. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "config/config.h"
#include "daemon/core/clock.h"
#include "storage/store.h"

namespace vigil::storage {

// Where the task reports (the daemon's metrics). Called on the task's thread.
class RetentionObserver {
 public:
  virtual ~RetentionObserver() = default;
  virtual void Pruned(PruneKind kind, int64_t rows) = 0;
  virtual void Backfilled(const BackfillProgress& progress) = 0;
  virtual void RetentionFailed(const std::string& operation) = 0;
};

class RetentionTask {
 public:
  // `observer` may be null.
  RetentionTask(RetentionStore& store, const core::Clock& clock, RetentionObserver* observer);
  ~RetentionTask();  // Stop()

  void Configure(const config::RetentionConfig& retention);
  void Start();
  // Stops after the step in progress.
  void Stop();
  // One whole pass, as the task's thread runs it every period, on the calling thread: the
  // backfill to its end, then every prune that is due as of the clock's now. Returns false when
  // a step failed (or Stop() was called). Not concurrently with a started task.
  bool RunOnce();

  static constexpr std::size_t kBackfillRows = 5000;
  static constexpr std::size_t kPruneRows = 1000;

 private:
  void Loop();
  bool Backfill();  // false: a step failed, or stopping
  bool Prune();
  bool Pause(std::chrono::milliseconds d);  // false: stopping
  config::RetentionConfig retention() const;
  std::chrono::milliseconds Period() const;

  RetentionStore& store_;
  const core::Clock& clock_;
  RetentionObserver* observer_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  config::RetentionConfig retention_;  // GUARDED_BY(mu_)
  bool stopping_ = false;              // GUARDED_BY(mu_)
  bool backfilled_ = false;            // only the task's thread (or RunOnce) touches it
  std::thread thread_;
};

}  // namespace vigil::storage
