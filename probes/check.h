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
#include "config/yaml_reader.h"
#include "daemon/core/clock.h"
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

// Problems only building a check reveals (a schema valijson rejects, an OpenAPI operation that
// does not exist), reported like config errors: FILE:LINE:COL: KEY: message.
class CheckErrors {
 public:
  explicit CheckErrors(std::string file) : file_(std::move(file)) {}
  void Add(const config::SourcePos& pos, const std::string& key, std::string message) {
    errors_.push_back({file_, pos.line, pos.column, key, std::move(message)});
  }
  const std::vector<config::ConfigError>& errors() const { return errors_; }

 private:
  std::string file_;
  std::vector<config::ConfigError> errors_;
};

namespace shape {
class BaselineBook;
}

// What a check may need besides its config: who it is, and the runtime state it learns into.
struct BuildContext {
  std::string provider;
  std::string check;
  shape::BaselineBook* baselines = nullptr;  // learned shapes and tracked headers; outlives the check
  const core::Clock* clock = nullptr;        // for checks that compare against now (sunset dates)
};

// Returns nullptr when the check kind is not configured for this check, or when building it
// failed (then `errors` says why).
using CheckFactory = std::unique_ptr<Check> (*)(const config::CheckConfig& config, const BuildContext& context,
                                                CheckErrors& errors);

// Every configured check kind for `config`, in a fixed order.
std::vector<std::unique_ptr<Check>> BuildChecks(const config::CheckConfig& config, const BuildContext& context,
                                                CheckErrors& errors);

}  // namespace vigil::probes
