#include "daemon/result_pipeline.h"

#include <algorithm>

#include "daemon/core/log.h"

namespace vigil::daemon {

ResultPipeline::ResultPipeline(storage::ResultStore& store, std::size_t max_queue)
    : store_(store), max_queue_(max_queue) {}

ResultPipeline::~ResultPipeline() { Stop(); }

void ResultPipeline::Start() { thread_ = std::thread([this] { Loop(); }); }

void ResultPipeline::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ResultPipeline::Submit(probes::ProbeResult result) {
  {
    std::lock_guard lock(mu_);
    if (queue_.size() >= max_queue_) {
      ++dropped_;
      core::Log::Warn("pipeline", "result queue full; result dropped",
                      {{"check", result.provider + "/" + result.check}});
      return false;
    }
    queue_.push_back(Item{std::move(result), std::nullopt, false});
    ++submitted_;
    if (queue_.size() > 1) return true;  // the pipeline thread is already awake or lingering
  }
  cv_.notify_one();
  return true;
}

void ResultPipeline::SubmitBaselineReset(const std::string& provider, const std::string& check) {
  {
    std::lock_guard lock(mu_);
    storage::BaselineOp op;
    op.reset = true;
    op.baseline.provider = provider;
    op.baseline.check = check;
    queue_.push_back(Item{std::nullopt, std::move(op), false});  // never dropped: it is small and rare
    ++submitted_;
  }
  cv_.notify_one();
}

void ResultPipeline::SubmitTick() {
  {
    std::lock_guard lock(mu_);
    if (tick_queued_ || stopping_) return;
    tick_queued_ = true;
    Item item;
    item.tick = true;
    queue_.push_back(std::move(item));
    ++submitted_;
  }
  cv_.notify_one();
}

void ResultPipeline::Flush() {
  std::unique_lock lock(mu_);
  const uint64_t target = submitted_;
  done_cv_.wait(lock, [&] { return processed_ >= target || !thread_.joinable(); });
}

uint64_t ResultPipeline::dropped() const {
  std::lock_guard lock(mu_);
  return dropped_;
}

uint64_t ResultPipeline::write_errors() const {
  std::lock_guard lock(mu_);
  return write_errors_;
}

void ResultPipeline::Loop() {
  for (;;) {
    std::vector<Item> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is committed
      if (!stopping_ && queue_.size() < kMaxBatch) {
        lock.unlock();
        std::this_thread::sleep_for(kLinger);  // a sleep, not a wait: submitters need not wake us
        lock.lock();
      }
      const std::size_t n = std::min(queue_.size(), kMaxBatch);
      for (std::size_t i = 0; i < n; ++i) {
        if (queue_[i].tick) tick_queued_ = false;
      }
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    const std::size_t n = batch.size();
    Process(std::move(batch));
    {
      std::lock_guard lock(mu_);
      processed_ += n;
    }
    done_cv_.notify_all();
  }
}

void ResultPipeline::Process(std::vector<Item> items) {
  storage::WriteBatch batch;
  for (Item& item : items) {
    if (item.reset) batch.baselines.push_back(std::move(*item.reset));
    if (!item.result) continue;
    if (item.result->baseline) batch.baselines.push_back({false, *item.result->baseline});
    batch.results.push_back(std::move(*item.result));
  }
  for (PipelineStage* stage : stages_) stage->Prepare(batch);
  for (int attempt = 0;; ++attempt) {
    const core::Status s = store_.Write(batch);
    if (s.ok()) break;
    {
      std::lock_guard lock(mu_);
      ++write_errors_;
    }
    std::unique_lock lock(mu_);
    if (stopping_ && attempt >= 3) {
      core::Log::Error("pipeline", "giving up on results that cannot be stored at shutdown",
                       {{"results", std::to_string(batch.results.size())}, {"error", s.message()}});
      return;
    }
    core::Log::Error("pipeline", "cannot commit results; retrying", {{"error", s.message()}});
    // Back off up to 5 s; results stay in memory (and unpublished) until they are durable.
    cv_.wait_for(lock, std::chrono::milliseconds(std::min(5000, 100 << std::min(attempt, 6))));
  }
  for (PipelineStage* stage : stages_) stage->Published(batch);
}

}  // namespace vigil::daemon
