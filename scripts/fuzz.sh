#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) and runs each for SECONDS (default 60), one after another,
# then prints executions per second and corpus size per target. Exit status 1 if any target
# crashed (its input is saved under BUILD/artifacts/<target>/; keep it in fuzz/regressions/).
# BUILD is build/fuzz, or $MASTERPRO_FUZZ_BUILD. The corpus grows in BUILD/corpus/<target>/,
# seeded by scripts/fuzz_corpus.py; nothing is written into the repository.
# MASTERPRO_FUZZ_KEEP_GOING=1 runs libFuzzer's fork mode, which goes on after a crash and saves
# every crashing input: for long runs while known crashes are still open.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

seconds="${1:-60}"
build="${MASTERPRO_FUZZ_BUILD:-build/fuzz}"

bash scripts/install-fuzz-deps.sh
# Optimised, but with assertions (no NDEBUG): an assertion is a finding too.
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" -DMASTERPRO_FUZZ=ON -DMASTERPRO_BUILD_TESTS=OFF \
    -DMASTERPRO_BUILD_CLI=OFF -DMASTERPRO_INSTALL=OFF >/dev/null
cmake --build "$build" -j2
python3 scripts/fuzz_corpus.py "$build/corpus"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}"
failed=0
summary=()
for target in rules expression candidate; do
    dict=fuzz/dict/json.dict
    if [ "$target" = expression ]; then dict=fuzz/dict/expression.dict; fi
    corpus="$build/corpus/$target"
    artifacts="$build/artifacts/$target"
    log="$build/$target.log"
    mkdir -p "$artifacts"
    before=$(find "$corpus" -type f | wc -l)
    echo "fuzz.sh: $target for ${seconds}s (log: $log)"
    mode=()
    if [ "${MASTERPRO_FUZZ_KEEP_GOING:-0}" = 1 ]; then
        mode=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
    fi
    crashes_before=$(find "$artifacts" -type f | wc -l)
    status=0
    "$build/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -dict="$dict" -artifact_prefix="$artifacts/" "${mode[@]}" \
        "$corpus" >"$log" 2>&1 || status=$?
    after=$(find "$corpus" -type f | wc -l)
    crashes=$(($(find "$artifacts" -type f | wc -l) - crashes_before))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ -z "$rate" ]; then # fork mode: "#RUNS: cov: ... time: Ts ...", averaged here
        runs=$(grep -a -oE '^#[0-9]+: cov' "$log" | tail -1 | tr -dc 0-9)
        took=$(grep -a -oE 'time: [0-9]+s' "$log" | tail -1 | tr -dc 0-9)
        if [ -n "$runs" ] && [ "${took:-0}" -gt 0 ]; then rate=$((runs / took)); fi
    fi
    line="$target: ${runs:-?} runs in ${seconds}s, ${rate:-?} exec/s, corpus $after inputs (+$((after - before)))"
    if [ "$status" -ne 0 ] || [ "$crashes" -gt 0 ]; then
        failed=1
        line="$line, $crashes crashing input(s) in $artifacts/ (exit $status):"
        line="$line $(grep -a -m1 -E 'ERROR:|runtime error|invariant broken' "$log" | cut -c1-300 |
            LC_ALL=C tr -c '[:print:]' '?' || true)"
    else
        line="$line, no crash"
    fi
    summary+=("$line")
    echo "fuzz.sh: $line"
done

echo "fuzz.sh: summary ($(date -u +%Y-%m-%d), clang $(clang++ -dumpversion))"
for line in "${summary[@]}"; do echo "  $line"; done
exit "$failed"
