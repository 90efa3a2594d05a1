// Check: one expectation about a response (status, latency, JSON assertions, headers...). Built
// once from a CheckConfig by the registry, then judged against every Observation of that check.
// A Check never sees a transport failure: those are findings already. Judge() must be const and
// thread-safe; it adds findings and never throws.
//
// Adding a check kind: one file in probes/checks/, one line in probes/checks/registry.cc.
#pragma once

#include <memory>
#include <vector>

#include "config/config.h"
#include "probes/finding.h"
#include "probes/observation.h"

namespace vigil::probes {

class Check {
 public:
  virtual ~Check() = default;
  virtual void Judge(const Observation& observation, std::vector<Finding>& findings) const = 0;
  // Content checks (JSON, headers, schema...) describe the expected response; when the status
  // itself was wrong they would only restate it, so they are skipped.
  virtual bool judges_content() const { return false; }
  // The status check: its findings mean the response is not the one described.
  virtual bool judges_status() const { return false; }
};

// Returns nullptr when the check kind is not configured for this check.
using CheckFactory = std::unique_ptr<Check> (*)(const config::CheckConfig& config);

// Every configured check kind for `config`, in a fixed order.
std::vector<std::unique_ptr<Check>> BuildChecks(const config::CheckConfig& config);

}  // namespace vigil::probes
