"""HTML for notebooks: a decision's level statuses, its competence × level grid and its gaps."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any, Dict, List

if TYPE_CHECKING:
    from ._masterpro import Decision

COLOURS = {"pass": "#c8e6c9", "fail": "#ffcdd2", "insufficient": "#fff3c4"}


def _cell(status: str) -> str:
    colour = COLOURS.get(status, "#eeeeee")
    return f'<td style="background:{colour};color:#000;text-align:center">{escape(status)}</td>'


def _value(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, list):
        return ", ".join(map(str, v)) or "none"
    return str(v)


def gap_text(entry: Dict[str, Any], titles: Dict[str, str]) -> str:
    """One requirement that stands in the way, in words (`titles`: the decision's, by id)."""
    s = entry["requirement"]
    title = entry.get("title") or titles.get(entry["requirement"])
    if title:
        s += f" {title}"
    if entry.get("competence"):
        s = f"{entry['competence']}: {s}"
    if entry.get("check"):
        s += f" [{entry['check']}]"
    s += f" is {entry['status']}"
    if entry.get("found") is not None or entry.get("required") is not None:
        s += f": found {_value(entry.get('found'))}"
        if entry.get("required") is not None:
            s += f", required {_value(entry['required'])}"
    for key in ("evidence", "assessors"):
        if entry.get(key):
            s += f"; {key} {', '.join(entry[key])}"
    return s


def decision_html(d: "Decision") -> str:
    """The decision as HTML tables, coloured by status."""
    head = f"<b>{escape(d.id)}</b> as of {d.as_of.isoformat()}: <b>{escape(d.outcome)}</b>"
    if d.level is not None:
        head += f" {escape(d.level)}"
        if d.valid_until is not None:
            head += f" (valid until {d.valid_until.isoformat()})"
    if d.partial:
        head += " award of " + escape(", ".join(d.partial))
    levels = d.levels
    competences = d.competences
    parts: List[str] = [f'<div class="masterpro-decision"><p>{head}</p>']
    parts.append("<table><tr><th>level</th>" + "".join(f"<th>{escape(l)}</th>" for l in levels) + "</tr>")
    parts.append("<tr><th>status</th>" + "".join(_cell(s) for s in levels.values()) + "</tr>")
    ids = list(next(iter(competences.values()), {}))
    for c in ids:
        parts.append(f"<tr><th>{escape(c)}</th>" + "".join(_cell(competences[l][c]) for l in levels) + "</tr>")
    parts.append("</table>")
    gaps = d.gaps if d.has_reasons else {}
    if gaps:
        titles = d.to_dict()["titles"]
        parts.append("<p>What stands in the way:</p><ul>")
        for level, entries in gaps.items():
            items = "".join(f"<li>{escape(gap_text(e, titles))}</li>" for e in entries)
            parts.append(f"<li>{escape(level)}<ul>{items}</ul></li>")
        parts.append("</ul>")
    parts.append("</div>")
    return "".join(parts)
