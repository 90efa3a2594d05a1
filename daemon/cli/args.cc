#include "daemon/cli/args.h"

#include <algorithm>

namespace vigil::cli {

std::string ParsedArgs::Get(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::vector<std::string> ParsedArgs::GetAll(const std::string& name) const {
  std::vector<std::string> out;
  for (auto [it, end] = values_.equal_range(name); it != end; ++it) out.push_back(it->second);
  return out;
}

std::optional<ParsedArgs> Parse(const CommandSpec& spec, const std::vector<std::string>& args,
                                std::string& error) {
  ParsedArgs parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") {
      parsed.positional_.push_back(arg);
      continue;
    }
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (const std::size_t eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      name = arg.substr(0, eq);
      inline_value = arg.substr(eq + 1);
    }
    const auto spec_it = std::find_if(spec.options.begin(), spec.options.end(), [&](const OptionSpec& o) {
      return o.name == name || (!o.short_name.empty() && o.short_name == name);
    });
    if (spec_it == spec.options.end()) {
      error = "unknown option " + name;
      return std::nullopt;
    }
    std::string value;
    if (!spec_it->value_name.empty()) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        error = "option " + spec_it->name + " needs a value (" + spec_it->value_name + ")";
        return std::nullopt;
      }
    } else if (inline_value) {
      error = "option " + spec_it->name + " takes no value";
      return std::nullopt;
    }
    if (!spec_it->repeatable && parsed.Has(spec_it->name)) {
      error = "option " + spec_it->name + " given twice";
      return std::nullopt;
    }
    parsed.values_.emplace(spec_it->name, value);
  }
  if (parsed.positional_.size() < spec.min_args) {
    error = "missing argument" + (spec.args.empty() ? "" : ": " + spec.args);
    return std::nullopt;
  }
  if (parsed.positional_.size() > spec.max_args) {
    error = "unexpected argument '" + parsed.positional_[spec.max_args] + "'";
    return std::nullopt;
  }
  return parsed;
}

std::string HelpText(const CommandSpec& spec) {
  std::string out = "Usage: vigil " + spec.name;
  if (!spec.options.empty()) out += " [options]";
  if (!spec.args.empty()) out += " " + spec.args;
  out += "\n\n" + spec.summary + "\n";
  if (!spec.details.empty()) out += "\n" + spec.details + "\n";
  if (!spec.options.empty()) {
    out += "\nOptions:\n";
    for (const auto& o : spec.options) {
      std::string left = "  " + (o.short_name.empty() ? "" : o.short_name + ", ") + o.name +
                         (o.value_name.empty() ? "" : " " + o.value_name);
      if (left.size() < 26) left.resize(26, ' ');
      else left += "\n" + std::string(26, ' ');
      out += left + o.help + "\n";
    }
  }
  return out;
}

}  // namespace vigil::cli
