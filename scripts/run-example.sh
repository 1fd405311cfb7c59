#!/usr/bin/env bash
# README command 1: checks the bundled qualification files and evaluates the Master Welder
# candidates, explaining each decision (the CLI prints a readable summary on stderr).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh
bash scripts/build.sh

build/masterpro check rules/qualifications/*.json
# Exit status 1 only says some records were refused: the examples hold one broken record on
# purpose, to show that it gets an error naming the fault, not a decision.
status=0
build/masterpro evaluate rules/qualifications/LT-AMK-WELD-001.json \
    rules/examples/master-welder/candidates.jsonl --format text || status=$?
[ "$status" -le 1 ] || exit "$status"
echo "For the same decisions as JSON lines, drop --format text (add --explain for the text too)."
