// Reading one `checks[]` entry (and its `expect`) into a CheckConfig, with the inherited
// `defaults`. Internal to config/: loader.cc calls it for every provider.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace vigil::config {

// Values a check inherits unless it sets its own (the `defaults` section).
struct CheckDefaults {
  Millis interval{60'000};
  std::optional<Millis> interval_when_failing;
  Millis timeout{10'000};
  int failure_threshold = 3;
  int success_threshold = 2;
  std::size_t max_body = 1024 * 1024;
  int max_redirects = 0;
  int retries = 1;
};

void ReadCheckDefaults(YamlReader& r, const YAML::Node& node, const std::string& key,
                       CheckDefaults& d);
std::optional<CheckConfig> ReadCheck(YamlReader& r, const YAML::Node& node, const std::string& key,
                                     const std::string& base_url, const AuthConfig& provider_auth,
                                     const CheckDefaults& defaults);
// The synthetic check that records a provider's OAuth2 token requests.
CheckConfig AuthCheck(const AuthConfig& auth, const CheckDefaults& defaults);
// Validates an absolute http(s) URL; returns an error message or "".
std::string ValidateHttpUrl(const std::string& url);

}  // namespace vigil::config
