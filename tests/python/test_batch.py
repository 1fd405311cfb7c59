"""evaluate_many: the same results, byte for byte, whatever the input form and the thread count;
one result per input, in order; argument errors raise, record errors do not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

import masterpro
from welder_cohort import cohort

N = 600  # enough records for every thread to take several blocks of 32


@pytest.fixture(scope="module")
def records() -> List[Dict[str, Any]]:
    return list(cohort(N, seed=11))


@pytest.fixture(scope="module")
def jsonl(tmp_path_factory: pytest.TempPathFactory, records: List[Dict[str, Any]]) -> Path:
    path = tmp_path_factory.mktemp("batch") / "cohort.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(welder: masterpro.RuleSet, records: List[Dict[str, Any]]) -> List[str]:
    """One record at a time, on this thread."""
    out = []
    for r in records:
        try:
            out.append(welder.evaluate(r).to_json())
        except masterpro.CandidateDataError:
            out.append("error")
    return out


def as_text(results: List[Any]) -> List[str]:
    return [r.to_json() if r.ok else "error" for r in results]


FORMS: Dict[str, Callable[[List[Dict[str, Any]], Path], Any]] = {
    "dicts": lambda records, path: records,
    "dict generator": lambda records, path: (r for r in records),
    "str list": lambda records, path: [json.dumps(r) for r in records],
    "bytes tuple": lambda records, path: tuple(json.dumps(r).encode() for r in records),
    "path str": lambda records, path: str(path),
    "PathLike": lambda records, path: path,
    "bytes of lines": lambda records, path: path.read_bytes(),
    "bytearray of lines": lambda records, path: bytearray(path.read_bytes()),
}


@pytest.mark.parametrize("form", FORMS)
def test_every_input_form_gives_the_reference_results(welder: masterpro.RuleSet, records: List[Dict[str, Any]],
                                                      jsonl: Path, reference: List[str], form: str) -> None:
    results = welder.evaluate_many(FORMS[form](records, jsonl), threads=2)
    assert len(results) == N
    assert as_text(results) == reference
    assert [r.line for r in results if not r.ok] == [i + 1 for i, t in enumerate(reference) if t == "error"]


@pytest.mark.parametrize("threads", [1, 2, 3, 8, 0])
def test_every_thread_count_gives_identical_results(welder: masterpro.RuleSet, jsonl: Path,
                                                    reference: List[str], threads: int) -> None:
    assert as_text(welder.evaluate_many(jsonl, threads=threads)) == reference
    light = welder.evaluate_many(jsonl, threads=threads, reasons=False)
    assert [r.to_json() if r.ok else "error" for r in light] == [
        t if t == "error" else json.dumps({k: v for k, v in json.loads(t).items()
                                           if k not in ("reasons", "gaps", "titles")}, separators=(",", ":"))
        for t in reference]


def test_the_cohort_exercises_every_outcome_and_error(reference: List[str]) -> None:
    outcomes = {json.loads(t)["outcome"] if t != "error" else t for t in reference}
    assert outcomes == {"awarded", "partial", "not_awarded", "error"}


def test_blank_lines_are_skipped_but_lines_keep_their_numbers(welder: masterpro.RuleSet,
                                                             demo_lines: List[str]) -> None:
    text = "\n" + demo_lines[0] + "\r\n  \n" + demo_lines[5] + "\n\n"
    results = welder.evaluate_many(text.encode())
    assert [r.ok for r in results] == [True, False]
    assert results[1].line == 4 and results[1].id == "MW-DEMO-6"
    assert welder.evaluate_many(b"") == [] and welder.evaluate_many([]) == []


def test_as_of_applies_to_records_without_one(welder: masterpro.RuleSet) -> None:
    results = welder.evaluate_many([{"id": "A"}, {"id": "B", "as_of": "2024-01-01"}], as_of="2025-05-05")
    assert [str(r.as_of) for r in results] == ["2025-05-05", "2024-01-01"]
    (missing,) = welder.evaluate_many([{"id": "C"}])
    assert (missing.ok, missing.id, missing.path) == (False, "C", "as_of")


def test_argument_errors_raise(welder: masterpro.RuleSet, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        welder.evaluate_many(tmp_path / "missing.jsonl")
    with pytest.raises(TypeError):
        welder.evaluate_many({"id": "one record"})
    with pytest.raises(TypeError):
        welder.evaluate_many(42)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        welder.evaluate_many([], threads=-1)
    with pytest.raises(ValueError):
        welder.evaluate_many([], as_of="yesterday")


def test_other_python_threads_run_while_a_batch_is_decided(welder: masterpro.RuleSet, jsonl: Path) -> None:
    import threading
    import time

    stamps: List[float] = []
    done = threading.Event()

    def tick() -> None:
        while not done.is_set():
            stamps.append(time.perf_counter())

    thread = threading.Thread(target=tick)
    thread.start()
    try:
        while not stamps:
            pass
        start = time.perf_counter()
        welder.evaluate_many(jsonl, reasons=False)
        end = time.perf_counter()
    finally:
        done.set()
        thread.join()
    # Had the call held the GIL, the other thread could have run only at its very start or end.
    quarter = (end - start) / 4
    assert any(start + quarter < s < end - quarter for s in stamps)


def test_held_decisions_render_as_the_cli_writes_them(welder: masterpro.RuleSet, jsonl: Path) -> None:
    """A batch's decisions are kept compact; what they render is what the CLI writes from the full trace."""
    import subprocess
    import sys

    from conftest import ROOT, WELDER

    result = subprocess.run([sys.executable, "-m", "masterpro", "evaluate", str(WELDER), str(jsonl), "--explain"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    held = welder.evaluate_many(jsonl, threads=2)
    assert result.stdout.splitlines() == [r.to_json(explanation=True) if r.ok else r.to_json() for r in held]


def _live_heap_bytes() -> int:
    import ctypes
    import ctypes.util

    class MallInfo2(ctypes.Structure):
        _fields_ = [(name, ctypes.c_size_t) for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallinfo2.restype = MallInfo2
    except (OSError, AttributeError):
        pytest.skip("needs glibc's mallinfo2 to count the heap")
    info = libc.mallinfo2()
    return int(info.uordblks + info.hblkhd)


def test_a_held_decision_is_small(welder: masterpro.RuleSet, jsonl: Path) -> None:
    """A decision holds its statuses and the results its reasons show (rendered when asked), a few
    KB; without reasons, its statuses alone."""
    import gc

    for reasons, bound in ((True, 16 * 1024), (False, 2 * 1024)):
        gc.collect()
        before = _live_heap_bytes()
        results = welder.evaluate_many(jsonl, reasons=reasons)
        gc.collect()
        held = (_live_heap_bytes() - before) / len(results)
        assert held < bound, (reasons, held)
        del results


# ---- evaluate_iter, and batches read a block at a time --------------------------------------

@pytest.mark.parametrize("form", FORMS)
def test_evaluate_iter_gives_evaluate_many_results_one_at_a_time(welder: masterpro.RuleSet,
                                                                 records: List[Dict[str, Any]], jsonl: Path,
                                                                 reference: List[str], form: str) -> None:
    stream = welder.evaluate_iter(FORMS[form](records, jsonl), threads=2)
    assert iter(stream) is stream
    results = list(stream)
    assert as_text(results) == reference
    assert [r.line for r in results if not r.ok] == [i + 1 for i, t in enumerate(reference) if t == "error"]
    with pytest.raises(StopIteration):
        next(stream)


def test_evaluate_iter_raises_argument_errors_when_called(welder: masterpro.RuleSet, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        welder.evaluate_iter(tmp_path / "missing.jsonl")
    with pytest.raises(TypeError):
        welder.evaluate_iter({"id": "one record"})
    with pytest.raises(ValueError):
        welder.evaluate_iter([], threads=-1)
    assert list(welder.evaluate_iter(b"")) == []


def test_lines_across_block_boundaries_keep_their_numbers(welder: masterpro.RuleSet, demo_lines: List[str],
                                                          tmp_path: Path) -> None:
    """More records than a block holds (2,048), blank and CRLF lines, a line of more than the
    4 MB read at once, and a last line without a newline: every record is decided once, in
    order, with its line number."""
    good, bad = demo_lines[0], demo_lines[5]  # MW-DEMO-6 breaks the contract
    record = json.loads(good)
    record["notes"] = "x" * (5 << 20)  # not read by the rules, but read past
    huge = json.dumps(record)
    lines: List[str] = []
    expected: List[Any] = []  # per record: its line number if an error, else its id
    for i in range(2048 * 2 + 300):
        if i % 500 == 7:
            lines.append("   ")
        if i == 1500:
            lines.append(huge)
            expected.append("MW-DEMO-1")
        if i % 97 == 0:
            lines.append(bad)
            expected.append(len(lines))
        else:
            lines.append(good)
            expected.append("MW-DEMO-1")
    path = tmp_path / "blocks.jsonl"
    path.write_bytes(("\r\n".join(lines[:2500]) + "\n" + "\n".join(lines[2500:])).encode())
    assert not path.read_bytes().endswith(b"\n")

    def summary(results: List[Any]) -> List[Any]:
        return [r.id if r.ok else r.line for r in results]

    for source in (path, path.read_bytes()):
        assert summary(welder.evaluate_many(source, threads=2, reasons=False)) == expected
        assert summary(list(welder.evaluate_iter(source, reasons=False))) == expected


def test_evaluate_iter_holds_one_block_not_the_whole_input(welder: masterpro.RuleSet, records: List[Dict[str, Any]],
                                                           tmp_path: Path) -> None:
    """Going through 12,000 decisions with reasons (several KB each) holds about one block's
    worth at a time; evaluate_many, which returns them all, holds every one."""
    import gc

    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as out:
        for _ in range(20):
            out.write("".join(json.dumps(r) + "\n" for r in records))
    gc.collect()
    before = _live_heap_bytes()
    most = 0
    count = 0
    for i, result in enumerate(welder.evaluate_iter(path)):
        count += 1
        if i % 250 == 0:
            most = max(most, _live_heap_bytes() - before)
    assert count == 20 * N
    held = welder.evaluate_many(path)
    gc.collect()
    all_held = _live_heap_bytes() - before
    del held
    assert all_held > 3 * most, (most, all_held)


def test_an_iterable_that_raises_stops_the_batch_after_the_records_before(welder: masterpro.RuleSet,
                                                                          records: List[Dict[str, Any]]) -> None:
    def source(count: int):
        for i in range(count):
            yield records[i % len(records)]
        raise RuntimeError("the source broke")

    # 2,400 records: a whole block of 2,048, then 352 before the failure.
    stream = welder.evaluate_iter(source(2400), reasons=False)
    taken = []
    with pytest.raises(RuntimeError, match="the source broke"):
        for result in stream:
            taken.append(result)
    whole = welder.evaluate_many([records[i % len(records)] for i in range(2400)], reasons=False)
    assert [r.to_json() if r.ok else r.line for r in taken] == [r.to_json() if r.ok else r.line for r in whole]
    with pytest.raises(StopIteration):
        next(stream)
    with pytest.raises(RuntimeError, match="the source broke"):
        next(iter(welder.evaluate_iter(source(0))))
    with pytest.raises(RuntimeError, match="the source broke"):
        welder.evaluate_many(source(100))


def test_a_short_bytearray_goes_through_evaluate_iter(welder: masterpro.RuleSet) -> None:
    """A bytearray is copied; a copy short enough to sit inside its string moves with the stream."""
    for text in (b'{"id":"A"}\n', b'{"id":"A"}\n\n{"id":"BB"}'):
        expected = [(r.ok, r.id, r.line if not r.ok else None) for r in welder.evaluate_many(bytearray(text))]
        assert [(r.ok, r.id, r.line if not r.ok else None) for r in welder.evaluate_iter(bytearray(text))] == expected
        assert len(expected) == text.count(b"{")
