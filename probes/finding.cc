#include "probes/finding.h"

#include <algorithm>
#include <array>
#include <utility>

namespace vigil::probes {
namespace {

constexpr std::array<std::pair<FindingKind, const char*>, 12> kKinds = {{
    {FindingKind::kNetwork, "network"},
    {FindingKind::kTimeout, "timeout"},
    {FindingKind::kTls, "tls"},
    {FindingKind::kStatus, "status"},
    {FindingKind::kAuth, "auth"},
    {FindingKind::kSchema, "schema"},
    {FindingKind::kShapeDrift, "shape_drift"},
    {FindingKind::kAssertion, "assertion"},
    {FindingKind::kLatency, "latency"},
    {FindingKind::kQuota, "quota"},
    {FindingKind::kDeprecation, "deprecation"},
    {FindingKind::kExpiry, "expiry"},
}};

}  // namespace

const char* FindingKindName(FindingKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "unknown";
}

bool ParseFindingKind(std::string_view text, FindingKind& out) {
  for (const auto& [k, name] : kKinds) {
    if (text == name) {
      out = k;
      return true;
    }
  }
  return false;
}

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass: return "pass";
    case Outcome::kWarn: return "warn";
    case Outcome::kFail: return "fail";
  }
  return "fail";
}

bool ParseOutcome(std::string_view text, Outcome& out) {
  for (Outcome o : {Outcome::kPass, Outcome::kWarn, Outcome::kFail}) {
    if (text == OutcomeName(o)) {
      out = o;
      return true;
    }
  }
  return false;
}

Outcome OutcomeOf(const std::vector<Finding>& findings) {
  Outcome out = Outcome::kPass;
  for (const auto& f : findings) {
    if (f.attention) continue;
    if (f.severity == Severity::kCritical) return Outcome::kFail;
    out = Outcome::kWarn;
  }
  return out;
}

}  // namespace vigil::probes
