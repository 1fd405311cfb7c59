#!/usr/bin/env bash
# Runs `python3 -m pip ARGS...` quietly and as CI runs it: as root without warnings and, for
# Debian's own python3 (PEP 668), allowed to install outside a virtual environment.
set -euo pipefail

# Debian's own python3 refuses pip installs outside a virtual environment (PEP 668); a pyenv or
# venv python does not. Only in the first case do we tell pip to go ahead.
if python3 -c 'import os, sys, sysconfig
managed = os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED"))
sys.exit(0 if managed and sys.prefix == sys.base_prefix else 1)'; then
    export PIP_BREAK_SYSTEM_PACKAGES=1
fi
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
exec python3 -m pip "$@"
