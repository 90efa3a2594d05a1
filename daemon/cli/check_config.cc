#include <iostream>

#include "daemon/cli/commands.h"

namespace vigil::cli {
namespace {

int Run(const ParsedArgs& args) {
  const std::string& path = args.positional()[0];
  std::shared_ptr<const config::Config> c = LoadConfigOrReport(path);
  if (!c) return kExitUsage;
  std::cout << path << ": ok: " << c->providers.size() << " provider(s), " << c->CheckCount()
            << " check(s), " << c->notifiers.size() << " notifier(s)\n";
  for (const auto& p : c->providers) {
    std::cout << "  " << p.name;
    if (!p.fallback.empty()) {
      std::cout << " (fallback:";
      for (const auto& f : p.fallback) std::cout << " " << f;
      std::cout << ")";
    }
    std::cout << "\n";
    for (const auto& ch : p.checks) {
      std::cout << "    " << ch.name << "  " << ch.method << " " << ch.url << "\n";
    }
  }
  for (const auto& n : c->notifiers) {
    std::cout << "  notifier " << n.name << " (" << config::NotifierTypeName(n.type) << ")\n";
  }
  return kExitOk;
}

}  // namespace

Command CheckConfigCommand() {
  return {{"check-config", "FILE", "Validate a config file and print a summary.",
           "Every problem is reported as FILE:LINE:COL: KEY: message. Exit 0 when the file is\n"
           "valid, 2 when it is not.",
           {}, 1, 1},
          &Run};
}

}  // namespace vigil::cli
