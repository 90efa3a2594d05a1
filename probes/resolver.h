// Resolver: DNS lookups with a deadline. getaddrinfo has no timeout of its own, so lookups run
// on a small pool of threads and the caller waits only until its deadline; a lookup that
// outlives its caller finishes in the background and is dropped. Thread-safe.
#pragma once

#include <Poco/Net/IPAddress.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/clock.h"

namespace vigil::probes {

class Resolver {
 public:
  enum class Status { kOk, kNotFound, kTimeout, kError };
  struct Answer {
    Status status = Status::kError;
    std::vector<Poco::Net::IPAddress> addresses;
    std::string message;
  };

  explicit Resolver(int threads = 4);
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  Answer Resolve(const std::string& host, core::SteadyTime deadline);
  // Makes every waiting and future Resolve() return at once (shutdown).
  void AbortAll();

 private:
  struct Job;
  void Loop();

  static constexpr std::size_t kMaxPending = 1024;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> pending_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                     // GUARDED_BY(mu_)
  bool aborted_ = false;                      // GUARDED_BY(mu_)
  std::vector<std::weak_ptr<Job>> waiting_;   // GUARDED_BY(mu_)
  std::vector<std::thread> threads_;
};

}  // namespace vigil::probes
