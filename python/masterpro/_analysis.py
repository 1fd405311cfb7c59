"""Results of a batch as a pandas DataFrame (pandas is optional: `pip install masterpro[analysis]`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Union

if TYPE_CHECKING:
    import pandas

    from ._masterpro import CandidateError, Decision

STATUSES = ["pass", "fail", "insufficient"]


def to_dataframe(results: Iterable[Union["Decision", "CandidateError"]]) -> "pandas.DataFrame":
    """One row per result, in order: `id`, `outcome`, `level`, `error` (the message and JSON path
    of a record that got no decision, else None), then `level.<L>` (each level's status) and
    `<L>.<C>` (each competence's status at each level) as categoricals of pass / fail /
    insufficient. An error row has None in every status column."""
    try:
        import pandas as pd
    except ImportError as e:  # pragma: no cover - exercised only without pandas
        raise ImportError("to_dataframe needs pandas: pip install 'masterpro[analysis]'") from e

    rows: List[Dict[str, Any]] = []
    level_columns: Dict[str, None] = {}
    competence_columns: Dict[str, None] = {}
    for r in results:
        if r.ok:
            row: Dict[str, Any] = {"id": r.id, "outcome": r.outcome, "level": r.level, "error": None}
            for level, status in r.levels.items():
                level_columns.setdefault(f"level.{level}")
                row[f"level.{level}"] = status
            for level, competences in r.competences.items():
                for competence, status in competences.items():
                    competence_columns.setdefault(f"{level}.{competence}")
                    row[f"{level}.{competence}"] = status
        else:
            where = f" at {r.path}" if r.path else ""
            row = {"id": r.id, "outcome": None, "level": None, "error": f"{r.message}{where}"}
        rows.append(row)
    status_columns = [*level_columns, *competence_columns]
    frame = pd.DataFrame(rows, columns=["id", "outcome", "level", "error", *status_columns])
    for column in status_columns:
        frame[column] = pd.Categorical(frame[column], categories=STATUSES)
    return frame
