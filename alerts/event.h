// AlertEvent: one alert about one provider, as the notifiers render it (SPEC §6). An event is
// created once, when the alert engine decides to notify, and is then immutable: its `id` is the
// Standard Webhooks `webhook-id`, the same on every retry, so receivers can de-duplicate.
// Plain values; safe to copy between threads. NewEventId() is thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "alerts/health.h"
#include "alerts/health_tracker.h"
#include "daemon/core/clock.h"

namespace vigil::alerts {

enum class EventType { kDown, kDegraded, kUp, kReminder, kTest, kAttention };
// "provider.down", "provider.degraded", "provider.up", "provider.reminder", "test",
// "provider.attention".
const char* EventTypeName(EventType t);
// The exact names above (case-sensitive); false and `out` untouched otherwise.
bool ParseEventType(std::string_view text, EventType& out);

struct AlertEvent {
  std::string id;  // ULID-like, unique, stable across retries (the webhook-id)
  EventType type;
  core::WallTime timestamp;  // when the event was created
  std::string provider;
  HealthState state;
  HealthState previous_state;
  core::WallTime since;  // when `state` began; the epoch means unknown (test events)
  std::vector<Reason> reasons;
  std::vector<std::string> fallback;
  std::string recommended;
  std::string instance;
  std::string status_url;   // e.g. http://127.0.0.1:9470/providers/stripe
  std::string impacted_by;  // non-empty when a depends_on provider is down: "okta"
  std::string title;        // the provider's title, for humans
  // provider.attention only: the item raised, or (resolved) the one that is gone.
  std::optional<AttentionItem> attention{};
  bool resolved = false;
};

// A new unique id: 26 chars of Crockford base32 in the ULID layout (48-bit Unix milliseconds of
// `now`, then 80 random bits from OpenSSL's CSPRNG), so ids sort by creation time to the
// millisecond. Ids made in the same millisecond are unique but not ordered among themselves.
std::string NewEventId(core::WallTime now);

// The deterministic core of NewEventId: `now` (clamped to 0 .. 2^48-1 ms) and the given random
// bytes, encoded as a ULID. For tests and for anyone who needs to reproduce an id.
std::string FormatEventId(core::WallTime now, const std::array<uint8_t, 10>& random);

}  // namespace vigil::alerts
