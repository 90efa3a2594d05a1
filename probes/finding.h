// Finding: one thing wrong (or worth a warning) about one probe result, classified by cause
// (SPEC §3 kinds) so that "our credential is broken" and "their service is down" never blur.
// Outcome folds a result's findings into pass / warn / fail.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

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
};

enum class Outcome { kPass, kWarn, kFail };
const char* OutcomeName(Outcome outcome);
bool ParseOutcome(std::string_view text, Outcome& out);
// fail if any finding is critical, warn if any is a warning, else pass.
Outcome OutcomeOf(const std::vector<Finding>& findings);

}  // namespace vigil::probes
