// Reading `notifiers`, `maintenance` and `connectivity`. Internal to config/.
#pragma once

#include "config/config.h"
#include "config/yaml_reader.h"
#include "daemon/core/status.h"

namespace vigil::config {

// A webhook `secret` (Standard Webhooks): an empty one, or a whsec_ one whose rest is not valid
// base64 or decodes to nothing, is an error (message ready to follow "secret: "). Never echoes
// the secret.
core::Status ValidateWebhookSecret(const std::string& secret);

void ReadNotifiers(YamlReader& r, const YAML::Node& node, Config& c);
void ReadMaintenance(YamlReader& r, const YAML::Node& node, Config& c);
void ReadConnectivity(YamlReader& r, const YAML::Node& node, Config& c);
// References between sections (notifier fallbacks, match and maintenance providers), once all is read.
void CheckAlertingReferences(YamlReader& r, const YAML::Node& root, const Config& c);

}  // namespace vigil::config
