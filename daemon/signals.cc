#include "daemon/signals.h"

#include <cerrno>

namespace vigil::daemon {

sigset_t BlockDaemonSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGHUP, SIGINT, SIGTERM, SIGQUIT}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

int WaitForSignal(const sigset_t& set, std::chrono::milliseconds timeout) {
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  timespec ts{static_cast<time_t>(secs.count()),
              static_cast<long>(std::chrono::nanoseconds(timeout - secs).count())};
  siginfo_t info;
  const int sig = sigtimedwait(&set, &info, &ts);
  return sig < 0 ? 0 : sig;
}

}  // namespace vigil::daemon
