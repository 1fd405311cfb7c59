"""Nothing lost under heavy, hostile load: `masterpro evaluate` on a 100,000-record batch (the
bundled Master Welder candidates under varied ids) with about 1% corrupted lines (truncated JSON,
wrong types, binary garbage with NUL and invalid UTF-8, 10 MB lines, blank lines) writes exactly
one valid JSON line per input line, in order, with the input's line number on every error and
the input's id on every decision; the summary counts match; two runs are byte-identical."""

import copy
import hashlib
import json
import os
import random
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WELDER = "rules/qualifications/LT-AMK-WELD-001.json"
EXAMPLES = REPO / "rules" / "examples" / "master-welder"
CLI = Path(os.environ.get("MASTERPRO_CLI", REPO / "build" / "masterpro"))

RECORDS = 100_000
CORRUPT_EVERY = 100  # about 1% of the lines are corrupted
TEN_MB = 10 * 1024 * 1024
ID_PLACEHOLDER = "@@ID@@"


class Line:
    """One input line and what its output line must say."""

    def __init__(self, data: bytes, outcome=None, error=False, id=None):
        self.data = data
        self.outcome = outcome  # for a decision: awarded, partial or not_awarded
        self.error = error
        self.id = id  # the id the output must carry (None: JSON null, for unreadable lines)


def templates():
    """(text with ID_PLACEHOLDER as its id, expected outcome or None for a refused record, id)."""
    records = [json.loads(line) for line in (EXAMPLES / "candidates.jsonl").read_text().splitlines() if line.strip()]
    expected = [json.loads(line) for line in (EXAMPLES / "expected.jsonl").read_text().splitlines() if line.strip()]
    assert [r["id"] for r in records] == [e["id"] for e in expected]
    out = []
    for record, want in zip(records, expected):
        record = dict(record, id=ID_PLACEHOLDER)
        out.append((record, json.dumps(record, separators=(",", ":")), None if want.get("error") else want["outcome"]))
    return out


def corrupted(rng: random.Random, record: dict, text: str, outcome, record_id: str, n: int) -> Line:
    """The n-th corrupted line, cycling through every kind of damage."""
    valid = text.replace(ID_PLACEHOLDER, record_id)
    kind = n % 12
    if kind == 0:  # truncated JSON: any proper prefix of an object is unbalanced
        return Line(valid[: rng.randrange(1, len(valid) - 1)].encode(), error=True)
    if kind == 1:  # wrong type of a field the contract reads
        field, value = rng.choice([("experience", "many"), ("evidence", {}), ("assessors", 7), ("as_of", 20260630),
                                   ("employer", ["ORG"]), ("assessments", [1, 2])])
        return Line(json.dumps(dict(record, id=record_id, **{field: value})).encode(), error=True, id=record_id)
    if kind == 2:  # wrong type of the id itself
        return Line(json.dumps(dict(record, id=12345)).encode(), error=True)
    if kind == 3:  # binary garbage with NUL and bytes that are never UTF-8
        garbage = bytes(rng.choice([b for b in range(256) if b != 0x0A]) for _ in range(rng.randrange(1, 300)))
        return Line(b"\x00\xff" + garbage, error=True)
    if kind == 4:  # invalid UTF-8 (an overlong '/') inside an otherwise well-formed record
        id_field = f'"id":"{record_id}'.encode()
        return Line(valid.encode().replace(id_field, id_field + b"\xc0\xaf", 1), error=True)
    if kind == 5:  # a complete record, then NUL and more bytes
        return Line(valid.encode() + b"\x00" + b"trailing", error=True)
    if kind == 6:  # blank and whitespace-only lines
        return Line(rng.choice([b"", b"   ", b"\t"]), error=True)
    if kind == 7:  # nesting far past the limit, in a key the contract does not read
        deep = "[" * 100_000 + "]" * 100_000
        return Line(valid[:-1].encode() + b',"notes":' + deep.encode() + b"}", error=True, id=record_id)
    if kind == 8:  # a contract error deep inside: a score off the rubric, or an fte above 1
        broken = copy.deepcopy(dict(record, id=record_id))
        if broken.get("assessments"):
            scores = broken["assessments"][-1]["scores"]
            scores[next(iter(scores))] = 9
        else:
            broken["experience"] = [{"from": "2020-01-01", "fte": 2, "role": "welding"}]
        return Line(json.dumps(broken).encode(), error=True, id=record_id)
    if kind == 9:  # a JSON value that is not an object
        return Line(rng.choice([b"[]", b"null", b"42", b'"text"', b"{}"]), error=True)
    if kind == 10:  # a CRLF line ending: the CR is stripped, the record is read as usual
        return Line(valid.encode() + b"\r", outcome=outcome, error=outcome is None, id=record_id)
    return Line(b"{" * rng.randrange(1, 50), error=True)  # kind 11: only opening braces


def ten_megabyte_lines(text: str, outcome):
    """Lines of about 10 MB: a valid record padded with spaces, a 10 MB id, garbage, truncation."""
    padded = text.replace(ID_PLACEHOLDER, "BIG-PADDED").replace(",", "," + " " * TEN_MB, 1)
    return [
        Line(padded.encode(), outcome=outcome, id="BIG-PADDED"),
        Line(text.replace(ID_PLACEHOLDER, "X" * TEN_MB).encode(), error=True),
        Line(bytes(range(11, 256)) * (TEN_MB // 245 + 1), error=True),
        Line(text.replace(ID_PLACEHOLDER, "BIG-CUT").encode()[:200] + b"9" * TEN_MB, error=True),
    ]


def build_batch(path: Path):
    rng = random.Random(6)
    bases = templates()
    _, big_text, big_outcome = next(b for b in bases if b[2] is not None)
    big = dict(zip((25_000, 50_000, 75_000, 99_000), ten_megabyte_lines(big_text, big_outcome)))
    lines = []
    corrupt = 0
    for i in range(RECORDS):
        record, text, outcome = bases[i % len(bases)]
        record_id = f"MW-{i:06d}"
        if i % CORRUPT_EVERY == CORRUPT_EVERY // 2:
            line = corrupted(rng, record, text, outcome, record_id, corrupt)
            corrupt += 1
        elif i in big:
            line = big[i]
        else:
            line = Line(text.replace(ID_PLACEHOLDER, record_id).encode(), outcome=outcome, error=outcome is None,
                        id=record_id)
        lines.append(line)
    for line in lines:
        assert b"\n" not in line.data
    with path.open("wb") as out:
        for line in lines:
            out.write(line.data + b"\n")
    return lines


def run_cli(batch: Path, output: Path):
    assert CLI.exists(), f"build the CLI first (scripts/build.sh): {CLI} is missing"
    with batch.open("rb") as stdin, output.open("wb") as stdout:
        result = subprocess.run([str(CLI), "evaluate", WELDER, "-", "--no-reasons"], cwd=REPO, stdin=stdin,
                                stdout=stdout, stderr=subprocess.PIPE, timeout=600)
    return result


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    path = folder / "batch.jsonl"
    lines = build_batch(path)
    first = run_cli(path, folder / "first.jsonl")
    second = run_cli(path, folder / "second.jsonl")
    yield lines, first, folder / "first.jsonl", second, folder / "second.jsonl"


def test_the_batch_is_what_it_claims(batch):
    lines, *_ = batch
    assert len(lines) == RECORDS
    corrupted_lines = sum(1 for i in range(RECORDS) if i % CORRUPT_EVERY == CORRUPT_EVERY // 2)
    assert 0.009 <= corrupted_lines / RECORDS <= 0.011
    assert sum(1 for line in lines if len(line.data) >= TEN_MB) == 4
    assert any(b"\x00" in line.data for line in lines) and any(line.data == b"" for line in lines)


def test_every_input_line_gets_one_valid_json_line_in_order(batch):
    lines, first, output, *_ = batch
    assert first.returncode == 1, first.stderr.decode(errors="replace")  # some records were refused
    raw = output.read_bytes()
    assert raw.endswith(b"\n")
    out = raw.split(b"\n")[:-1]
    assert len(out) == len(lines)
    error_lines = []
    for number, (line, text) in enumerate(zip(lines, out), start=1):
        got = json.loads(text.decode("utf-8"))  # strict UTF-8, one JSON value
        if line.error:
            assert set(got) == {"line", "id", "error"}, (number, got)
            assert got["line"] == number
            assert got["id"] == line.id, (number, got["id"])
            assert got["error"]["category"] in {"json_syntax", "candidate_data", "limit"}
            error_lines.append(got["line"])
        else:
            assert "error" not in got, (number, got)
            assert got["id"] == line.id and got["outcome"] == line.outcome, (number, got["id"])
    assert error_lines == sorted(error_lines)
    assert error_lines == [n for n, line in enumerate(lines, start=1) if line.error]


def test_the_summary_counts_decisions_and_errors(batch):
    lines, first, *_ = batch
    counts = {}
    for line in lines:
        key = "errors" if line.error else line.outcome
        counts[key] = counts.get(key, 0) + 1
    parts = [f"{counts[o]} {o}" for o in ("awarded", "not_awarded", "partial") if counts.get(o)]
    parts.append(f"{counts['errors']} errors")
    assert f"{RECORDS} records: {', '.join(parts)}\n" in first.stderr.decode()


def test_two_runs_are_byte_identical(batch):
    _, first, first_out, second, second_out = batch
    assert second.returncode == first.returncode and second.stderr == first.stderr

    def digest(path: Path) -> str:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    assert digest(first_out) == digest(second_out)
