// WWW-Authenticate (RFC 9110 §11.6.1) challenges, and the one-line explanation of a 401/403
// built from them (RFC 6750 error="invalid_token" / "insufficient_scope", scope=...). Pure.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::probes::auth {

struct Challenge {
  std::string scheme;                         // lower case: "bearer", "basic", ...
  std::map<std::string, std::string> params;  // lower-case names, unquoted values
  std::string token68;                        // when the challenge carries one instead of params
};

// Tolerant: malformed parts are skipped, never an error; bounded work on any input.
std::vector<Challenge> ParseWwwAuthenticate(std::string_view header);

// "401 Unauthorized: the provider rejected our credentials: invalid_token (The access token expired)"
// `www_authenticate` may be null.
std::string DescribeAuthFailure(int status, std::string_view reason, const std::string* www_authenticate);

}  // namespace vigil::probes::auth
