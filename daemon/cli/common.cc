#include <iostream>

#include "daemon/cli/commands.h"
#include "daemon/core/log.h"
#include "probes/check_runner.h"

namespace vigil::cli {

std::shared_ptr<const config::Config> LoadConfigOrReport(const std::string& path) {
  config::LoadResult loaded = config::LoadConfigFile(path, config::SecretSources::FromProcess());
  if (loaded.ok()) loaded.errors = probes::CheckRunner::Validate(*loaded.config);  // schemas, OpenAPI operations
  if (!loaded.errors.empty()) {
    std::cerr << loaded.ErrorText();
    return nullptr;
  }
  core::Log::SetSecrets(std::make_shared<core::SecretRegistry>(loaded.config->secrets));
  return loaded.config;
}

OptionSpec LogLevelOption() {
  return {"--log-level", "", "LEVEL", "debug, info, warn or error (default info)"};
}

OptionSpec LogFormatOption() {
  return {"--log-format", "", "FORMAT", "text or json (default text); logs go to stderr"};
}

bool ConfigureLogging(const ParsedArgs& args) {
  core::LogLevel level = core::LogLevel::kInfo;
  core::LogFormat format = core::LogFormat::kText;
  if (!core::Log::ParseLevel(args.Get("--log-level", "info"), level)) {
    std::cerr << "vigil: --log-level must be debug, info, warn or error\n";
    return false;
  }
  if (!core::Log::ParseFormat(args.Get("--log-format", "text"), format)) {
    std::cerr << "vigil: --log-format must be text or json\n";
    return false;
  }
  core::Log::Configure(level, format);
  return true;
}

}  // namespace vigil::cli
