#include "probes/socket_deadlines.h"

#include <sys/socket.h>

namespace vigil::probes {

SocketDeadlines::SocketDeadlines() : thread_([this] { Loop(); }) {}

SocketDeadlines::~SocketDeadlines() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

SocketDeadlines::Guard::Guard(SocketDeadlines& owner, int fd, core::SteadyTime deadline)
    : owner_(owner), id_(owner.Arm(fd, deadline)) {}

SocketDeadlines::Guard::~Guard() { owner_.Disarm(id_); }

bool SocketDeadlines::Guard::fired() const { return owner_.Fired(id_); }

uint64_t SocketDeadlines::Arm(int fd, core::SteadyTime deadline) {
  bool earliest = false;
  uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    entries_.emplace(id, Entry{fd, deadline});
    by_deadline_.emplace(deadline, id);
    // Wake the watchdog only if it would otherwise sleep past this deadline.
    earliest = deadline < sleeping_until_;
  }
  if (earliest) cv_.notify_one();
  return id;
}

void SocketDeadlines::Disarm(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return;
  by_deadline_.erase({it->second.deadline, id});
  entries_.erase(it);
}

bool SocketDeadlines::Fired(uint64_t id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  return it != entries_.end() && it->second.fired;
}

void SocketDeadlines::FireAll() {
  std::lock_guard lock(mu_);
  for (auto& [id, e] : entries_) {
    if (e.fired) continue;
    e.fired = true;
    ::shutdown(e.fd, SHUT_RDWR);
  }
  by_deadline_.clear();
}

void SocketDeadlines::Loop() {
  // With nothing due soon the watchdog still looks once a second, so most new deadlines (seconds
  // away) need no wake-up at all.
  constexpr auto kIdleLook = std::chrono::seconds(1);
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto now = std::chrono::steady_clock::now();
    if (by_deadline_.empty() || now < by_deadline_.begin()->first) {
      sleeping_until_ = by_deadline_.empty() ? now + kIdleLook : std::min(by_deadline_.begin()->first, now + kIdleLook);
      cv_.wait_until(lock, sleeping_until_);
      continue;
    }
    const auto [deadline, id] = *by_deadline_.begin();
    by_deadline_.erase(by_deadline_.begin());
    Entry& e = entries_.at(id);
    e.fired = true;
    ::shutdown(e.fd, SHUT_RDWR);  // wakes the blocked reader; the owner still closes the fd
  }
}

}  // namespace vigil::probes
