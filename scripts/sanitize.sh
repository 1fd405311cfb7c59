#!/usr/bin/env bash
# Builds and tests under the sanitizer presets (CMakePresets.json): the whole C++ suite under
# AddressSanitizer + UndefinedBehaviorSanitizer (`asan`), then the concurrency cases under
# ThreadSanitizer (`tsan`, whose test preset selects them). Installs clang if needed.
# Build trees: build/asan and build/tsan, or $MASTERPRO_SANITIZE_BUILD/{asan,tsan}.
# Runs both presets even if the first fails; exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-fuzz-deps.sh

failed=0
for preset in asan tsan; do
    dir="build/$preset"
    if [ -n "${MASTERPRO_SANITIZE_BUILD:-}" ]; then
        dir="$MASTERPRO_SANITIZE_BUILD/$preset"
    fi
    targets=()
    if [ "$preset" = tsan ]; then
        targets=(--target masterpro_tests) # only the tests run under ThreadSanitizer
    fi
    echo "sanitize.sh: $preset in $dir"
    status=0
    { cmake --preset "$preset" -B "$dir" >/dev/null &&
        cmake --build "$dir" -j2 "${targets[@]}" &&
        ctest --preset "$preset" --test-dir "$dir" -j2; } || status=$?
    if [ "$status" -ne 0 ]; then
        echo "sanitize.sh: $preset FAILED" >&2
        failed=1
    fi
done
exit "$failed"
