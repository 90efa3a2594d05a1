// Signal handling for the long-running commands: the termination and reload signals are
// blocked before any thread starts (so every thread inherits the mask) and then taken
// synchronously by one thread with sigtimedwait.
#pragma once

#include <signal.h>

#include <chrono>

namespace vigil::daemon {

// Blocks SIGHUP, SIGINT, SIGTERM and SIGQUIT in the calling thread; returns that set.
// REQUIRES: called before any thread is created.
sigset_t BlockDaemonSignals();
// Waits up to `timeout` for one of `set`; returns the signal, or 0 on timeout.
int WaitForSignal(const sigset_t& set, std::chrono::milliseconds timeout);

}  // namespace vigil::daemon
