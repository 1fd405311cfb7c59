#!/usr/bin/env bash
# Installs what fuzzing and the sanitizer builds need on Debian: clang and its sanitizer and
# libFuzzer runtimes (plus the ordinary build dependencies). Idempotent; skips apt when installed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/install-deps.sh

# The clang runtime package follows clang's major version (Debian 12: 14).
major=""
if command -v clang++ >/dev/null 2>&1; then
    major=$(clang++ -dumpversion | cut -d. -f1)
fi
packages=(clang)
if [ -n "$major" ]; then
    packages+=("libclang-rt-${major}-dev")
fi

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing+=("$p")
    fi
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

echo "install-fuzz-deps: installing ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update
"${sudo[@]}" apt-get install -y --no-install-recommends clang
major=$(clang++ -dumpversion | cut -d. -f1)
if ! dpkg-query -W -f='${Status}' "libclang-rt-${major}-dev" 2>/dev/null | grep -q '^install ok installed$'; then
    "${sudo[@]}" apt-get install -y --no-install-recommends "libclang-rt-${major}-dev"
fi
