// CheckRunner: runs one configured check end to end — builds the request (with the check's
// credentials), calls the HttpClient, judges the Observation with the check's compiled Checks,
// adds credential and certificate expiry findings, and returns the ProbeResult (plus the result
// of any OAuth2 token request it had to make). Everything derivable from config (full URL,
// static credentials, compiled checks, known expiries, token sources) is built once in the
// constructor. Run() is const and thread-safe; targets are addressed by index in a flat list.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "probes/auth/expiry.h"
#include "probes/auth/oauth2_token_source.h"
#include "probes/check.h"
#include "probes/http_client.h"
#include "probes/probe_result.h"
#include "probes/quota/quota_book.h"
#include "probes/shape/baseline_book.h"

namespace vigil::probes {

class CheckRunner {
 public:
  struct Target {
    const config::ProviderConfig* provider;
    const config::CheckConfig* check;
    std::string key;  // "provider/check"
    HttpRequest request;
    std::vector<std::unique_ptr<Check>> checks;
    std::vector<auth::Expiry> expiries;           // known from the config
    auth::OAuth2TokenSource* tokens = nullptr;    // the provider's, when it uses OAuth2
  };

  struct Created {
    std::unique_ptr<CheckRunner> runner;     // null when `errors` is not empty
    std::vector<config::ConfigError> errors;  // e.g. a schema valijson rejects, as FILE:LINE:COL: KEY
  };
  // Runtime state that outlives the runner (across reloads) is shared: `quota` and `baselines`;
  // null gives the runner its own.
  struct Shared {
    std::shared_ptr<core::SecretRegistry> secrets;
    std::shared_ptr<quota::QuotaBook> quota;
    std::shared_ptr<shape::BaselineBook> baselines;
  };
  // Builds the runner, compiling every check once.
  static Created Create(std::shared_ptr<const config::Config> config, HttpClient& client, const core::Clock& clock,
                        Shared shared);
  // Only compiles every check of `config`, reporting what Create would.
  static std::vector<config::ConfigError> Validate(const config::Config& config);
  // As Create, for a config known to compile (tests, benchmarks): throws std::invalid_argument
  // with the errors otherwise.
  CheckRunner(std::shared_ptr<const config::Config> config, HttpClient& client, const core::Clock& clock,
              Shared shared = {});

  std::size_t size() const { return targets_.size(); }
  const Target& target(std::size_t i) const { return targets_[i]; }
  // Index of "provider/check", or size() when there is none.
  std::size_t Find(std::string_view provider, std::string_view check) const;
  const config::Config& config() const { return *config_; }

  // The check's result first, then the result of every token request made on the way.
  std::vector<ProbeResult> Run(std::size_t index) const;
  // Judges a response as Run() would; exposed for tests of the judging alone.
  ProbeResult Judge(const Target& target, core::WallTime started, HttpResponse response) const;
  // The earliest known expiry of the provider's credentials (config and current OAuth2 token).
  std::optional<core::WallTime> CredentialExpiry(const Target& target) const;
  quota::QuotaBook& quota() const { return *quota_; }
  shape::BaselineBook& baselines() const { return *baselines_; }

 private:
  struct Unbuilt {};
  CheckRunner(Unbuilt, std::shared_ptr<const config::Config> config, HttpClient& client, const core::Clock& clock,
              Shared shared);
  void Build(CheckErrors& errors);  // REQUIRES: called once, by a constructor or Create
  // Sends `request`, again at once after a network failure of an idempotent method, up to the
  // check's `retries`; `attempts` says how many exchanges it took.
  HttpResponse Exchange(const Target& target, const HttpRequest& request, int& attempts) const;
  // Reads the response's rate limits (headers, usage endpoint) into `r` and the QuotaBook.
  void ObserveQuota(const Target& target, const Observation& obs, ProbeResult& r) const;

  std::shared_ptr<const config::Config> config_;
  HttpClient& client_;
  const core::Clock& clock_;
  std::shared_ptr<core::SecretRegistry> secrets_;
  std::shared_ptr<quota::QuotaBook> quota_;
  std::shared_ptr<shape::BaselineBook> baselines_;
  std::map<std::string, std::unique_ptr<auth::OAuth2TokenSource>> token_sources_;  // by provider
  std::vector<Target> targets_;
};

}  // namespace vigil::probes
