#include <iostream>

#include "daemon/app.h"
#include "daemon/cli/commands.h"
#include "daemon/signals.h"

namespace vigil::cli {
namespace {

int Run(const ParsedArgs& args) {
  // Before any thread exists, so every thread inherits the mask and only sigtimedwait sees them.
  const sigset_t signals = daemon::BlockDaemonSignals();
  if (!ConfigureLogging(args)) return kExitUsage;
  if (!args.Has("--config")) {
    std::cerr << "vigil run: --config FILE is required\n";
    return kExitUsage;
  }
  daemon::App app({args.Get("--config"), args.Get("--state-dir"), args.Get("--listen")});
  return app.Run(signals);
}

}  // namespace

Command RunCommand() {
  return {{"run", "", "Run the daemon in the foreground.",
           "Probes every configured check on its schedule, stores every result in SQLite and\n"
           "serves the status page, the JSON API (/api/v1) and Prometheus metrics (/metrics).\n"
           "Signals: SIGHUP reloads the config (an invalid one is rejected and the old one keeps\n"
           "running); SIGTERM or SIGINT drain in-flight probes, commit every result and exit 0.\n"
           "Under systemd (Type=notify) it sends READY=1, WATCHDOG=1, RELOADING=1 and STOPPING=1.\n"
           "Exit codes: 0 after a clean stop, 2 for a bad config, 3 when the database or the\n"
           "listen address cannot be used.",
           {{"--config", "-c", "FILE", "the config file (required)"},
            {"--state-dir", "", "DIR", "where storage.sqlite lives (default $STATE_DIRECTORY, else the working directory)"},
            {"--listen", "", "ADDR", "HOST:PORT to serve on, overriding server.listen"},
            LogLevelOption(),
            LogFormatOption()},
           0, 0},
          &Run};
}

}  // namespace vigil::cli
