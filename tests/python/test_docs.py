"""The Python examples of docs/python.md and of the README run as written (doctest, from the
repository root, each file's blocks in one namespace, in order)."""

from __future__ import annotations

import doctest
import re
from pathlib import Path

import pytest

from conftest import ROOT

PAGES = ["docs/python.md", "README.md"]


def python_blocks(text: str) -> str:
    return "\n".join(re.findall(r"^```python\n(.*?)^```", text, re.S | re.M))


@pytest.mark.parametrize("page", PAGES)
def test_examples_run_as_written(page: str, monkeypatch: pytest.MonkeyPatch) -> None:
    source = python_blocks((ROOT / page).read_text(encoding="utf-8"))
    assert ">>> import masterpro" in source, f"{page} has no Python examples"
    monkeypatch.chdir(ROOT)
    parser = doctest.DocTestParser()
    test = parser.get_doctest(source, {}, page, str(ROOT / page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report: list = []
    runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
    assert runner.tries >= 5
