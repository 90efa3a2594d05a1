// OAuth2TokenSource: the client-credentials access token of one provider (RFC 6749 §4.4),
// shared by all its checks. A token is fetched when there is none, and again ahead of its
// expiry (the sooner of `expires_in` and the JWT `exp`, minus a margin); one fetch is in
// flight at a time and concurrent callers wait for it; after a failed fetch the next one
// waits (5 s doubling to 5 min) instead of hammering the token endpoint. Every token request
// is recorded as a ProbeResult of the provider's synthetic "auth" check, classified so that
// "token endpoint down" and "client credentials rejected" read differently. Fetched tokens are
// registered as secrets before anything else sees them. Thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/core/clock.h"
#include "daemon/core/log.h"
#include "probes/http_client.h"
#include "probes/probe_result.h"

namespace vigil::probes::auth {

class OAuth2TokenSource {
 public:
  struct Token {
    std::string value;
    core::WallTime expires;
  };

  // `auth_check` is the provider's synthetic "auth" check (token URL, timeout, auth config).
  OAuth2TokenSource(std::string provider, const config::CheckConfig& auth_check, HttpClient& client,
                    const core::Clock& clock, std::shared_ptr<core::SecretRegistry> secrets);

  // A usable token, fetching one when needed. The result of every fetch this call made is
  // appended to `fetches`. Without a token, `why_none` says why.
  std::optional<Token> Get(std::vector<ProbeResult>& fetches, std::string& why_none);
  // Fetches a token now, whatever the cache holds.
  ProbeResult FetchNow();
  // The provider said this token is invalid: drop it so the next Get fetches another.
  void Invalidate(const std::string& value);
  std::optional<core::WallTime> expires() const;

 private:
  ProbeResult Fetch();                   // REQUIRES: fetching_ set by this thread, mu_ not held
  HttpRequest TokenRequest() const;
  void Adopt(const ProbeResult& result, std::optional<Token> token);  // REQUIRES: mu_ held

  const std::string provider_;
  const config::CheckConfig& check_;
  HttpClient& client_;
  const core::Clock& clock_;
  std::shared_ptr<core::SecretRegistry> secrets_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Token> token_;     // GUARDED_BY(mu_)
  core::WallTime refresh_at_;      // GUARDED_BY(mu_)
  bool fetching_ = false;          // GUARDED_BY(mu_)
  int failures_ = 0;               // GUARDED_BY(mu_): consecutive failed fetches
  core::WallTime retry_at_;        // GUARDED_BY(mu_)
  std::string last_error_;         // GUARDED_BY(mu_)
};

// Parses a token endpoint response; exposed for tests. On success `token` is set; otherwise
// `findings` says why (auth for refused credentials, status for endpoint errors, assertion for
// a response RFC 6749 §5.1 does not describe).
void JudgeTokenResponse(const HttpResponse& response, core::WallTime now, std::optional<OAuth2TokenSource::Token>& token,
                        std::vector<Finding>& findings);

}  // namespace vigil::probes::auth
