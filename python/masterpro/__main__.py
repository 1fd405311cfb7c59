"""`python -m masterpro` (and the `masterpro` command): the compiled masterpro CLI shipped in
the package, run with the same arguments, standard streams and exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Sequence


def cli_path() -> Path:
    """Where the package's compiled `masterpro` executable is."""
    name = "masterpro.exe" if os.name == "nt" else "masterpro"
    return Path(__file__).resolve().parent / "bin" / name


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the CLI with `argv` (default: this process's arguments) and returns its exit status;
    without `argv` on POSIX the CLI replaces this process, so signals and streams pass straight
    through."""
    exe = cli_path()
    if not exe.is_file():
        print(f"masterpro: the CLI is missing from the package ({exe}); reinstall masterpro",
              file=sys.stderr)
        return 2
    args = list(sys.argv[1:] if argv is None else argv)
    if argv is None and os.name == "posix":
        sys.stdout.flush()
        sys.stderr.flush()
        os.execv(str(exe), ["masterpro", *args])
    return subprocess.call([str(exe), *args])


if __name__ == "__main__":
    sys.exit(main())
