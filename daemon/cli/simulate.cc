#include <iostream>

#include "daemon/cli/commands.h"
#include "daemon/signals.h"
#include "daemon/simulate/simulator.h"

namespace vigil::cli {
namespace {

int Run(const ParsedArgs& args) {
  const sigset_t signals = daemon::BlockDaemonSignals();
  std::map<std::string, simulate::Scenario> initial;
  for (const std::string& spec : args.GetAll("--scenario")) {
    const std::size_t eq = spec.find('=');
    if (eq == std::string::npos || spec.front() != '/') {
      std::cerr << "vigil simulate: --scenario takes PATH=SCENARIO, e.g. /payments=error, got '" << spec << "'\n";
      return kExitUsage;
    }
    core::Result<simulate::Scenario> s = simulate::ParseScenarioSpec(spec.substr(eq + 1));
    if (!s.ok()) {
      std::cerr << "vigil simulate: --scenario " << spec << ": " << s.message() << "\n";
      return kExitUsage;
    }
    initial[spec.substr(0, eq)] = *s;
  }
  const std::string listen = args.Get("--listen", "127.0.0.1:9471");
  uint64_t seed = 0;
  if (args.Has("--seed")) {
    const std::string text = args.Get("--seed", "");
    char* end = nullptr;
    seed = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || seed == 0) {
      std::cerr << "vigil simulate: --seed takes a positive integer, got '" << text << "'\n";
      return kExitUsage;
    }
  }
  auto sim = simulate::Simulator::Start(listen, initial, seed);
  if (!sim.ok()) {
    std::cerr << "vigil simulate: " << sim.message() << "\n";
    return kExitRuntime;
  }
  std::cerr << "vigil simulate: listening on " << listen.substr(0, listen.rfind(':')) << ":"
            << (*sim)->port() << " (control API under /_sim)\n";
  for (;;) {
    const int sig = daemon::WaitForSignal(signals, std::chrono::seconds(1));
    if (sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) break;
  }
  (*sim)->Stop();
  return kExitOk;
}

}  // namespace

Command SimulateCommand() {
  return {{"simulate", "", "Serve a scriptable fake provider on loopback.",
           "Every path answers as its scenario says (default healthy). Scenarios: healthy,\n"
           "slow?delay=3s, unauthorized, forbidden, ratelimited?retry_after=5, error?code=500,\n"
           "status?code=204, reset, endless, dribble?interval=1s, drift?after=3, flapping?period=2,\n"
           "malformed, truncated, redirect?location=/, faulty?rate=5% (healthy, but that share\n"
           "of calls reset or cut short, at random).\n"
           "A scenario applies to its path and everything below it. Switch at run time with\n"
           "  curl -X POST 'http://127.0.0.1:9471/_sim/scenario?path=/stripe&scenario=error'\n"
           "  curl http://127.0.0.1:9471/_sim/scenarios\n"
           "  curl -X POST http://127.0.0.1:9471/_sim/reset",
           {{"--listen", "", "ADDR", "HOST:PORT to listen on (default 127.0.0.1:9471; port 0 picks one)"},
            {"--scenario", "", "PATH=SCENARIO", "initial scenario of a path, e.g. /flaky=flapping (repeatable)", true},
            {"--seed", "", "N", "seed of the faulty scenario's draws, for a run that can be repeated (default random)"}},
           0, 0},
          &Run};
}

}  // namespace vigil::cli
