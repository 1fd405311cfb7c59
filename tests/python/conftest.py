"""Shared fixtures of the Python tests: where the repository and ../shared are, the compiled
Welder rules, reading JSON lines. The tests import the installed masterpro package (imported
lazily here, so that tests which do not need it run without it)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
WELDER = ROOT / "rules" / "qualifications" / "LT-AMK-WELD-001.json"
ITSM = ROOT / "rules" / "qualifications" / "LT-AMK-ITSM-001.json"
EXAMPLES = ROOT / "rules" / "examples"


def read_lines(path: Path) -> List[str]:
    """The non-empty lines of a JSON-lines file."""
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def read_records(path: Path) -> List[Dict[str, Any]]:
    return [json.loads(line) for line in read_lines(path)]


@pytest.fixture(scope="session")
def welder() -> Any:
    import masterpro

    return masterpro.RuleSet(WELDER)


@pytest.fixture(scope="session")
def welder_dict() -> Dict[str, Any]:
    return json.loads(WELDER.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_lines() -> List[str]:
    """The bundled Master Welder candidates (the last one breaks the contract)."""
    return read_lines(EXAMPLES / "master-welder" / "candidates.jsonl")
