#include "alerts/alerting.h"

namespace vigil::alerts {
namespace {

struct StatusName {
  DeliveryStatus status;
  const char* name;
};
constexpr StatusName kStatuses[] = {{DeliveryStatus::kPending, "pending"},
                                    {DeliveryStatus::kDelivered, "delivered"},
                                    {DeliveryStatus::kDead, "dead"},
                                    {DeliveryStatus::kRerouted, "rerouted"},
                                    {DeliveryStatus::kSuppressed, "suppressed"}};

}  // namespace

const char* DeliveryStatusName(DeliveryStatus s) {
  for (const auto& e : kStatuses) {
    if (e.status == s) return e.name;
  }
  return "pending";
}

bool ParseDeliveryStatus(std::string_view text, DeliveryStatus& out) {
  for (const auto& e : kStatuses) {
    if (text == e.name) {
      out = e.status;
      return true;
    }
  }
  return false;
}

const char* AttemptOutcomeName(AttemptOutcome o) {
  switch (o) {
    case AttemptOutcome::kDelivered: return "delivered";
    case AttemptOutcome::kRetry: return "failed";
    case AttemptOutcome::kDead: return "dead";
    case AttemptOutcome::kRerouted: return "rerouted";
  }
  return "failed";
}

}  // namespace vigil::alerts
