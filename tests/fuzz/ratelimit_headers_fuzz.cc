// libFuzzer target for the rate-limit header parsers (built by VIGIL_FUZZ, run by scripts/fuzz.sh).
// Input: one mode byte; when it is odd, the next 8 bytes are `now_unix_ms` (any int64, to reach
// the overflow paths), otherwise now is a fixed 2026 instant. The rest is "name: value" lines,
// each also fed to the three time parsers. Beyond the sanitizers, it traps when a result breaks
// the documented contract.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probes/quota/ratelimit_headers.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

namespace quota = vigil::probes::quota;

constexpr int64_t kTypicalNowMs = 1'795'629'540'000;  // 2026-11-25T17:59:00Z
constexpr int64_t kMaxAheadMs = int64_t{400} * 86'400'000;

using vigil::fuzz::Check;

bool SaneQuantity(const std::optional<double>& v) {
  return !v || (std::isfinite(*v) && *v >= 0 && *v <= 1e15);
}

void CheckContract(const quota::RateLimitInfo& info, int64_t now) {
  std::set<std::string> dimensions;
  for (const quota::Budget& b : info.budgets) {
    Check(!b.dimension.empty() && dimensions.insert(b.dimension).second);
    Check(!b.source.empty());
    Check(SaneQuantity(b.limit) && SaneQuantity(b.remaining));
    Check(!b.window_ms || (*b.window_ms >= 0 && *b.window_ms <= kMaxAheadMs));
    if (b.reset_unix_ms) {
      const long double ahead = static_cast<long double>(*b.reset_unix_ms) - now;
      Check(ahead <= kMaxAheadMs && ahead >= -86'400'000);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  int64_t now = kTypicalNowMs;
  size_t skip = 1;
  if ((data[0] & 1) != 0 && size >= 9) {
    std::memcpy(&now, data + 1, sizeof now);
    skip = 9;
  }
  const std::string_view text(reinterpret_cast<const char*>(data) + skip, size - skip);
  const auto headers = vigil::fuzz::HeaderLines(text);
  CheckContract(quota::ParseRateLimitHeaders(headers, now), now);
  for (const auto& [name, value] : headers) {
    const auto go = quota::ParseGoDurationMs(value);
    Check(!go || *go >= 0);
    quota::ParseHttpDateMs(value);
    quota::ParseRfc3339Ms(value);
  }
  return 0;
}
