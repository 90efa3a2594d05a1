// libFuzzer target: `vigil simulate` scenario specs as its control API and --scenario take them
// ("slow?delay=2s", "faulty?rate=5"). Contract: no crash or sanitizer report; a spec either
// parses to a scenario that validates, or is an error with a message.
#include "daemon/simulate/simulator.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  const auto s = simulate::ParseScenarioSpec(std::string(fuzz::Text(data, size)));
  if (s.ok()) {
    fuzz::Check(simulate::ValidateScenario(*s).empty());
  } else {
    fuzz::Check(!s.message().empty());
  }
  return 0;
}
