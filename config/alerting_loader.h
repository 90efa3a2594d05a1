// Reading `notifiers`, `maintenance` and `connectivity`. Internal to config/.
#pragma once

#include "config/config.h"
#include "config/yaml_reader.h"

namespace vigil::config {

void ReadNotifiers(YamlReader& r, const YAML::Node& node, Config& c);
void ReadMaintenance(YamlReader& r, const YAML::Node& node, Config& c);
void ReadConnectivity(YamlReader& r, const YAML::Node& node, Config& c);
// References between sections (notifier fallbacks, match and maintenance providers), once all is read.
void CheckAlertingReferences(YamlReader& r, const YAML::Node& root, const Config& c);

}  // namespace vigil::config
