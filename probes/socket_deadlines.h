// SocketDeadlines: enforces one overall deadline on blocking socket I/O. Poco's timeouts apply
// per recv(), so a server that dribbles a byte a second would never trip them; instead each
// exchange arms its socket here, and at the deadline one watchdog thread shuts the socket down,
// which wakes any blocked read or write at once. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "daemon/core/clock.h"

namespace vigil::probes {

class SocketDeadlines {
 public:
  SocketDeadlines();
  ~SocketDeadlines();
  SocketDeadlines(const SocketDeadlines&) = delete;
  SocketDeadlines& operator=(const SocketDeadlines&) = delete;

  // Shuts down every armed socket now (shutdown: abort what is in flight).
  void FireAll();

  // Arms `fd` until the Guard is destroyed. The Guard MUST be destroyed before the socket is
  // closed, so the watchdog never shuts down a descriptor number that was reused.
  class Guard {
   public:
    Guard(SocketDeadlines& owner, int fd, core::SteadyTime deadline);
    ~Guard();
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    bool fired() const;  // the deadline passed and the socket was shut down

   private:
    SocketDeadlines& owner_;
    uint64_t id_;
  };

 private:
  struct Entry {
    int fd;
    core::SteadyTime deadline;
    bool fired = false;
  };
  uint64_t Arm(int fd, core::SteadyTime deadline);
  void Disarm(uint64_t id);
  bool Fired(uint64_t id);
  void Loop();

  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t next_id_ = 1;                                        // GUARDED_BY(mu_)
  std::map<uint64_t, Entry> entries_;                           // GUARDED_BY(mu_)
  std::set<std::pair<core::SteadyTime, uint64_t>> by_deadline_;  // GUARDED_BY(mu_)
  bool stopping_ = false;                                       // GUARDED_BY(mu_)
  core::SteadyTime sleeping_until_;                             // GUARDED_BY(mu_): the watchdog's wake-up
  std::thread thread_;
};

}  // namespace vigil::probes
