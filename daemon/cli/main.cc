// vigil: one binary, many subcommands (SPEC §1).
#include <iostream>
#include <string>
#include <vector>

#include "daemon/cli/commands.h"

namespace {

std::vector<vigil::cli::Command> Commands() {
  using namespace vigil::cli;
  return {RunCommand(),      CheckConfigCommand(), ProbeCommand(),    StatusCommand(),
          BaselineCommand(), NotifyTestCommand(),  SimulateCommand(), VersionCommand()};
}

void PrintUsage(std::ostream& out) {
  out << "Usage: vigil COMMAND [options] [args]\n\n"
         "Vigil watches the third-party APIs you depend on: auth, schema, latency and quota.\n\n"
         "Commands:\n";
  for (const auto& c : Commands()) {
    std::string name = "  " + c.spec.name;
    name.resize(16, ' ');
    out << name << c.spec.summary << "\n";
  }
  out << "\nRun 'vigil COMMAND --help' for a command's options.\n";
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    PrintUsage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? vigil::cli::kExitUsage : vigil::cli::kExitOk;
  }
  if (args[0] == "--version") return Commands().back().run(vigil::cli::ParsedArgs());
  for (const auto& c : Commands()) {
    if (c.spec.name != args[0]) continue;
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    for (const auto& a : rest) {
      if (a == "--help" || a == "-h") {
        std::cout << vigil::cli::HelpText(c.spec);
        return vigil::cli::kExitOk;
      }
    }
    std::string error;
    const auto parsed = vigil::cli::Parse(c.spec, rest, error);
    if (!parsed) {
      std::cerr << "vigil " << c.spec.name << ": " << error << "\n\n" << vigil::cli::HelpText(c.spec);
      return vigil::cli::kExitUsage;
    }
    return c.run(*parsed);
  }
  std::cerr << "vigil: unknown command '" << args[0] << "'\n\n";
  PrintUsage(std::cerr);
  return vigil::cli::kExitUsage;
}
