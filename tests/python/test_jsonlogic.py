"""masterpro as a JsonLogic engine from Python: the official suite (read in place), errors."""

import json
from collections import Counter
from pathlib import Path

import pytest

import masterpro

SUITE = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "jsonlogic" / "tests.json"


def test_the_official_suite_through_python():
    if not SUITE.exists():
        pytest.skip(f"{SUITE} is absent (a fresh clone without ../shared)")
    section, passed, total, failures = "(none)", Counter(), Counter(), []
    for entry in json.loads(SUITE.read_text()):
        if isinstance(entry, str):
            section = entry
            continue
        rule, data, expected = entry
        total[section] += 1
        got = masterpro.JsonLogicRule(rule).apply(data)
        if got == expected and type(got) is type(expected) or (isinstance(expected, (int, float)) and not isinstance(expected, bool) and got == expected):
            passed[section] += 1
        else:
            failures.append((section, rule, data, expected, got))
    print("\n".join(f"{name}: {passed[name]}/{count}" for name, count in total.items()))
    assert sum(total.values()) == 277
    assert failures == []


def test_apply_forms_and_errors():
    rule = masterpro.JsonLogicRule({"if": [{">=": [{"var": "score"}, 3]}, "pass", "fail"]})
    assert rule.apply({"score": 4}) == "pass"
    assert rule.apply(data={"score": 1}) == "fail" and rule.apply() == "fail"
    for wrong in (lambda: rule.apply({}, {}), lambda: rule.apply(record={}), lambda: rule.apply({}, data={})):
        with pytest.raises(TypeError):
            wrong()
    assert rule.apply_json('{"score": 2}') == "fail"
    assert masterpro.jsonlogic_apply({"cat": ["a", {"var": ""}]}, "b") == "ab"
    assert masterpro.JsonLogicRule.from_json('{"var": "x"}').apply({"x": [1]}) == [1]
    with pytest.raises(masterpro.RuleFileError) as e:
        masterpro.JsonLogicRule({"frobnicate": 1})
    assert "unknown JsonLogic operation 'frobnicate'" in str(e.value)
    with pytest.raises(masterpro.DataError):
        rule.apply_json('{"score": ')
    with pytest.raises(masterpro.DataError):
        rule.apply_json("[" * 1000 + "]" * 1000)
    with pytest.raises(ValueError):
        rule.apply({"score": float("nan")})
    # Only the fields the rule reads are read from Python data: others may hold anything.
    assert rule.apply({"score": 4, "x": float("nan"), "y": object()}) == "pass"
    with pytest.raises(ValueError):
        rule.apply({"score": object()})
    import pickle

    assert pickle.loads(pickle.dumps(rule)).apply({"score": 3}) == "pass"
