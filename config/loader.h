// Loading a config file: YAML -> validated, immutable Config, or every error found, each as
// "FILE:LINE:COL: KEY: message". The only entry point other modules use.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/yaml_reader.h"

namespace vigil::config {

struct LoadResult {
  std::shared_ptr<const Config> config;  // null when errors is non-empty
  std::vector<ConfigError> errors;       // sorted by position
  bool ok() const { return config != nullptr; }
  std::string ErrorText() const;         // one error per line
};

LoadResult LoadConfigFile(const std::string& path, const SecretSources& sources);
// `path` only names the file in messages; relative paths resolve against `dir`.
LoadResult LoadConfigText(const std::string& text, const std::string& path, const std::string& dir,
                          const SecretSources& sources);

}  // namespace vigil::config
