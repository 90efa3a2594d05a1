// Finding: one thing wrong (or worth a warning) about one probe result, classified by cause
// (SPEC §3 kinds) so that "our credential is broken" and "their service is down" never blur.
// Outcome folds a result's health findings into pass / warn / fail; attention findings (a sunset
// ahead, a credential or certificate nearing expiry, a budget forecast to run out) are said but
// never make a working provider degraded or down (SPEC §3).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "daemon/core/clock.h"

namespace vigil::probes {

using config::Severity;

enum class FindingKind {
  kNetwork,
  kTimeout,
  kTls,
  kStatus,
  kAuth,
  kSchema,
  kShapeDrift,
  kAssertion,
  kLatency,
  kQuota,
  kDeprecation,
  kExpiry,
};
const char* FindingKindName(FindingKind kind);
bool ParseFindingKind(std::string_view text, FindingKind& out);

struct Finding {
  FindingKind kind;
  Severity severity;
  std::string message;  // one line: what was expected and what came back
  // Attention, not health: something to act on before it breaks. Severity is then its urgency.
  bool attention = false;
  // Attention items: when it comes due (the sunset, the expiry, the forecast exhaustion).
  std::optional<core::WallTime> due{};
};

enum class Outcome { kPass, kWarn, kFail };
const char* OutcomeName(Outcome outcome);
bool ParseOutcome(std::string_view text, Outcome& out);
// Over health findings only: fail if any is critical, warn if any is a warning, else pass.
Outcome OutcomeOf(const std::vector<Finding>& findings);

}  // namespace vigil::probes
