// Reading an `auth` section (provider or check level) into an AuthConfig. Internal to config/.
#pragma once

#include <string>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace vigil::config {

// `allow_oauth2`: false at check level (a token cache is per provider).
void ReadAuth(YamlReader& r, const YAML::Node& node, const std::string& key, bool allow_oauth2, AuthConfig& out);

}  // namespace vigil::config
