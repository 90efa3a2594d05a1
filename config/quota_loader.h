// Reading a provider's `quota` section. Internal to config/.
#pragma once

#include <string>

#include "config/check_loader.h"
#include "config/config.h"
#include "config/yaml_reader.h"

namespace vigil::config {

void ReadQuota(YamlReader& r, const YAML::Node& node, const std::string& key, const std::string& base_url,
               QuotaConfig& out);
// The scheduled check that reads the usage endpoint.
CheckConfig QuotaCheck(const QuotaConfig::Endpoint& endpoint, const AuthConfig& auth, const CheckDefaults& defaults);

}  // namespace vigil::config
