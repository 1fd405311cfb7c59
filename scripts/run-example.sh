#!/usr/bin/env bash
# README command 1: checks the bundled qualification files and evaluates the Master Welder
# candidates, explaining each decision (the CLI prints a readable summary on stderr).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
bash scripts/build.sh

build/masterpro check rules/qualifications/*.json
build/masterpro evaluate rules/qualifications/LT-AMK-WELD-001.json \
    rules/examples/master-welder/candidates.jsonl --explain
