// The durable side of alerting, as plain values shared by the engine, the store and the
// dispatcher: what each notifier was last told about each provider (AlertMark), events queued
// for delivery (OutboxEntry), silences, and delivery attempts. Plain values; copy freely.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alerts/event.h"
#include "alerts/health.h"
#include "config/config.h"
#include "daemon/core/clock.h"

namespace vigil::alerts {

// What one notifier was last told about one provider. `notified` is kDown or kDegraded while
// an alert is open (a page was queued and its resolve not yet), kUnknown otherwise.
struct AlertMark {
  std::string notifier;
  std::string provider;
  HealthState notified = HealthState::kUnknown;
  core::WallTime last_sent;  // the page or reminder last queued, for `repeat`
  AlertEvent event;          // that event: Alertmanager re-posts it while the alert fires
  std::vector<std::string> attention{};  // attention items raised to this notifier, "check/kind", sorted
  bool open() const { return notified == HealthState::kDown || notified == HealthState::kDegraded; }
};

// One event for one notifier. With `suppressed` set it is recorded (the delivery log shows the
// page that was not sent, and why) but never delivered.
struct OutboxEntry {
  std::string notifier;
  AlertEvent event;
  std::string suppressed;
};

// What the engine decided in one step: stored in the same transaction as the state change.
struct AlertWrites {
  std::vector<OutboxEntry> outbox;
  std::vector<AlertMark> marks;  // changed marks
  bool empty() const { return outbox.empty() && marks.empty(); }
  void Append(AlertWrites&& other);
};

// A silence (SPEC §5 /api/v1/silences): no pages about the providers it matches while active.
struct Silence {
  std::string id;
  std::vector<std::string> providers;  // matches a provider listed here ...
  std::vector<std::string> tags;       // ... or carrying one of these tags
  core::WallTime starts;
  core::WallTime ends;
  std::string comment;
  std::string created_by;
  core::WallTime created;
  bool Active(core::WallTime now) const { return starts <= now && now < ends; }
  bool Matches(const config::ProviderConfig& p) const;
};

// kRerouted is only read back from databases written before re-routing kept an event in its
// notifier's lane (it then moved to the fallback's); nothing writes it any more.
enum class DeliveryStatus { kPending, kDelivered, kDead, kRerouted, kSuppressed };
const char* DeliveryStatusName(DeliveryStatus s);
bool ParseDeliveryStatus(std::string_view text, DeliveryStatus& out);

// An outbox entry waiting for delivery. An entry stays in its notifier's lane (so its
// provider's events keep their order) even when its notifier's `fallback` receives it: `via`
// names the notifier whose receiver gets it, "" for the notifier's own. It is set when the entry
// is re-routed, and inherited from the lane's last delivered event while that was a page sent
// through the fallback (so the resolve follows the page to the receiver that got it).
struct PendingDelivery {
  int64_t id = 0;
  std::string notifier;
  std::string via;
  AlertEvent event;
  int attempts = 0;
  core::WallTime created;
  std::optional<core::WallTime> first_attempt;
  core::WallTime next_attempt;
};

// The outcome of one delivery attempt, as the dispatcher records it.
enum class AttemptOutcome { kDelivered, kRetry, kDead, kRerouted };
const char* AttemptOutcomeName(AttemptOutcome o);

struct DeliveryAttempt {
  int64_t outbox_id = 0;
  std::string via;           // the notifier whose receiver was tried; "" for the entry's own
  core::WallTime at;
  AttemptOutcome outcome = AttemptOutcome::kRetry;
  int status_code = 0;       // 0: no HTTP response
  std::string error;         // one line; empty on success
  double duration_ms = 0;
  std::optional<core::WallTime> next_retry;  // kRetry
  std::string reroute_to;                    // kRerouted: the fallback notifier, whose receiver gets the event
  bool counted = true;       // false: no request was made (expired before it, a gone notifier)
};

// The delivery log, as GET /api/v1/deliveries shows it.
struct DeliveryRecord {
  int64_t id = 0;
  std::string event_id;
  std::string notifier;
  std::string via;     // delivered (or being delivered) through this notifier's receiver; "" for its own
  std::string provider;
  EventType type = EventType::kDown;
  DeliveryStatus status = DeliveryStatus::kPending;
  std::string reason;  // why suppressed, dead or re-routed
  core::WallTime created;
  std::optional<core::WallTime> next_attempt;  // pending only
  std::optional<core::WallTime> done;
  std::vector<DeliveryAttempt> attempts;       // oldest first
};

struct DeliveryQuery {
  std::string notifier;                 // empty: every notifier
  std::string provider;                 // empty: every provider
  std::optional<core::WallTime> since;  // entries created at or after
  std::size_t limit = 100;
};

}  // namespace vigil::alerts
