// The `vigil` subcommands. Each is a spec (options, help) plus a function returning the exit
// code (SPEC §1: 0 ok, 1 a check failed / not healthy, 2 usage or config error, 3 runtime
// error). main.cc holds the one table that lists them.
#pragma once

#include <memory>
#include <string>

#include "config/loader.h"
#include "daemon/cli/args.h"

namespace vigil::cli {

struct Command {
  CommandSpec spec;
  int (*run)(const ParsedArgs& args);
};

Command BaselineCommand();
Command CheckConfigCommand();
Command NotifyTestCommand();
Command ProbeCommand();
Command RunCommand();
Command SimulateCommand();
Command StatusCommand();
Command VersionCommand();

// Loads a config, printing every error to stderr. Null on failure (exit 2).
std::shared_ptr<const config::Config> LoadConfigOrReport(const std::string& path);
// Applies --log-level / --log-format; false (after printing why) on a bad value.
bool ConfigureLogging(const ParsedArgs& args);
OptionSpec LogLevelOption();
OptionSpec LogFormatOption();

}  // namespace vigil::cli
