// Credential and certificate expiry: what is known about when a provider's credentials stop
// working, and the `expiry` findings (warn) for those inside `warn_before`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/core/clock.h"
#include "probes/finding.h"

namespace vigil::probes::auth {

struct Expiry {
  std::string what;  // "API key", "bearer token (JWT exp)", "client certificate", "OAuth2 access token", "TLS certificate"
  core::WallTime at;
};

// What the config alone tells: auth.expires_at, the JWT `exp` of a static bearer token, and the
// notAfter of the client certificate. Reads the certificate file (once, at start).
std::vector<Expiry> StaticExpiries(const config::AuthConfig& auth, const config::TlsConfig& tls);

// The `exp` claim of a JWT, without verifying it; nullopt when `token` is not a JWT or has none.
// Never puts the token in any message.
std::optional<core::WallTime> JwtExpiry(const std::string& token);

// Per expiry inside `warn_before` of `now`: an `expiry` attention finding while it is ahead; once
// past, health: a critical `auth` finding for a credential, a critical `tls` one for the server's
// certificate (SPEC §3: an expired credential is `auth`).
void AddExpiryFindings(const std::vector<Expiry>& expiries, core::WallTime now, core::Millis warn_before,
                       std::vector<Finding>& findings);

// The first credential of `expiries` (not the server's TLS certificate) already past its expiry
// at `now`, as a critical `auth` finding: the request is then not sent at all.
std::optional<Finding> ExpiredCredential(const std::vector<Expiry>& expiries, core::WallTime now);

}  // namespace vigil::probes::auth
