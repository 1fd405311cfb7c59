#!/usr/bin/env bash
# Runs the benchmarks of issue 5 and writes benchmarks/RESULTS.md: installs what they need
# (Debian packages; the peers from PyPI into a venv), builds masterpro and the benchmark
# programs, then runs bench.py. About 10 minutes on 2 cores once built.
#
# Settings (environment): BUILD_DIR (default <repo>/build/bench), MASTERPRO_SHARED (default
# <repo>/../shared), BENCH_N (peer records, 20000), BENCH_WELDER_N (20000), BENCH_STREAM_N
# (1000000; 0 skips the streaming run), BENCH_BUDGET (seconds per engine path, 8), JOBS (2).
# A step that fails (a peer that will not install, masterpro that does not build) is recorded
# and reported in RESULTS.md; the other engines still run.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$repo/build/bench}"
shared="${MASTERPRO_SHARED:-$repo/../shared}"
jobs="${JOBS:-2}"
status="$build/status"

if [ ! -f "$shared/bench/gen_workload.py" ]; then
    echo "run.sh: $shared/bench/gen_workload.py not found: the shared peer workload is expected" \
         "in ../shared/bench beside the repository (or set MASTERPRO_SHARED)" >&2
    exit 1
fi
shared="$(cd "$shared" && pwd)"
mkdir -p "$status"

# step NAME COMMAND...: runs a step with its output in status/NAME.log; marks NAME.failed if it
# fails, so that bench.py can report why instead of dropping the engine.
step() {
    local name=$1
    shift
    echo "run.sh: $name" >&2
    if "$@" >"$status/$name.log" 2>&1; then
        rm -f "$status/$name.failed"
    else
        touch "$status/$name.failed"
        echo "run.sh: $name FAILED (see $status/$name.log)" >&2
        return 1
    fi
}

# ---- Debian packages: compilers, CMake, the libraries masterpro builds with, venv, GNU time ----
packages=(g++ cmake ninja-build libboost-dev libboost-program-options-dev rapidjson-dev libsimdjson-dev
          libexpected-dev python3-venv time valgrind)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
        missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
    sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ---- masterpro (library and CLI) and the benchmark programs, Release, in the build dir ----
export CMAKE_BUILD_PARALLEL_LEVEL="$jobs"
with_masterpro=ON
step build-masterpro bash -c "cmake -S '$repo' -B '$build/masterpro' -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DMASTERPRO_BUILD_TESTS=OFF && cmake --build '$build/masterpro'" \
    || with_masterpro=OFF
[ -f "$build/masterpro/masterproConfig.cmake" ] || with_masterpro=OFF
step build-floors bash -c "cmake -S '$repo/benchmarks' -B '$build/programs' -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -Dmasterpro_DIR='$build/masterpro' \
    -DMASTERPRO_SHARED_DIR='$shared' -DMASTERPRO_BENCH_WITH_MASTERPRO=$with_masterpro && \
    cmake --build '$build/programs' --target floor_rapidjson parse_only_rapidjson && \
    { [ ! -f '$shared/bench/floor_rapidjson.cpp' ] || \
      cmake --build '$build/programs' --target shared_floor_rapidjson; }"
if [ "$with_masterpro" = ON ]; then
    step build-masterpro-cpp cmake --build "$build/programs" --target masterpro_cpp || true
else
    echo "masterpro did not build: see build-masterpro.log" >"$status/build-masterpro-cpp.log"
    touch "$status/build-masterpro-cpp.failed"
fi

# ---- Python: the peers from PyPI, and masterpro's own package, in venvs under the build dir ----
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
venv="$build/venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
for pkg in datalogic-py zen-engine json-logic-qubit rule-engine common-expression-language \
           cel-python; do
    step "pip-$pkg" "$venv/bin/pip" install -q "$pkg" || true
done
# json-logic and json-logic-qubit are both the module `json_logic`: json-logic gets its own venv.
[ -x "$build/venv-json-logic/bin/python" ] || python3 -m venv "$build/venv-json-logic"
step pip-json-logic "$build/venv-json-logic/bin/pip" install -q json-logic || true
# masterpro's package, built from this tree with a build dir kept between runs (incremental).
step pip-masterpro bash -c "'$venv/bin/pip' install -q scikit-build-core pybind11 && \
    '$venv/bin/pip' install -q --no-build-isolation --force-reinstall --no-deps \
    -C build-dir='$build/python' '$repo'" || true

# ---- the benchmarks ----
command="bash benchmarks/run.sh"
for v in BENCH_N BENCH_WELDER_N BENCH_STREAM_N BENCH_BUDGET; do
    [ -z "${!v:-}" ] || command="$v=${!v} $command"
done
python3 "$repo/benchmarks/bench.py" \
    --repo "$repo" --shared "$shared" --build "$build" \
    --bench-bin "$build/programs" --cli "$build/masterpro/masterpro" \
    --python "$venv/bin/python" --python-json-logic "$build/venv-json-logic/bin/python" \
    --n "${BENCH_N:-20000}" --welder-n "${BENCH_WELDER_N:-20000}" \
    --stream-n "${BENCH_STREAM_N:-1000000}" --budget "${BENCH_BUDGET:-8}" \
    --out "$repo/benchmarks/RESULTS.md" --command "$command" >/dev/null
echo "run.sh: wrote $repo/benchmarks/RESULTS.md" >&2
