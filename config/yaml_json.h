// YAML -> JSON (Poco::Dynamic::Var as Poco::JSON::Parser would produce), for schemas written
// inline in the config and OpenAPI documents written in YAML. config/ is the only yaml-cpp user.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <yaml-cpp/yaml.h>

#include <string>

#include "daemon/core/status.h"

namespace vigil::config {

// Quoted scalars stay strings; plain ones become an integer, a number, true/false or null when
// they read as one, else a string. Mapping keys are always strings ("200" stays "200").
// Aliases are followed, but at most 5,000,000 nodes (aliases expanded) and depth 128 are
// converted: an alias bomb or a cycle is an error, not a hang.
core::Result<Poco::Dynamic::Var> YamlToJson(const YAML::Node& node);
// Reads a JSON or YAML file (by extension .json, .yaml, .yml; otherwise JSON when it starts with
// '{' or '[', else YAML).
core::Result<Poco::Dynamic::Var> ReadJsonOrYamlFile(const std::string& path);

}  // namespace vigil::config
