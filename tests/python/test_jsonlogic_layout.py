"""Data laid out for a rule (only the fields it reads, members in slots, strings interned) and
shared passes over lists give exactly the results of reading the data entire: random rules over a
small vocabulary of fields, random data with missing fields, nulls, wrong types and repeated
keys, each applied as written and as a variant whose computed `var` path turns layout and shared
passes off."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import masterpro

PROPERTY = settings(max_examples=int(os.environ.get("MASTERPRO_HYPOTHESIS_EXAMPLES", "300")), deadline=None,
                    database=None, derandomize=bool(os.environ.get("CI")),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FIELDS = ["a", "b", "kind", "score", "ok", "items", "0", "n.x"]
CONSTANTS = st.sampled_from(["C1", "C2", "x", "", "1", 0, 1, 3, 2.5, -1, True, False, None])

scalars = st.none() | st.booleans() | st.integers(-3, 5) | st.sampled_from(["C1", "C2", "x", "", "1", "3"])


def data_values(depth: int = 2) -> st.SearchStrategy[Any]:
    if depth == 0:
        return scalars
    inner = data_values(depth - 1)
    return (scalars
            | st.lists(inner, max_size=4)
            | st.dictionaries(st.sampled_from(FIELDS[:-1] + ["zz"]), inner, max_size=5))


def var(path: str, default: Any = None, with_default: bool = False) -> Any:
    return {"var": [path, default]} if with_default else {"var": path}


paths = st.sampled_from(["a", "b", "kind", "score", "ok", "items", "a.kind", "items.0", "a.score", "", "0"])


def rules(depth: int = 3) -> st.SearchStrategy[Any]:
    leaf = (st.builds(var, paths)
            | st.builds(var, paths, CONSTANTS, st.just(True))
            | CONSTANTS)
    if depth == 0:
        return leaf
    sub = rules(depth - 1)
    body = rules(depth - 2) if depth >= 2 else leaf
    comparison = st.builds(lambda op, x, y: {op: [x, y]},
                           st.sampled_from(["==", "!=", "===", "!==", "<", "<=", ">", ">="]), sub, sub)
    logic = st.builds(lambda op, xs: {op: xs}, st.sampled_from(["and", "or"]), st.lists(sub, min_size=1, max_size=3))
    lists = st.builds(lambda op, p, b: {op: [var(p), b]},
                      st.sampled_from(["some", "all", "none", "filter", "map"]),
                      st.sampled_from(["items", "a", "a.items", ""]), body)
    count = st.builds(lambda p, b: {"reduce": [{"filter": [var(p), b]}, {"+": [{"var": "accumulator"}, 1]}, 0]},
                      st.sampled_from(["items", "a"]), body)
    reduce = st.builds(lambda p, b: {"reduce": [var(p), {"+": [{"var": "accumulator"}, b]}, 0]},
                       st.sampled_from(["items", "a"]), st.builds(var, st.sampled_from(["current", "current.score", "current.0", "accumulator",
                                                         "zz", "items", "current.kind"])))
    other = st.builds(lambda xs: {"missing": xs}, st.lists(st.sampled_from(["a", "b", "a.kind", "zz"]), max_size=3)) \
        | st.builds(lambda x: {"!": [x]}, sub) | st.builds(lambda x: {"!!": [x]}, sub) \
        | st.builds(lambda x, y: {"in": [x, y]}, sub, sub) \
        | st.builds(lambda c, x, y: {"if": [c, x, y]}, sub, sub, sub) \
        | st.builds(lambda x, y: {"cat": [x, y]}, sub, sub)
    return leaf | comparison | logic | lists | count | reduce | other


def entire(rule: Any) -> Any:
    """The same rule, but with a `var` whose path is computed: no layout, no shared passes."""
    return {"if": [{"var": {"cat": [""]}}, rule, rule]}


def outcome(rule: Any, data_text: str) -> Any:
    """The rule applied to JSON text: its result, or the data error."""
    return outcome_of(lambda r: r.apply_json(data_text), rule)


def outcome_of(apply: Any, rule: Any) -> Any:
    try:
        return ("ok", apply(masterpro.JsonLogicRule(rule)))
    except masterpro.DataError as e:
        return ("error", str(e))


@PROPERTY
@given(rules(), data_values())
def test_laid_out_data_gives_the_results_of_entire_data(rule: Any, data: Any) -> None:
    text = json.dumps(data)
    assert outcome(rule, text) == outcome(entire(rule), text)


@PROPERTY
@given(rules(), st.lists(st.tuples(st.sampled_from(FIELDS[:-1]), scalars), max_size=6))
def test_repeated_keys_read_the_last_one_as_entire_data_does(rule: Any, pairs: list) -> None:
    text = "{" + ",".join(f"{json.dumps(k)}:{json.dumps(v)}" for k, v in pairs) + "}"
    assert outcome(rule, text) == outcome(entire(rule), text)


def test_explicit_cases() -> None:
    cases = [
        # absent and null differ for a default
        ({"var": ["a.kind", "dflt"]}, {"a": {"kind": None}}),
        ({"var": ["a.kind", "dflt"]}, {"a": {}}),
        ({"some": [{"var": "items"}, {"==": [{"var": "kind"}, "C1"]}]}, {"items": [{"kind": "C1"}, {"kind": 5}]}),
        # loose equality across types under a keyed pass
        ({"some": [{"var": "items"}, {"and": [{"==": [{"var": "kind"}, "1"]}, {"var": "ok"}]}]},
         {"items": [{"kind": 1, "ok": True}]}),
        ({"some": [{"var": "items"}, {"==": [{"var": "kind"}, "C1"]}]}, {"items": [{"kind": ["C1"]}]}),
        # all over an empty list, none, counting
        ({"all": [{"var": "items"}, {"==": [{"var": "kind"}, "C1"]}]}, {"items": []}),
        ({"none": [{"var": "items"}, {"==": [{"var": "kind"}, "C2"]}]}, {"items": [{"kind": "C1"}]}),
        ({"reduce": [{"filter": [{"var": "items"}, {"===": [{"var": "kind"}, "C1"]}]},
                     {"+": [{"var": "accumulator"}, 1]}, 0]}, {"items": [{"kind": "C1"}, {"kind": "C1"}, {}]}),
        # a list used whole keeps every field
        ({"filter": [{"var": "items"}, {"var": "ok"}]}, {"items": [{"ok": True, "other": [1, {"x": 2}]}]}),
        ({"missing": ["a.kind", "b"]}, {"a": {"kind": ""}, "b": 0}),
        ({"var": "items.1.kind"}, {"items": [{}, {"kind": "x"}]}),
        ({"var": "0"}, ["first"]),
        ({"cat": [{"var": "a.kind"}, "!"]}, {"a": {"kind": "esc\"aped\u00e9"}}),
    ]
    for rule, data in cases:
        text = json.dumps(data)
        assert outcome(rule, text) == outcome(entire(rule), text), (rule, data)


def outcome_of_python_data(rule: Any, data: Any) -> Any:
    """The rule applied to Python data read directly: its result, or the data error."""
    return outcome_of(lambda r: r.apply(data), rule)


@PROPERTY
@given(rules(), data_values())
def test_python_data_read_directly_gives_the_results_of_its_json_text(rule: Any, data: Any) -> None:
    got = outcome_of_python_data(rule, data)
    want = outcome(rule, json.dumps(data))
    assert got == want
    if got[0] == "ok":  # the same Python types as json.loads gives (1 and 1.0, True and 1 differ)
        assert json.dumps(got[1]) == json.dumps(want[1])


def test_python_data_of_other_shapes() -> None:
    rule = {"some": [{"var": "items"}, {"==": [{"var": "kind"}, "C1"]}]}
    # tuples are lists; int keys are written as strings by JSON
    assert masterpro.JsonLogicRule(rule).apply({"items": ({"kind": "C1"},)}) is True
    assert masterpro.JsonLogicRule({"var": "1"}).apply({1: "one"}) == "one"
    assert masterpro.JsonLogicRule({"var": "n"}).apply({"n": 2**70}) == 2**70 * 1.0
    big = masterpro.JsonLogicRule({"var": ""}).apply({"b": [1, 2.5, None, "é"], "a": {"x": True}})
    assert big == {"b": [1, 2.5, None, "é"], "a": {"x": True}}


def test_python_dicts_alike_and_unlike_in_one_list() -> None:
    """Keys are known by their objects from one dict to the next only while they are the same
    objects at the same places: reordered, renamed, missing, extra and non-str keys still count."""
    rule = {"reduce": [{"filter": [{"var": "items"}, {"and": [{"==": [{"var": "kind"}, "C1"]}, {"var": "ok"}]}]},
                       {"+": [{"var": "accumulator"}, {"var": "current.score"}]}, 0]}
    kind, ok, score = "".join(["ki", "nd"]), "".join(["o", "k"]), "".join(["sc", "ore"])  # not interned
    items = [
        {kind: "C1", ok: True, score: 1, "x": 0},
        {kind: "C1", ok: True, score: 2, "x": 0},
        {ok: True, kind: "C1", score: 4, "x": 0},
        {kind: "C1", "y": True, score: 8, "x": 0},
        {kind: "C2", ok: True, score: 16},
        {"kind": "C1", "ok": True, "score": 32, "x": 0, "z": 1},
        {kind: "C1", ok: True, score: 64, "x": 0},
    ]
    data = {"items": items}
    assert outcome_of_python_data(rule, data) == outcome(rule, json.dumps(data)) == ("ok", 1 + 2 + 4 + 32 + 64)
    for bad_key in (1, None, 2.5):
        with_other = {"items": items + [{kind: "C1", ok: True, score: 128, bad_key: 0}]}
        assert outcome_of_python_data(rule, with_other) == outcome(rule, json.dumps(with_other))
    with pytest.raises(ValueError):
        masterpro.JsonLogicRule(rule).apply({"items": items + [{kind: "C1", ok: True, score: 1, (1, 2): 0}]})


def test_python_lists_of_dicts_mixed_with_other_values_at_every_place() -> None:
    """The dicts of a list are read a few ahead of the one converted: a value that is not a
    dict, a dict with a key JSON writes differently, or a dict too large to walk, at any place
    of lists of any length, gives the results (or the error) of the data's JSON text."""
    rule = {"and": [
        {"some": [{"var": "items"}, {"and": [{"==": [{"var": "kind"}, "C1"]}, {"var": "ok"}]}]},
        {"reduce": [{"filter": [{"var": "items"}, {"==": [{"var": "kind"}, "C1"]}]},
                    {"+": [{"var": "accumulator"}, {"var": "current.score"}]}, 0]},
        {"var": "more"},
    ]}
    plain = {"kind": "C1", "ok": True, "score": 1}
    others = [5, None, [plain], {"kind": "C1", "ok": True, "score": 2, 1: "x"},
              {"kind": "C1", "ok": True, "score": 4, **{f"k{i}": i for i in range(12)}},
              {"kind": "C2", "ok": True, "score": 8}, {}]
    for length in range(7):
        for at in range(length):
            for other in others:
                items = [dict(plain, score=2 ** (10 + i)) for i in range(length)]
                items[at] = other
                data = {"items": items, "more": {"x": [1]}}
                assert outcome_of_python_data(rule, data) == outcome(rule, json.dumps(data)), (length, at, other)
    bad = {"items": [plain, plain, plain, {"kind": "C1", (1, 2): 0}, plain], "more": 1}
    with pytest.raises(ValueError):
        masterpro.JsonLogicRule(rule).apply(bad)


def test_python_dicts_of_every_kind_of_table() -> None:
    """Dicts are read from their tables in place when CPython lays them out as json.loads makes
    them: dicts with removed members, an object's __dict__ (a split table) and dicts whose keys
    are str subclasses are read as well, with the results of their JSON text."""
    rule = {"reduce": [{"filter": [{"var": "items"}, {"and": [{"==": [{"var": "kind"}, "C1"]}, {"var": "ok"}]}]},
                       {"+": [{"var": "accumulator"}, {"var": "current.score"}]}, 0]}

    class Item:
        def __init__(self, kind: str, ok: bool, score: int) -> None:
            self.kind, self.ok, self.score = kind, ok, score

    class Key(str):
        pass

    removed_first = {"gone": 0, "kind": "C1", "ok": True, "score": 1}
    del removed_first["gone"]
    removed_between = {"kind": "C1", "gone": 0, "ok": True, "x": 1, "score": 2}
    del removed_between["gone"]
    del removed_between["x"]
    removed_read = {"kind": "C1", "ok": True, "score": 4}
    del removed_read["ok"]
    items = [removed_first, removed_between, removed_read, vars(Item("C1", True, 8)),
             {Key("kind"): "C1", Key("ok"): True, Key("score"): 16}, {"kind": "C1", "ok": True, "score": 32}]
    data = {"items": items}
    assert outcome_of_python_data(rule, data) == outcome(rule, json.dumps(data)) == ("ok", 1 + 2 + 8 + 16 + 32)
    for at in range(len(items)):  # each kind first, where the keys are learnt
        reordered = {"items": items[at:] + items[:at]}
        assert outcome_of_python_data(rule, reordered) == ("ok", 59)
