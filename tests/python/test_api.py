"""The Python API: loading rules every way, decisions and their attributes, the exceptions, the
DataFrame helper, pickling, and the package metadata."""

from __future__ import annotations

import datetime
import json
import pickle
import re
from pathlib import Path
from typing import Any, Dict, List

import pytest

import masterpro
from conftest import ITSM, ROOT, WELDER


# ---- rule sets ---------------------------------------------------------------------------------

def test_rules_load_from_a_path_a_pathlike_text_bytes_and_a_dict(welder_dict: Dict[str, Any]) -> None:
    text = WELDER.read_text(encoding="utf-8")
    loaded = [
        masterpro.RuleSet(str(WELDER)),
        masterpro.RuleSet(WELDER),
        masterpro.RuleSet(welder_dict),
        masterpro.RuleSet.from_file(WELDER),
        masterpro.RuleSet.from_json(text),
        masterpro.RuleSet.from_json(text.encode()),
        masterpro.RuleSet.from_dict(welder_dict),
    ]
    record = {"id": "P1", "as_of": "2026-06-30"}
    decisions = {r.evaluate(record).to_json() for r in loaded}
    assert len(decisions) == 1


def test_rule_set_describes_its_qualification(welder: masterpro.RuleSet) -> None:
    assert (welder.id, welder.title, welder.version, welder.sector) == (
        "LT-AMK-WELD-001", "Master Welder", "2025.1", "metalworking")
    assert welder.levels == ["M1", "M2"]
    assert welder.competences == [f"C{i}" for i in range(1, 9)]
    described = welder.describe()
    assert [l["eqf"] for l in described["levels"]] == [5, 6]
    assert described["levels"][1]["params"]["panel_size"] == 3
    c4 = described["competences"][3]
    assert (c4["id"], c4["criteria"], c4["tags"]) == ("C4", ["C4.1", "C4.2"], ["safety_critical"])
    assert repr(welder) == "<RuleSet LT-AMK-WELD-001 2025.1: Master Welder>"


def test_a_rule_set_pickles_to_an_equivalent_one(welder: masterpro.RuleSet, demo_lines: List[str]) -> None:
    copy = pickle.loads(pickle.dumps(welder))
    assert copy.id == welder.id
    assert [r.to_json() for r in copy.evaluate_many(demo_lines)] == [
        r.to_json() for r in welder.evaluate_many(demo_lines)]


def test_rule_file_error_lists_every_diagnostic_gcc_style(welder_dict: Dict[str, Any]) -> None:
    broken = json.loads(json.dumps(welder_dict))
    broken["levels"][0]["requires"]["all_of"][1]["all_of"][0]["competence"] = "C9"
    broken["levels"][1]["params"]["panel_size"] = "three"
    text = json.dumps(broken, indent=2)
    with pytest.raises(masterpro.RuleFileError) as caught:
        masterpro.RuleSet.from_json(text, "rules/broken.json")
    e = caught.value
    assert isinstance(e, masterpro.Error) and isinstance(e, ValueError)
    assert len(e.diagnostics) >= 2
    for d in e.diagnostics:
        assert set(d) == {"file", "line", "column", "pointer", "message", "category"}
        assert d["file"] == "rules/broken.json" and d["line"] > 0 and d["column"] > 0
        assert d["category"] in {"schema", "semantic"}
    pointers = {d["pointer"] for d in e.diagnostics}
    assert "/levels/0/requires/all_of/1/all_of/0/competence" in pointers
    lines = str(e).splitlines()
    assert len(lines) == len(e.diagnostics)
    for line, d in zip(lines, e.diagnostics):
        assert line == f"{d['file']}:{d['line']}:{d['column']}: error: {d['message']} [{d['pointer']}]"
        assert re.match(r"rules/broken\.json:\d+:\d+: error: .+ \[/.*\]$", line)


def test_json_syntax_errors_in_rules_have_a_line_and_column() -> None:
    with pytest.raises(masterpro.RuleFileError) as caught:
        masterpro.RuleSet.from_json('{\n  "format": ,\n}', "x.json")
    (d,) = caught.value.diagnostics
    assert (d["category"], d["line"], d["column"]) == ("json_syntax", 2, 13)


def test_unreadable_rule_files_raise_os_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        masterpro.RuleSet(tmp_path / "missing.json")
    assert caught.value.filename == str(tmp_path / "missing.json")
    with pytest.raises(IsADirectoryError):
        masterpro.RuleSet.from_file(tmp_path)


@pytest.mark.parametrize("source", [42, None, ["rules.json"], 1.5, b"rules.json"])
def test_rule_sources_of_the_wrong_type_raise_type_error(source: Any) -> None:
    with pytest.raises(TypeError):
        masterpro.RuleSet(source)


def test_rule_dict_that_json_cannot_write() -> None:
    with pytest.raises(TypeError):
        masterpro.RuleSet.from_dict({"format": {1, 2}})
    with pytest.raises(masterpro.RuleFileError):
        masterpro.RuleSet.from_dict({"format": float("nan")})
    with pytest.raises(TypeError):
        masterpro.RuleSet.from_json(42)  # type: ignore[arg-type]


# ---- decisions ---------------------------------------------------------------------------------

def test_decision_attributes(welder: masterpro.RuleSet, demo_lines: List[str]) -> None:
    d = welder.evaluate(demo_lines[1])  # MW-DEMO-2: awarded M1, M2 fails
    assert d.ok and d.has_reasons
    assert (d.id, d.outcome, d.level, d.partial) == ("MW-DEMO-2", "awarded", "M1", [])
    assert d.as_of == datetime.date(2026, 6, 30)
    assert d.valid_until == datetime.date(2031, 6, 30)
    assert (d.qualification, d.version) == ("LT-AMK-WELD-001", "2025.1")
    assert d.levels == {"M1": "pass", "M2": "fail"}
    assert d.competences["M2"]["C6"] == "insufficient"
    assert list(d.gaps) == ["M2"]
    coordination = d.gaps["M2"][0]
    assert (coordination["requirement"], coordination["status"], coordination["required"]) == (
        "R1.coordination", "fail", 2)
    assert coordination["found"] == pytest.approx(1.49, abs=0.01)
    assert all(r["status"] != "pass" for r in d.reasons)
    assert any(r.get("evidence") == ["EV-TPR"] for r in d.reasons)
    assert all("M2" in r["levels"] for r in d.gaps["M2"])
    assert not any(r["kind"] in ("all_of", "at_least", "sequence", "competence") for r in d.reasons)
    assert repr(d) == "<Decision MW-DEMO-2 as of 2026-06-30: awarded M1>"


def test_to_dict_is_the_cli_json_parsed(welder: masterpro.RuleSet, demo_lines: List[str]) -> None:
    d = welder.evaluate(demo_lines[0])
    whole = d.to_dict()
    assert list(whole)[:10] == ["id", "as_of", "qualification", "version", "outcome", "level", "partial",
                                "valid_until", "levels", "competences"]
    assert whole["reasons"] == d.reasons
    # The JSON names each gap's reasons by index; the attribute hands over the reasons themselves.
    assert {level: [whole["reasons"][i] for i in indices] for level, indices in whole["gaps"].items()} == d.gaps
    # Each requirement the reasons name has its title given once, not on every reason.
    assert set(whole["titles"]) == {r["requirement"] for r in d.reasons}
    assert whole["titles"]["R7"] == "assessor panel"
    assert not any("title" in r for r in d.reasons)
    assert json.loads(d.to_json()) == whole
    assert "reasons" not in d.to_dict(reasons=False)
    assert d.to_dict(explanation=True)["explanation"] == d.explain()


def test_explanation_names_outcome_levels_and_gaps(welder: masterpro.RuleSet, demo_lines: List[str]) -> None:
    text = welder.evaluate(demo_lines[2]).explain()  # MW-DEMO-3: partial C1, C3, C4
    assert text.startswith("Candidate MW-DEMO-3, Master Welder (LT-AMK-WELD-001 2025.1), as of 2026-06-30: "
                           "partial award of C1, C3, C4")
    assert "What stands between the candidate and M1:" in text
    assert "R1 welding experience is fail" in text


def test_html_shows_statuses_in_colour_and_the_gaps(welder: masterpro.RuleSet, demo_lines: List[str]) -> None:
    d = welder.evaluate(demo_lines[1])
    html = d._repr_html_()
    assert html.startswith('<div class="masterpro-decision">') and html.endswith("</div>")
    assert "<b>MW-DEMO-2</b>" in html and "valid until 2031-06-30" in html
    assert html.count("<tr>") == 2 + 8  # level header, level statuses, one row per competence
    assert html.count("#c8e6c9") == sum(s == "pass" for s in d.levels.values()) + sum(
        s == "pass" for level in d.competences.values() for s in level.values())
    assert "R1.coordination coordination experience is fail: found 1.4921, required 2" in html
    assert "EV-TPR" in html


def test_records_as_dict_str_and_bytes_decide_alike(welder: masterpro.RuleSet, demo_lines: List[str]) -> None:
    for line in demo_lines[:5]:
        forms = [json.loads(line), line, line.encode(), bytearray(line.encode())]
        assert len({welder.evaluate(f).to_json() for f in forms}) == 1


def test_dates_in_dict_records_and_as_of_forms(welder: masterpro.RuleSet, demo_lines: List[str]) -> None:
    record = json.loads(demo_lines[0])
    record["as_of"] = datetime.date(2026, 6, 30)
    for item in record["evidence"]:
        item["date"] = datetime.date.fromisoformat(item["date"])
    assert welder.evaluate(record).to_json() == welder.evaluate(demo_lines[0]).to_json()
    undated = {"id": "U"}
    for as_of in ("2025-01-31", datetime.date(2025, 1, 31), datetime.datetime(2025, 1, 31, 23, 59)):
        assert welder.evaluate(undated, as_of=as_of).as_of == datetime.date(2025, 1, 31)
    with pytest.raises(ValueError):
        welder.evaluate(undated, as_of="2025-02-30")
    with pytest.raises(TypeError):
        welder.evaluate(undated, as_of=20250131)  # type: ignore[arg-type]


def test_candidate_data_error_names_the_record_and_the_json_path(welder: masterpro.RuleSet,
                                                                 demo_lines: List[str]) -> None:
    with pytest.raises(masterpro.CandidateDataError) as caught:
        welder.evaluate(demo_lines[5])
    e = caught.value
    assert isinstance(e, masterpro.Error) and isinstance(e, ValueError)
    assert (e.id, e.category, e.path, e.pointer) == ("MW-DEMO-6", "candidate_data", "experience[0].to",
                                                    "/experience/0/to")
    assert str(e) == "record MW-DEMO-6: 'to' (2018-04-30) is before 'from' (2019-05-01) at experience[0].to"
    with pytest.raises(masterpro.CandidateDataError) as caught:
        welder.evaluate("{not json")
    assert (caught.value.category, caught.value.id) == ("json_syntax", None)


@pytest.mark.parametrize("record", [42, None, [{"id": "X"}], 1.5, object()])
def test_records_of_the_wrong_type_raise_type_error(welder: masterpro.RuleSet, record: Any) -> None:
    with pytest.raises(TypeError):
        welder.evaluate(record)


def test_deep_and_unwritable_records(welder: masterpro.RuleSet) -> None:
    deep: Dict[str, Any] = {"id": "D"}
    node = deep
    for _ in range(100_000):
        node["x"] = {}
        node = node["x"]
    with pytest.raises(masterpro.CandidateDataError) as caught:
        welder.evaluate(deep)  # json.dumps gives up at Python's recursion limit
    assert caught.value.category == "limit"
    with pytest.raises(masterpro.CandidateDataError) as caught:
        welder.evaluate("[" * 100_000)
    assert caught.value.category in {"json_syntax", "limit"}
    try:  # an unknown key nested deep: ignored, or refused as too deep, never a crash
        assert welder.evaluate('{"id":"D","as_of":"2026-06-30","x":' + "[" * 100_000 + "]" * 100_000 + "}").id == "D"
    except masterpro.CandidateDataError as e:
        assert e.category == "limit"
    with pytest.raises(masterpro.CandidateDataError):
        welder.evaluate({"id": "N", "as_of": "2026-06-30", "experience": [{"fte": float("nan")}]})
    with pytest.raises(TypeError):
        welder.evaluate({"id": "S", "tags": {1, 2}})


# ---- batches -----------------------------------------------------------------------------------

def test_a_bad_record_becomes_an_error_result_and_the_batch_goes_on(welder: masterpro.RuleSet,
                                                                    demo_lines: List[str]) -> None:
    results = welder.evaluate_many([demo_lines[5], 42, "{", b"\xff\xfe", demo_lines[0], None])
    assert [r.ok for r in results] == [False, False, False, False, True, False]
    bad = results[0]
    assert (bad.line, bad.id, bad.category, bad.path, bad.pointer) == (
        1, "MW-DEMO-6", "candidate_data", "experience[0].to", "/experience/0/to")
    assert bad.message == "'to' (2018-04-30) is before 'from' (2019-05-01)"
    assert bad.to_dict() == {"line": 1, "id": "MW-DEMO-6", "error": {
        "category": "candidate_data", "message": bad.message, "pointer": "/experience/0/to",
        "path": "experience[0].to"}}
    assert [r.category for r in results if not r.ok] == ["candidate_data", "usage", "json_syntax", "json_syntax",
                                                         "usage"]
    assert results[5].line == 6
    assert repr(bad).startswith("<CandidateError line 1: record MW-DEMO-6: ")


def test_reasons_false_keeps_statuses_only(welder: masterpro.RuleSet, demo_lines: List[str]) -> None:
    full = welder.evaluate_many(demo_lines)
    light = welder.evaluate_many(demo_lines, reasons=False)
    for f, l in zip(full, light):
        if not f.ok:
            assert l.to_json() == f.to_json()
            continue
        assert not l.has_reasons
        assert l.to_json() == f.to_json(reasons=False)
        assert (l.levels, l.competences, l.outcome) == (f.levels, f.competences, f.outcome)
        for attribute in ("reasons", "gaps"):
            with pytest.raises(ValueError):
                getattr(l, attribute)
        with pytest.raises(ValueError):
            l.explain()
        with pytest.raises(ValueError):
            l.to_dict(reasons=True)
        assert "What stands" not in l._repr_html_()


def test_to_dataframe_one_row_per_input(welder: masterpro.RuleSet, demo_lines: List[str]) -> None:
    pd = pytest.importorskip("pandas")
    frame = masterpro.to_dataframe(welder.evaluate_many(demo_lines))
    assert len(frame) == len(demo_lines)
    assert list(frame.columns[:6]) == ["id", "outcome", "level", "error", "level.M1", "level.M2"]
    assert list(frame.columns[6:]) == [f"{l}.C{c}" for l in ("M1", "M2") for c in range(1, 9)]
    assert list(frame["outcome"][:5]) == ["awarded", "awarded", "partial", "not_awarded", "awarded"]
    assert frame.loc[0, "level"] == "M2" and frame.loc[0, "M1.C8"] == "insufficient"
    last = frame.iloc[5]
    assert last["id"] == "MW-DEMO-6" and pd.isna(last["outcome"]) and pd.isna(last["level.M1"])
    assert last["error"] == "'to' (2018-04-30) is before 'from' (2019-05-01) at experience[0].to"
    assert list(frame["level.M1"].cat.categories) == ["pass", "fail", "insufficient"]
    empty = masterpro.to_dataframe([])
    assert list(empty.columns) == ["id", "outcome", "level", "error"] and len(empty) == 0


def test_itsm_levels_appear_in_order() -> None:
    rules = masterpro.RuleSet(ITSM)
    assert rules.levels == ["S1", "S2", "S3"]


# ---- the package -------------------------------------------------------------------------------

def test_version_matches_the_cmake_project_and_the_distribution() -> None:
    from importlib.metadata import version

    cmake = (ROOT / "CMakeLists.txt").read_text()
    project = re.search(r"project\(masterpro VERSION ([0-9.]+)", cmake)
    assert project and masterpro.__version__ == project.group(1) == version("masterpro")


def test_the_package_ships_its_stubs_and_py_typed() -> None:
    folder = Path(masterpro.__file__).parent
    assert (folder / "py.typed").is_file()
    assert (folder / "_masterpro.pyi").is_file()
    assert not str(folder).startswith(str(ROOT / "python")), "tests must use the installed package"


def test_exceptions_are_in_the_masterpro_namespace() -> None:
    assert masterpro.RuleFileError.__module__ == "masterpro"
    assert masterpro.RuleFileError.__mro__[1:3] == (masterpro.Error, ValueError)
    assert masterpro.CandidateDataError.__mro__[1:3] == (masterpro.Error, ValueError)
    assert issubclass(masterpro.Error, Exception) and not issubclass(masterpro.Error, ValueError)


def test_long_ids_are_shortened_in_messages_without_splitting_characters(welder: masterpro.RuleSet) -> None:
    for unit in ("é", "€", "𝄞", "x"):
        long_id = unit * 300
        with pytest.raises(masterpro.CandidateDataError) as caught:
            welder.evaluate({"id": long_id})  # no as_of: an error naming the record
        assert caught.value.id == long_id
        text = str(caught.value)
        assert text.startswith("record " + unit) and "...: " in text and len(text.encode()) < 200
