// WorkerPool: a fixed number of threads running probe tasks from a bounded queue. TrySubmit
// never blocks: a full queue refuses the task (the scheduler counts it as a skipped slot), so a
// flood of due checks can never grow memory without bound. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace vigil::daemon {

class WorkerPool {
 public:
  WorkerPool(int threads, std::size_t max_queue);
  ~WorkerPool();  // Stop()
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  bool TrySubmit(std::function<void()> task);
  // Blocks until no task is queued or running.
  void WaitIdle();
  // As WaitIdle, for at most `timeout`; true when idle.
  bool WaitIdleFor(std::chrono::milliseconds timeout);
  // Stops taking tasks, drops the queued ones, and waits for the running ones to finish.
  void Stop();

  std::size_t queued() const;
  int busy() const;

 private:
  void Loop();

  const std::size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable idle_cv_;
  std::deque<std::function<void()>> queue_;  // GUARDED_BY(mu_)
  int busy_ = 0;                             // GUARDED_BY(mu_)
  bool stopping_ = false;                    // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace vigil::daemon
