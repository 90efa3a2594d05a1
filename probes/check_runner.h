// CheckRunner: runs one configured check end to end — builds the request, calls the HttpClient,
// judges the Observation with the check's compiled Checks, and returns a ProbeResult. Everything
// derivable from config (full URL, compiled checks) is built once in the constructor. Run() is
// const and thread-safe; targets are addressed by their index in a flat list.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "probes/check.h"
#include "probes/http_client.h"
#include "probes/probe_result.h"

namespace vigil::probes {

class CheckRunner {
 public:
  struct Target {
    const config::ProviderConfig* provider;
    const config::CheckConfig* check;
    std::string key;  // "provider/check"
    HttpRequest request;
    std::vector<std::unique_ptr<Check>> checks;
  };

  CheckRunner(std::shared_ptr<const config::Config> config, HttpClient& client, const core::Clock& clock,
              std::shared_ptr<const core::Redactor> redactor);

  std::size_t size() const { return targets_.size(); }
  const Target& target(std::size_t i) const { return targets_[i]; }
  // Index of "provider/check", or size() when there is none.
  std::size_t Find(std::string_view provider, std::string_view check) const;
  const config::Config& config() const { return *config_; }

  ProbeResult Run(std::size_t index) const;
  // Judges an observation as Run() would; exposed for tests of the judging alone.
  ProbeResult Judge(const Target& target, core::WallTime started, HttpResponse response) const;

 private:
  std::shared_ptr<const config::Config> config_;
  HttpClient& client_;
  const core::Clock& clock_;
  std::shared_ptr<const core::Redactor> redactor_;
  std::vector<Target> targets_;
};

}  // namespace vigil::probes
