#!/usr/bin/env bash
# Builds the rate-limit header fuzz target with clang (libFuzzer + ASan + UBSan) and runs it for
# a bounded time. Exits non-zero when the build fails or the fuzzer finds a crash, a leak, a
# timeout or undefined behaviour; the reproducer lands in OUT_DIR/artifacts/.
#
#   scripts/fuzz-smoke.sh OUT_DIR [SECONDS]      (ctest runs it with <build>/fuzz 20)
#
# OUT_DIR holds the binary, the seed corpus (rewritten by this script on every run), a dictionary
# and the corpus the fuzzer grows (kept between runs, so later runs start where earlier ones
# ended).
set -euo pipefail

out=${1:?usage: fuzz-smoke.sh OUT_DIR [SECONDS]}
seconds=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
cxx=${CLANGXX:-clang++}

command -v "$cxx" >/dev/null || { echo "fuzz-smoke: $cxx not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
mkdir -p "$out/seeds" "$out/corpus" "$out/artifacts"

"$cxx" -std=c++20 -O1 -g -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
  -Wall -Wextra -I"$root" \
  "$root/probes/quota/ratelimit_headers.cc" "$root/tests/fuzz/ratelimit_headers_fuzz.cc" \
  -o "$out/ratelimit_headers_fuzz"

# Seeds: mode byte '0' (even: fixed now) then header lines; '1' + 8 bytes picks its own now.
seed() { printf '%b' "$2" >"$out/seeds/$1"; }
seed github '0x-ratelimit-limit: 5000\nx-ratelimit-remaining: 4987\nx-ratelimit-reset: 1795631940\nx-ratelimit-used: 13\nx-ratelimit-resource: core\n'
seed openai '0x-ratelimit-limit-requests: 10000\nx-ratelimit-remaining-requests: 9999\nx-ratelimit-reset-requests: 6ms\nx-ratelimit-limit-tokens: 2000000\nx-ratelimit-remaining-tokens: 1999975\nx-ratelimit-reset-tokens: 2m59.56s\n'
seed anthropic '0anthropic-ratelimit-requests-limit: 50\nanthropic-ratelimit-requests-remaining: 49\nanthropic-ratelimit-requests-reset: 2026-11-25T18:00:00Z\nanthropic-ratelimit-output-tokens-reset: 2026-11-25T18:59:30.250+01:00\n'
seed shopify '0X-Shopify-Shop-Api-Call-Limit: 32/40\n'
seed ietf '0RateLimit-Policy: "burst";q=100;w=60, "daily";q=1000;w=86400\nRateLimit: "burst";r=50;t=30, "daily";r=900;t=3600\n'
seed ietf-draft '0RateLimit-Limit: 100, 100;w=60\nRateLimit-Remaining: 42\nRateLimit-Reset: 17\nRateLimit-Policy: 5;w=60\nRateLimit: limit=5, remaining=4, reset=59\n'
seed twitter '0x-rate-limit-limit: 900\nx-rate-limit-remaining: 847\nx-rate-limit-reset: Wed, 25 Nov 2026 18:00:00 GMT\n'
seed retry-after '0Retry-After: 120\nretry-after: Sunday, 06-Nov-94 08:49:37 GMT\nX-RateLimit-Reset: Sun Nov  6 08:49:37 1994\n'
seed extreme-now '1\xff\xff\xff\xff\xff\xff\xff\x7fRetry-After: 5\nx-ratelimit-reset: 1795629600123\nRateLimit: "a";t=9\n'

cat >"$out/ratelimit.dict" <<'DICT'
"ratelimit-policy:"
"ratelimit:"
"ratelimit-limit:"
"ratelimit-remaining:"
"ratelimit-reset:"
"x-ratelimit-limit:"
"x-ratelimit-remaining:"
"x-ratelimit-reset:"
"x-ratelimit-used:"
"x-ratelimit-resource:"
"x-rate-limit-reset:"
"x-ratelimit-reset-requests:"
"x-ratelimit-limit-tokens:"
"anthropic-ratelimit-tokens-reset:"
"x-shopify-shop-api-call-limit:"
"retry-after:"
";q="
";w="
";r="
";t="
"limit="
"GMT"
"Nov"
"Sunday, "
"2026-11-25T"
"+01:00"
"\xc2\xb5s"
DICT

# First corpus dir receives new inputs; the seeds are read-only input.
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=64 \
  "$out/ratelimit_headers_fuzz" -max_total_time="$seconds" -rss_limit_mb=1024 -timeout=5 \
  -max_len=4096 -print_final_stats=1 -dict="$out/ratelimit.dict" \
  -artifact_prefix="$out/artifacts/" "$out/corpus" "$out/seeds"
