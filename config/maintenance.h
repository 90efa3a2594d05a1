// Maintenance windows (SPEC §2 `maintenance`): while a provider is in one, Vigil sends no
// alerts about it and shows "maintenance" on the page. Two kinds:
//   one-off:   {providers, start: 2026-12-01T02:00:00Z, duration: 2h}
//   recurring: {providers, every: [sunday], start: "03:00", duration: 1h, timezone: Europe/Berlin}
// Rules, for recurring windows:
// - `every` names the local day an occurrence *starts* on (monday..sunday, or "day" for all
//   seven); an occurrence may run past midnight into the next day.
// - `duration` is elapsed time: "1h" is one real hour even across a DST change.
// - A start that falls in a DST gap (02:30 on a spring-forward day in Europe/Berlin) is read
//   with the offset in force before the gap, i.e. moved forward by the gap (03:30 local), as
//   RFC 5545, java.time and Python's zoneinfo do: the occurrence is never skipped.
// - A start that happens twice (02:30 on a fall-back day) means the first of the two.
// - `timezone` is an IANA name; default UTC. Time zone rules come from the system's tzdata
//   (/usr/share/zoneinfo) through Howard Hinnant's date/tz library.
// Windows are plain values. All functions are pure and thread-safe; the time zone database is
// loaded once per process, on first use, and is read-only after that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/clock.h"
#include "daemon/core/status.h"

namespace vigil::config {

// A window as written in the config, before validation.
struct WindowSpec {
  std::vector<std::string> providers;
  std::string start;               // RFC 3339 with offset (one-off) or "HH:MM" (recurring)
  std::vector<std::string> every;  // empty: a one-off window
  std::string duration;            // "2h", "90m" (core::ParseDuration)
  std::string timezone;            // recurring only; empty means UTC
};

struct Window {
  std::vector<std::string> providers;
  bool recurring = false;
  core::WallTime start;      // one-off: the first instant inside the window
  uint8_t weekdays = 0;      // recurring: bit d set for day d, 0 = Sunday .. 6 = Saturday
  int start_minute = 0;      // recurring: minutes after local midnight, 0 .. 1439
  std::string timezone;      // recurring: IANA name, as resolved by MakeWindow
  core::Millis duration{0};  // > 0; at most 7 days for a recurring window
};

// Validates a spec. Errors name the key first, e.g.
//   timezone: unknown time zone "Europe/Berln" (did you mean "Europe/Berlin"?)
//   every: unknown day "funday" (monday .. sunday, or "day" for every day)
//   start: "25:00" is not a time of day HH:MM (00:00 .. 23:59)
//   start: "2026-12-01 02:00" is not an RFC 3339 time such as 2026-12-01T02:00:00Z
// Unknown provider names are not checked here: the config loader knows the providers.
core::Result<Window> MakeWindow(const WindowSpec& spec);

// Does the window name this provider?
bool AppliesTo(const Window& window, std::string_view provider);

// Is `now` inside an occurrence (start <= now < start + duration)?
// REQUIRES: `window` came from MakeWindow (an unknown time zone makes this false).
bool InWindow(const Window& window, core::WallTime now);

// When the maintenance that `now` is in ends: the end of the occurrence containing `now`,
// extended through any occurrences that overlap or touch it (looking at most 15 occurrences
// ahead). nullopt when `now` is not in the window.
std::optional<core::WallTime> CurrentWindowEnd(const Window& window, core::WallTime now);

// When the maintenance that `now` is in began: the earliest start of the occurrences containing
// `now`. nullopt when `now` is not in the window.
std::optional<core::WallTime> CurrentWindowStart(const Window& window, core::WallTime now);

// The start of the first occurrence after `now` (for the status page), or nullopt when there
// is none (a one-off window that has begun).
std::optional<core::WallTime> NextWindowStart(const Window& window, core::WallTime now);

}  // namespace vigil::config
