"""`python -m masterpro` and the `masterpro` command installed with the package run the compiled
CLI: same arguments, standard input and output, exit status; its decisions are the bindings'."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import List

import pytest

import masterpro
from conftest import EXAMPLES, ROOT, WELDER


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "masterpro", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_check_passes_and_fails_with_the_cli_exit_codes(tmp_path: Path) -> None:
    clean = run("check", str(WELDER))
    assert (clean.returncode, clean.stdout) == (0, "")
    assert "1 file checked, 0 problems" in clean.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "masterpro.qualification/1"}')
    result = run("check", str(broken))
    assert result.returncode == 1
    with pytest.raises(masterpro.RuleFileError) as caught:
        masterpro.RuleSet(broken)
    assert result.stdout.splitlines() == str(caught.value).splitlines()


def test_evaluate_writes_what_the_bindings_decide(welder: masterpro.RuleSet, demo_lines: List[str]) -> None:
    source = EXAMPLES / "master-welder" / "candidates.jsonl"
    result = run("evaluate", str(WELDER), str(source))
    assert result.returncode == 1  # MW-DEMO-6 breaks the contract
    assert result.stdout.splitlines() == [r.to_json() for r in welder.evaluate_many(source)]
    assert "6 records: 3 awarded, 1 not_awarded, 1 partial, 1 error" in result.stderr


def test_standard_input_and_options_pass_through(welder: masterpro.RuleSet, demo_lines: List[str]) -> None:
    stdin = "\n".join(demo_lines[:2]) + "\n" + json.dumps({"id": "U"}) + "\n"
    result = run("evaluate", str(WELDER), "-", "--as-of", "2026-01-15", "--no-reasons", stdin=stdin)
    assert result.returncode == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["id"] for d in lines] == ["MW-DEMO-1", "MW-DEMO-2", "U"]
    assert lines[2]["as_of"] == "2026-01-15" and "reasons" not in lines[0]
    assert lines[0] == welder.evaluate(demo_lines[0]).to_dict(reasons=False)


def test_usage_errors_exit_2() -> None:
    assert run().returncode == 2
    result = run("frobnicate")
    assert result.returncode == 2 and "unknown command" in result.stderr
    assert run("--help").returncode == 0


def test_main_returns_the_status_when_given_arguments() -> None:
    from masterpro.__main__ import cli_path, main

    assert cli_path().is_file()
    assert main(["--version"]) == 0
    assert main(["evaluate"]) == 2


def test_the_masterpro_command_is_installed_beside_python() -> None:
    command = Path(sysconfig.get_path("scripts")) / "masterpro"
    if not command.exists():
        found = shutil.which("masterpro")
        assert found, "pip install puts a masterpro command on PATH"
        command = Path(found)
    result = subprocess.run([str(command), "--version"], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, f"masterpro {masterpro.__version__}\n")


def test_cli_and_bindings_agree_byte_for_byte_on_odd_input(welder: masterpro.RuleSet, demo_lines: List[str],
                                                           tmp_path: Path) -> None:
    from welder_cohort import cohort

    lines = [line.encode() for line in demo_lines]
    lines += [json.dumps(r).encode() for r in cohort(40, seed=5)]
    lines += [b"{", b"[]", b"42", b'{"id": 7}', b'{"id":"X\xff"}', b"\xef\xbb\xbf{}", b'{"id":"E","as_of":"2026-02-30"}',
              b'{"id":"D","as_of":"2026-06-30","x":' + b"[" * 50_000 + b"]" * 50_000 + b"}", b"[" * 50_000,
              b'{"id":"N\\u0000","as_of":"2026-06-30"}', b'{"id":"' + b"z" * 5000 + b'"}']
    path = tmp_path / "odd.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = subprocess.run([sys.executable, "-m", "masterpro", "evaluate", str(WELDER), str(path)],
                            capture_output=True, timeout=120)
    assert result.returncode == 1
    cli = result.stdout.decode().splitlines()
    assert cli == [r.to_json() for r in welder.evaluate_many(path, threads=2)]
    assert cli == [r.to_json() for r in welder.evaluate_many(path.read_bytes())]
