#!/usr/bin/env bash
# Runs the libFuzzer targets of a VIGIL_FUZZ build (see tests/fuzz/) for a bounded time each and
# prints, per target, the executions, the coverage reached and the corpus size. Exits non-zero
# when a target is missing or finds a crash, a leak, a timeout, an out-of-memory or undefined
# behaviour; the reproducer lands in BUILD_DIR/fuzz/TARGET/artifacts/.
#
#   scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]     (default: every target)
#
# Seeds: tests/fuzz/seeds/TARGET, plus the real inputs of tests/testdata and examples/ for the
# config, JSON and OpenAPI targets. The corpus each run grows is kept in BUILD_DIR/fuzz/TARGET/corpus, so a
# later run starts where an earlier one ended. scripts/fuzz-long.sh runs every target 10 minutes.
set -euo pipefail
build=${1:?usage: fuzz.sh BUILD_DIR SECONDS [TARGET...]}
seconds=${2:?usage: fuzz.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "$build" && pwd)
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=($(sed -n '/^set(VIGIL_FUZZ_TARGETS/,/)/{s/set(VIGIL_FUZZ_TARGETS//;s/)//;p}' "$root/tests/fuzz/CMakeLists.txt"))
fi

extra_seeds() {  # real inputs, copied in as seeds for the targets that read them
  local dir=$1
  case $2 in
    config)
      cp "$root"/tests/testdata/configs/*.yaml "$root"/examples/*.yaml "$dir"/ 2>/dev/null || true
      find "$root/examples/spec" -name '*.yaml' -exec cp {} "$dir"/ \; ;;
    json)
      find "$root/tests/testdata" -name '*.json' -size -64k -exec cp {} "$dir"/ \; ;;
    openapi)
      cp "$root"/tests/testdata/openapi/* "$dir"/ ;;
  esac
}

failed=0
printf '%-20s %12s %8s %8s  %s\n' target executions coverage corpus result
for t in "${targets[@]}"; do
  bin="$build/tests/fuzz/${t}_fuzz"
  if [[ ! -x $bin ]]; then
    echo "fuzz: $bin is missing (build with -DVIGIL_FUZZ=ON -DVIGIL_SANITIZE=ON, CXX=clang++)" >&2
    failed=1
    continue
  fi
  work="$build/fuzz/$t"
  rm -rf "$work/seeds"
  mkdir -p "$work/corpus" "$work/artifacts" "$work/seeds"
  cp "$root/tests/fuzz/seeds/$t"/* "$work/seeds/" 2>/dev/null || true
  extra_seeds "$work/seeds" "$t"
  dict=()
  [[ -f $root/tests/fuzz/dict/$t.dict ]] && dict=(-dict="$root/tests/fuzz/dict/$t.dict")
  log="$work/last.log"
  set +e
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ASAN_OPTIONS=detect_leaks=1:quarantine_size_mb=64:allocator_may_return_null=1 \
  LSAN_OPTIONS=suppressions="$root/tests/sanitizers/lsan.supp":print_suppressions=0 \
    "$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
    -max_len=16384 -print_final_stats=1 "${dict[@]}" -artifact_prefix="$work/artifacts/" \
    "$work/corpus" "$work/seeds" >"$log" 2>&1
  rc=$?
  set -e
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1 || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2 || true)
  corpus=$(find "$work/corpus" -type f | wc -l)
  if ((rc == 0)); then
    printf '%-20s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "$corpus" ok
  else
    printf '%-20s %12s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "$corpus" "FAILED (exit $rc; $log)"
    grep -E 'ERROR|SUMMARY|==[0-9]+==|runtime error|Test unit written' "$log" | head -20 >&2 || true
    failed=1
  fi
done
exit $failed
