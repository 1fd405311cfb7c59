"""examples/cohort-analysis.ipynb runs from top to bottom (nbclient, a fresh ipykernel, matplotlib
drawing with Agg) and shows what it promises: the outcome table, competence rates, the plots, and
candidates whose outcome changes under the stricter recency rule."""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List

import pytest

from conftest import ROOT

NOTEBOOK = ROOT / "examples" / "cohort-analysis.ipynb"


@pytest.fixture(scope="module")
def executed() -> Any:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("pandas")
    pytest.importorskip("matplotlib")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # The inline backend renders with Agg into PNG outputs; no display is needed.
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    return notebook


def tagged(notebook: Any, tag: str) -> List[Dict[str, Any]]:
    (cell,) = [c for c in notebook.cells if tag in c.get("metadata", {}).get("tags", [])]
    return cell.outputs


def text_of(outputs: List[Dict[str, Any]]) -> str:
    parts = []
    for o in outputs:
        if o.get("output_type") == "stream":
            parts.append(o["text"])
        elif "data" in o:
            parts.append(o["data"].get("text/html", o["data"].get("text/plain", "")))
    return "\n".join(parts)


def test_no_cell_fails(executed: Any) -> None:
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []


def test_outcome_table_counts_every_candidate(executed: Any) -> None:
    html = text_of(tagged(executed, "outcome-table"))
    counts = dict(re.findall(r"<th>(awarded|partial|not_awarded|error)</th>\s*<td>(\d+)</td>", html))
    assert set(counts) == {"awarded", "partial", "not_awarded", "error"}
    assert sum(map(int, counts.values())) == 3000
    assert all(int(n) > 0 for n in counts.values())


def test_competence_rates_cover_every_competence_at_every_level(executed: Any) -> None:
    html = text_of(tagged(executed, "competence-rates"))
    for competence in [f"C{i}" for i in range(1, 9)]:
        assert f"<th>{competence}</th>" in html
    assert html.count("<th>insufficient</th>") == 2


@pytest.mark.parametrize("tag", ["outcome-plot", "competence-plot", "comparison-plot"])
def test_plots_are_drawn(executed: Any, tag: str) -> None:
    assert any("image/png" in o.get("data", {}) for o in tagged(executed, tag))


def test_the_stricter_rule_changes_some_outcomes(executed: Any) -> None:
    text = text_of(tagged(executed, "changes"))
    match = re.search(r"(\d+) of 3000 candidates change outcome under the 3-year rule", text)
    assert match and 0 < int(match.group(1)) < 3000
    listing = text_of(tagged(executed, "changed-list"))
    assert "before" in listing and "after" in listing


def test_one_changed_decision_is_shown_with_its_gaps(executed: Any) -> None:
    html = text_of(tagged(executed, "one-decision"))
    assert 'class="masterpro-decision"' in html and "What stands in the way" in html
