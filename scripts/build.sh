#!/usr/bin/env bash
# Configures and builds masterpro (library, CLI, tests) in build/, Release, with Ninja.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
