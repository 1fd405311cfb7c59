"""Bounds chosen by the caller (masterpro.Limits) reach the rule file, every record and every
JsonLogic application, survive pickling, and give `limit` errors that say which bound."""

from __future__ import annotations

import copy
import pickle
from typing import Any, Dict

import pytest

import masterpro

HEAD: Dict[str, Any] = {"id": "P", "as_of": "2026-06-30"}


def with_usable(rules: Dict[str, Any], usable: str) -> Dict[str, Any]:
    """The Welder's rules with every usable-evidence expression replaced."""
    changed = copy.deepcopy(rules)
    found = 0

    def walk(node: Any) -> None:
        nonlocal found
        if isinstance(node, dict):
            if "usable" in node:
                node["usable"] = usable
                found += 1
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(changed)
    assert found > 0
    return changed


def test_defaults_and_values() -> None:
    default = masterpro.Limits()
    assert default.max_json_depth == 256 and default.max_items == 10000
    tight = masterpro.Limits(max_items=3, max_evaluation_steps=50)
    assert tight.max_items == 3 and tight.max_evaluation_steps == 50 and tight.max_json_depth == 256
    assert tight != default
    assert pickle.loads(pickle.dumps(tight)) == tight
    assert "max_items=3" in repr(tight)
    with pytest.raises(TypeError):
        masterpro.Limits(3)  # keywords only
    with pytest.raises(TypeError):
        masterpro.RuleSet({"format": 1}, limits={"max_items": 3})


def test_record_bounds_follow_the_rule_set(welder_dict: Dict[str, Any]) -> None:
    rules = masterpro.RuleSet(welder_dict, limits=masterpro.Limits(max_items=2))
    assert rules.limits.max_items == 2
    item = {"id": "E", "type": "cv", "date": "2024-01-01", "covers": ["C1.1"]}
    rules.evaluate({**HEAD, "evidence": [item, item]})
    with pytest.raises(masterpro.CandidateDataError, match="longer than the limit of 2"):
        rules.evaluate({**HEAD, "evidence": [item, item, item]})
    [result] = rules.evaluate_many([{**HEAD, "evidence": [item] * 3}])
    assert isinstance(result, masterpro.CandidateError)
    assert result.category == "limit"
    # Pickled rules keep their bounds (e.g. when sent to worker processes).
    assert pickle.loads(pickle.dumps(rules)).limits.max_items == 2


def test_evaluation_steps_stop_nested_quantifiers(welder_dict: Dict[str, Any]) -> None:
    usable = "count(covers, count(covers, count(covers, it == it) >= 0) >= 0) >= 0 and authentic"
    rules = masterpro.RuleSet(with_usable(welder_dict, usable),
                              limits=masterpro.Limits(max_evaluation_steps=100000))
    heavy = {**HEAD, "evidence": [{"id": "E", "type": "practical_task", "date": "2025-01-01",
                                   "covers": ["C1.1"] * 200}]}
    results = rules.evaluate_many([heavy, HEAD])
    assert isinstance(results[0], masterpro.CandidateError)
    assert results[0].category == "limit"
    assert "evaluation stopped after 100000 steps" in results[0].message
    assert isinstance(results[1], masterpro.Decision)


def test_expression_depth_is_a_rule_file_error(welder_dict: Dict[str, Any]) -> None:
    deep = "(" * 20 + "authentic" + ")" * 20
    masterpro.RuleSet(with_usable(welder_dict, deep))
    with pytest.raises(masterpro.RuleFileError, match="nested deeper than 10 levels"):
        masterpro.RuleSet(with_usable(welder_dict, deep), limits=masterpro.Limits(max_expression_depth=10))


def test_jsonlogic_bounds() -> None:
    rule = {"some": [{"var": "xs"}, {"some": [{"var": "ys"}, {"==": [{"var": ""}, -1]}]}]}
    bounded = masterpro.JsonLogicRule(rule, limits=masterpro.Limits(max_evaluation_steps=1000, max_items=100))
    assert bounded.limits.max_evaluation_steps == 1000
    assert bounded.apply({"xs": [{"ys": [1, 2, -1]}]}) is True
    with pytest.raises(masterpro.DataError, match="evaluation stopped after 1000 steps"):
        bounded.apply({"xs": [{"ys": [1] * 50}] * 50})
    with pytest.raises(masterpro.DataError, match="longer than the limit of 100"):
        bounded.apply({"xs": list(range(101))})
    assert pickle.loads(pickle.dumps(bounded)).limits.max_items == 100
