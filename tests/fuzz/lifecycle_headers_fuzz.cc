// libFuzzer target: Deprecation, Sunset and Link (RFC 9745, RFC 8594, RFC 8288) as a provider
// sends them. Contract: no crash or sanitizer report; a finding, when there is one, is a
// deprecation with a non-empty one-line message of bounded size; Link parsing returns links
// whose targets are bounded by the input.
#include "probes/lifecycle/lifecycle_headers.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  const std::string_view text = fuzz::Text(data, size);
  const auto lines = fuzz::HeaderLines(text);
  probes::lifecycle::Headers headers(lines.begin(), lines.end());
  const probes::lifecycle::Lifecycle l = probes::lifecycle::ParseLifecycle(headers);
  const core::WallTime now = core::FromUnixMillis(1'796'000'000'000);  // 2026-12
  if (const auto f = probes::lifecycle::LifecycleFinding(l, now, std::chrono::hours(24 * 30))) {
    fuzz::Check(f->kind == probes::FindingKind::kDeprecation);
    fuzz::Check(!f->message.empty() && f->message.size() <= 4096);
    fuzz::Check(f->message.find('\n') == std::string::npos);
    fuzz::Check(!f->due || *f->due > now);
  }
  for (const auto& [name, value] : lines) {
    std::vector<std::string> warnings;
    for (const auto& link : probes::lifecycle::ParseLinkHeader(value, warnings)) {
      fuzz::Check(link.uri.size() <= value.size());
    }
  }
  return 0;
}
