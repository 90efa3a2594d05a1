// libFuzzer target: the config loader on any YAML, then the check compiler (schemas, regexes,
// OpenAPI) on what loads. Contract: no crash, hang or sanitizer report, and no exception out of
// either: a config either loads or comes with errors, each naming FILE:LINE:COL and a key.
#include "config/loader.h"
#include "probes/check_runner.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  config::SecretSources secrets;
  secrets.env = [](const std::string&) { return std::optional<std::string>("fuzz-secret"); };
  const config::LoadResult r =
      config::LoadConfigText(std::string(fuzz::Text(data, size)), "fuzz.yaml", "/nonexistent", secrets);
  if (!r.ok()) {
    fuzz::Check(!r.errors.empty());
    for (const auto& e : r.errors) fuzz::Check(!e.message.empty());
    return 0;
  }
  fuzz::Check(r.config != nullptr);
  probes::CheckRunner::Validate(*r.config);
  return 0;
}
