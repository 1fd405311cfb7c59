"""The masterpro command line: check and evaluate, exit codes, every input line accounted for."""

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
WELDER = "rules/qualifications/LT-AMK-WELD-001.json"
CLI = Path(os.environ.get("MASTERPRO_CLI", REPO / "build" / "masterpro"))


def run(*args, stdin=None):
    assert CLI.exists(), f"build the CLI first (scripts/build.sh): {CLI} is missing"
    return subprocess.run([str(CLI), *args], cwd=REPO, input=stdin, capture_output=True, text=True, timeout=120)


def test_check_is_clean_on_the_shipped_rules():
    files = sorted(str(p.relative_to(REPO)) for p in (REPO / "rules" / "qualifications").glob("*.json"))
    result = run("check", *files)
    assert result.returncode == 0, result.stdout
    assert result.stdout == ""
    assert f"{len(files)} files checked, 0 problems" in result.stderr


@pytest.mark.parametrize("name", sorted(p.name for p in (REPO / "tests" / "golden" / "rules").glob("*.json")))
def test_check_prints_every_problem_of_a_broken_file(name):
    result = run("check", f"tests/golden/rules/{name}")
    assert result.returncode == 1
    expected = (REPO / "tests" / "golden" / "rules" / name).with_suffix(".expected").read_text()
    assert result.stdout == expected


def test_evaluate_accounts_for_every_input_line():
    lines = [
        json.dumps({"id": "A", "as_of": "2026-06-30", "experience": []}),
        "",
        "{not json",
        json.dumps({"id": "B", "as_of": "2026-06-30", "experience": [{"from": "2020-01-01", "fte": 2, "role": "welding"}]}),
        json.dumps({"id": "C"}),
        "\x00\x01binary",
    ]
    result = run("evaluate", WELDER, "-", stdin="\n".join(lines) + "\n")
    assert result.returncode == 1  # some records were invalid
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(lines)
    assert out[0]["id"] == "A" and out[0]["outcome"] == "not_awarded"
    assert [o.get("line") for o in out[1:]] == [2, 3, 4, 5, 6]
    assert out[3]["id"] == "B" and out[3]["error"]["path"] == "experience[0].fte"
    assert out[4]["id"] == "C" and out[4]["error"]["path"] == "as_of"
    assert out[1]["error"]["category"] == "json_syntax"
    assert "6 records: 1 not_awarded, 5 errors" in result.stderr


def test_limit_options_bound_every_record_and_the_rules():
    evidence = {"id": "E", "type": "cv", "date": "2024-01-01", "covers": ["C1.1"]}
    lines = [json.dumps({"id": f"R{n}", "as_of": "2026-06-30", "evidence": [evidence] * n}) for n in (1, 2, 3)]
    result = run("evaluate", WELDER, "-", "--max-items", "2", "--no-reasons", stdin="\n".join(lines) + "\n")
    assert result.returncode == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["R1", "R2", "R3"]
    assert "outcome" in out[0] and "outcome" in out[1]
    assert out[2]["error"]["category"] == "limit" and out[2]["error"]["path"] == "evidence"
    # The same bound applies to rule files (the Welder nests deeper than 3).
    checked = run("check", WELDER, "--max-json-depth", "3")
    assert checked.returncode == 1 and "deeper than 3 levels" in checked.stdout + checked.stderr
    applied = run("jsonlogic", '{"in": [1, {"var": "xs"}]}', '{"xs": [0, 0, 0, 1]}', "--max-evaluation-steps", "3")
    assert applied.returncode == 1 and "evaluation stopped after 3 steps" in applied.stderr


def test_as_of_option_applies_to_records_without_one():
    record = json.dumps({"id": "D", "experience": []}) + "\n"
    result = run("evaluate", WELDER, "--as-of", "2025-01-31", stdin=record)
    assert result.returncode == 0
    assert json.loads(result.stdout)["as_of"] == "2025-01-31"


def test_evaluate_bundled_examples_with_explanations():
    result = run("evaluate", WELDER, "rules/examples/master-welder/candidates.jsonl", "--explain")
    decisions = [json.loads(line) for line in result.stdout.splitlines()]
    expected = [json.loads(line) for line in (REPO / "rules/examples/master-welder/expected.jsonl").read_text().splitlines()]
    assert len(decisions) == len(expected)
    for got, want in zip(decisions, expected):
        if want.get("error"):
            assert got["error"]["path"] == want["where"]
            continue
        for key in ("outcome", "level", "partial", "levels", "competences"):
            assert got[key] == want[key], (want["id"], key)
        assert got["explanation"].startswith(f"Candidate {want['id']}, Master Welder")
        assert isinstance(got["reasons"], list) and isinstance(got["gaps"], dict)


def test_text_format_is_for_people():
    result = run("evaluate", WELDER, "rules/examples/master-welder/candidates.jsonl", "--format", "text")
    assert "awarded M2" in result.stdout
    assert "What stands between the candidate and M2" in result.stdout
    assert "error: 'to' (" in result.stdout


def test_shared_scenario_through_the_cli():
    if not (SHARED / "spec" / "master-welder" / "candidates.jsonl").exists():
        pytest.skip(f"{SHARED} is absent (a fresh clone without ../shared)")
    result = run("evaluate", WELDER, str(SHARED / "spec" / "master-welder" / "candidates.jsonl"), "--no-reasons")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    expected = [json.loads(line) for line in (SHARED / "spec" / "master-welder" / "expected.jsonl").read_text().splitlines()]
    assert len(out) == len(expected) == 80
    for got, want in zip(out, expected):
        if want.get("error"):
            assert got["error"]["path"] == want["where"] and got["id"] == want["id"]
        else:
            assert {k: got[k] for k in ("id", "outcome", "level", "partial", "levels", "competences")} == {
                k: want[k] for k in ("id", "outcome", "level", "partial", "levels", "competences")
            }
    assert "80 records:" in result.stderr and "3 errors" in result.stderr


@pytest.mark.parametrize(
    "args",
    [[], ["frobnicate"], ["check"], ["evaluate"], ["evaluate", WELDER, "--as-of", "2025-02-30"], ["evaluate", WELDER, "--format", "xml"]],
)
def test_usage_errors_exit_2_without_a_trace(args):
    result = run(*args)
    assert result.returncode == 2
    assert "usage: masterpro" in result.stderr
    assert "terminate" not in result.stderr


@pytest.mark.parametrize("command", ["check", "evaluate"])
def test_help_for_each_command(command):
    result = run(command, "--help")
    assert result.returncode == 0
    assert f"masterpro {command}" in result.stdout


def test_unreadable_inputs_exit_1():
    assert run("check", "no/such/file.json").returncode == 1
    result = run("evaluate", WELDER, "no/such/candidates.jsonl")
    assert result.returncode == 1 and "cannot open" in result.stderr


def test_jsonlogic_command_applies_a_rule_to_data_and_to_json_lines():
    result = run("jsonlogic", '{"if": [{">=": [{"var": "score"}, 3]}, "pass", "fail"]}', '{"score": 4}')
    assert result.returncode == 0 and result.stdout == '"pass"\n'
    lines = '{"score": 1}\n{"score": \n{"score": "3"}\n'
    result = run("jsonlogic", '{"<=": [3, {"var": "score"}]}', "-", stdin=lines)
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert out[0] is False and out[2] is True
    assert out[1]["line"] == 2 and out[1]["error"]["category"] == "json_syntax"
    assert result.returncode == 1 and "3 records, 1 error" in result.stderr
    bad = run("jsonlogic", '{"frobnicate": 1}')
    assert bad.returncode == 1 and "unknown JsonLogic operation 'frobnicate'" in bad.stderr
