#!/usr/bin/env bash
# README command 2: installs what is needed, builds, and runs every test (CTest, then pytest).
# Runs both suites even if the first fails; exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
bash scripts/build.sh

failed=0
ctest --test-dir build --output-on-failure || failed=1

if [ -d tests/python ]; then
    status=0
    # The Python package, built and installed as users get it (not editable), so that pytest
    # imports the installed masterpro; build/python/ keeps its build for the next run.
    if ! CMAKE_BUILD_PARALLEL_LEVEL=2 bash scripts/pip.sh install -q .; then
        echo "test.sh: pip install . failed" >&2
        failed=1
    fi
    python3 -m pytest -q tests/python || status=$?
    # 5 means pytest collected no tests: not a failure while the Python suite is still empty.
    if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then
        failed=1
    fi
else
    echo "test.sh: no tests/python yet, skipping pytest"
fi

if [ "$failed" -ne 0 ]; then
    echo "test.sh: FAILED" >&2
fi
exit "$failed"
