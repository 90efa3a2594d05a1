// libFuzzer target: the config's scalar units — durations ("250ms", "14d"), percentages
// ("20%"), byte sizes ("1MiB") — and RFC 6901 JSON Pointers. Contract: no crash or sanitizer
// report, an error value rather than an exception; what parses is in range, and a duration
// formats (for messages, rounded) to text that parses again.
#include "daemon/core/duration.h"
#include "daemon/core/json_pointer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vigil;
  const std::string_view text = fuzz::Text(data, size);
  if (const auto d = core::ParseDuration(text); d.ok()) {
    fuzz::Check(d->count() >= 0 && *d <= core::kYear);
    const auto again = core::ParseDuration(core::FormatDuration(*d));
    fuzz::Check(again.ok());
  } else {
    fuzz::Check(!d.message().empty());
  }
  if (const auto p = core::ParsePercent(text); p.ok()) fuzz::Check(*p >= 0 && *p <= 1);
  core::ParseByteSize(text);
  if (const auto ptr = core::JsonPointer::Parse(text); ptr.ok()) {
    fuzz::Check(ptr->text() == text);
    std::size_t total = 0;
    for (const auto& t : ptr->tokens()) total += t.size();
    fuzz::Check(total <= text.size());
  }
  return 0;
}
