// The systemd notification protocol, by hand (no libsystemd): READY=1, RELOADING=1,
// STOPPING=1, WATCHDOG=1 and STATUS= datagrams to $NOTIFY_SOCKET. Without $NOTIFY_SOCKET every
// call is a no-op, so the daemon runs the same under systemd, in a terminal and in tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace vigil::daemon {

// Sends `state`; returns false only when a socket was configured and sending failed.
bool SdNotify(const std::string& state);
// Half of $WATCHDOG_USEC when systemd's watchdog is on for this process, else nullopt.
std::optional<std::chrono::milliseconds> WatchdogPingInterval();

}  // namespace vigil::daemon
