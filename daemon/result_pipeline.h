// ResultPipeline: the one thread between the workers and everything downstream. Workers
// Submit() results into a bounded queue; the pipeline thread takes them in batches, lets each
// stage add what must be stored with them (Prepare), commits the batch in one transaction, and
// only then lets the stages publish it (Published): nothing is visible in the API or metrics
// before it is durable. A failed commit is retried; the batch is not dropped. Thread-safe.
#pragma once

#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <mutex>
#include <thread>
#include <vector>

#include "probes/probe_result.h"
#include "storage/result_store.h"

namespace vigil::daemon {

class PipelineStage {
 public:
  virtual ~PipelineStage() = default;
  // Pipeline thread, before the commit: add rows to store atomically with the results.
  virtual void Prepare(storage::WriteBatch& batch) { (void)batch; }
  // Pipeline thread, after the commit.
  virtual void Published(const storage::WriteBatch& batch) = 0;
};

class ResultPipeline {
 public:
  ResultPipeline(storage::ResultStore& store, std::size_t max_queue);
  ~ResultPipeline();  // Stop()

  // REQUIRES: called before Start().
  void AddStage(PipelineStage* stage) { stages_.push_back(stage); }
  void Start();
  // Commits everything already submitted, then stops the thread.
  void Stop();

  // False when the queue is full: the result is dropped and counted.
  bool Submit(probes::ProbeResult result);
  // Forgets the learned baseline of a check (or a provider's checks, `check` empty), stored in
  // order with the results around it: a learning update queued before it cannot undo it.
  void SubmitBaselineReset(const std::string& provider, const std::string& check);
  // An empty batch, so stages that act on time (reminders) run; skipped while one is queued.
  void SubmitTick();
  // Blocks until every result submitted before the call is committed and published.
  void Flush();

  uint64_t dropped() const;
  uint64_t write_errors() const;

 private:
  void Loop();
  struct Item {
    std::optional<probes::ProbeResult> result;
    std::optional<storage::BaselineOp> reset;
    bool tick = false;
  };
  void Process(std::vector<Item> items);

  static constexpr std::size_t kMaxBatch = 512;
  // Group commit: after the first result of a batch, wait this long for more, so one fsync and
  // one snapshot update serve many results. Bounds how much later a result becomes visible.
  static constexpr std::chrono::milliseconds kLinger{200};
  storage::ResultStore& store_;
  const std::size_t max_queue_;
  std::vector<PipelineStage*> stages_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable done_cv_;
  std::deque<Item> queue_;                 // GUARDED_BY(mu_)
  uint64_t submitted_ = 0;                 // GUARDED_BY(mu_)
  uint64_t processed_ = 0;                 // GUARDED_BY(mu_)
  uint64_t dropped_ = 0;                   // GUARDED_BY(mu_)
  uint64_t write_errors_ = 0;              // GUARDED_BY(mu_)
  bool stopping_ = false;                  // GUARDED_BY(mu_)
  bool tick_queued_ = false;               // GUARDED_BY(mu_)
  std::thread thread_;
};

}  // namespace vigil::daemon
