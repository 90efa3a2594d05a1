// AlertStore: the durable outbox (SPEC §6). Events enter it in the same transaction as the state
// change that caused them (WriteBatch::alerts, through ResultStore::Write); the dispatcher takes
// them out one attempt at a time. Every method is one transaction; safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "alerts/alerting.h"
#include "daemon/core/status.h"

namespace vigil::storage {

class AlertStore {
 public:
  virtual ~AlertStore() = default;
  virtual core::Result<std::vector<alerts::AlertMark>> LoadAlertMarks() const = 0;
  // For one notifier, the oldest pending entry of each provider (head of line: a provider's
  // events are delivered in order), oldest first, whether due or not.
  virtual core::Result<std::vector<alerts::PendingDelivery>> PendingHeads(const std::string& notifier) const = 0;
  // Records an attempt and moves the entry on: delivered, dead, re-routed (a new pending entry
  // for the fallback notifier, with the same event) or pending until next_retry.
  virtual core::Status RecordAttempt(const alerts::DeliveryAttempt& attempt) = 0;
  virtual core::Result<std::vector<alerts::DeliveryRecord>> Deliveries(const alerts::DeliveryQuery& query) const = 0;
  // Entries still to be delivered.
  virtual core::Result<int64_t> OutboxDepth() const = 0;
  // Notifiers that have pending entries (a notifier removed from the config may have some).
  virtual core::Result<std::vector<std::string>> PendingNotifiers() const = 0;

  virtual core::Status SaveSilence(const alerts::Silence& silence) = 0;
  // Ends a silence now (it stays in the history); false when there is no active one with this id.
  virtual core::Result<bool> ExpireSilence(const std::string& id, core::WallTime at) = 0;
  // Silences that have not ended before `since`.
  virtual core::Result<std::vector<alerts::Silence>> LoadSilences(core::WallTime since) const = 0;
};

}  // namespace vigil::storage
