"""Every example candidate gets exactly the decision its expected.jsonl gives (the same cases and
expectations as tests/cpp/expected_decisions_test.cpp): the Master Welder scenario of
../shared/spec, read in place, and the examples bundled in rules/examples."""

from __future__ import annotations

from pathlib import Path

import pytest

import masterpro
from conftest import EXAMPLES, ITSM, SHARED, read_records

KEYS = ("outcome", "level", "partial", "levels", "competences")


def check_examples(rules: masterpro.RuleSet, candidates: Path, expected: Path) -> int:
    """Compares each record's decision or error with the expectation on the same line, one
    record at a time and as one batch; returns how many records were compared."""
    inputs = read_records(candidates)
    wanted = read_records(expected)
    assert len(inputs) == len(wanted)
    batch = rules.evaluate_many(candidates)
    assert len(batch) == len(inputs)
    for record, want, in_batch in zip(inputs, wanted, batch):
        if want.get("error"):
            with pytest.raises(masterpro.CandidateDataError) as caught:
                rules.evaluate(record)
            assert caught.value.category == "candidate_data", want["id"]
            assert caught.value.path == want["where"], want["id"]
            assert caught.value.id == want["id"]
            assert not in_batch.ok
            assert (in_batch.id, in_batch.category, in_batch.path) == (want["id"], "candidate_data", want["where"])
            continue
        got = rules.evaluate(record)
        assert got.id == want["id"]
        have = got.to_dict(reasons=False)
        for key in KEYS:
            assert have[key] == want[key], f"{want['id']}: {key}"
        assert (got.outcome, got.level, got.partial, got.levels, got.competences) == tuple(want[k] for k in KEYS)
        assert in_batch.to_json() == got.to_json()
    return len(inputs)


def test_master_welder_scenario_of_shared_spec(welder: masterpro.RuleSet) -> None:
    folder = SHARED / "spec" / "master-welder"
    if not (folder / "expected.jsonl").exists():
        pytest.skip(f"{folder} is absent (a fresh clone without ../shared)")
    assert check_examples(welder, folder / "candidates.jsonl", folder / "expected.jsonl") == 80


def test_bundled_master_welder_examples(welder: masterpro.RuleSet) -> None:
    folder = EXAMPLES / "master-welder"
    assert check_examples(welder, folder / "candidates.jsonl", folder / "expected.jsonl") >= 6


def test_bundled_itsm_examples_a_second_qualification_of_another_shape() -> None:
    rules = masterpro.RuleSet(ITSM)
    assert len(rules.levels) == 3
    folder = EXAMPLES / "itsm"
    assert check_examples(rules, folder / "candidates.jsonl", folder / "expected.jsonl") >= 8


def test_record_as_of_wins_over_the_callers_and_without_either_the_record_is_an_error(
        welder: masterpro.RuleSet) -> None:
    import datetime

    assert welder.evaluate({"id": "X", "as_of": "2026-06-30"}, as_of="2020-01-01").as_of == datetime.date(2026, 6, 30)
    assert welder.evaluate({"id": "Y"}, as_of=datetime.date(2025, 3, 1)).as_of == datetime.date(2025, 3, 1)
    with pytest.raises(masterpro.CandidateDataError) as caught:
        welder.evaluate({"id": "Z"})
    assert (caught.value.path, caught.value.pointer, caught.value.id) == ("as_of", "/as_of", "Z")
