// Command-line parsing for `vigil SUBCOMMAND [options] [args]`: each command declares its
// options once, and the same table drives parsing, validation and --help.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vigil::cli {

enum ExitCode { kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitRuntime = 3 };

struct OptionSpec {
  std::string name;        // "--json"
  std::string short_name;  // "-c" or ""
  std::string value_name;  // "FILE"; empty for a flag
  std::string help;
  bool repeatable = false;
};

struct CommandSpec {
  std::string name;
  std::string args;     // "PROVIDER[/CHECK]"
  std::string summary;  // one line
  std::string details;  // paragraphs for --help
  std::vector<OptionSpec> options;
  std::size_t min_args = 0;
  std::size_t max_args = 0;
};

class ParsedArgs {
 public:
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& fallback = "") const;
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  friend std::optional<ParsedArgs> Parse(const CommandSpec&, const std::vector<std::string>&, std::string&);
  std::multimap<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// Parses `args` (after the subcommand). On error returns nullopt and sets `error`.
std::optional<ParsedArgs> Parse(const CommandSpec& spec, const std::vector<std::string>& args,
                                std::string& error);
std::string HelpText(const CommandSpec& spec);

}  // namespace vigil::cli
