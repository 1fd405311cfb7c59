#!/usr/bin/env python3
"""evaluate_many on 1 and 2 threads over a large Master Welder batch: identical outputs first,
then the time of each, as a ratio against one thread in the same run (not a test).

    python benchmarks/python_threads.py [--records 20000] [--repeat 3] [--output FILE]

Needs the installed package (`pip install .`). The batch is the seeded cohort of
tests/python/welder_cohort.py; inputs are timed as bytes of JSON lines (no Python work per
record) and as a list of dicts (each serialised with json.dumps while holding the GIL).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any, Callable, List, Tuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "python"))

import masterpro  # noqa: E402
from welder_cohort import cohort  # noqa: E402


def best_of(repeat: int, run: Callable[[], Any]) -> Tuple[float, float]:
    """The fastest run's wall-clock and CPU seconds (CPU time shows how much of the wall time the
    machine's other work took, on a shared machine)."""
    times = []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        times.append((time.perf_counter() - wall, time.process_time() - cpu))
    return min(times)


def outputs(results: List[Any]) -> List[str]:
    return [r.to_json() for r in results]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--output", type=Path, help="also write the table (Markdown) to this file")
    args = parser.parse_args()

    rules = masterpro.RuleSet(ROOT / "rules" / "qualifications" / "LT-AMK-WELD-001.json")
    records = list(cohort(args.records))
    lines = b"".join(json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in records)

    # Correctness before any timing: every thread count and input form gives the same results,
    # with reasons on a sample (they take tens of KB a decision) and statuses for the whole batch.
    sample = records[:2000]
    reference = outputs(rules.evaluate_many(sample, threads=1))
    for threads in (2, 0):
        assert outputs(rules.evaluate_many(sample, threads=threads)) == reference, f"threads={threads} differs"
    whole = outputs(rules.evaluate_many(lines, threads=1, reasons=False))
    assert outputs(rules.evaluate_many(lines, threads=2, reasons=False)) == whole, "2 threads differ"
    assert outputs(rules.evaluate_many(records, threads=2, reasons=False)) == whole, "dict input differs"
    errors = sum(1 for line in whole if line.startswith('{"line":'))
    print(f"checked: {len(whole)} results identical on 1, 2 and {os.cpu_count()} threads "
          f"({errors} records break the contract)", file=sys.stderr)

    rows = []
    for form, data in (("bytes of JSON lines", lines), ("list of dicts", records)):
        floor = None
        for threads in (1, 2):
            seconds, cpu = best_of(args.repeat, lambda: rules.evaluate_many(data, threads=threads, reasons=False))
            floor = floor or seconds
            rows.append((form, threads, seconds, cpu, len(records) / seconds, floor / seconds))

    table = [f"evaluate_many, {len(records)} Master Welder records, reasons=False, best of {args.repeat}; "
             f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
             f"masterpro {masterpro.__version__}", "",
             "| input | threads | seconds | CPU seconds | records/s | speed-up vs 1 thread |",
             "|---|---|---|---|---|---|"]
    table += [f"| {form} | {threads} | {seconds:.3f} | {cpu:.3f} | {rate:,.0f} | {ratio:.2f}x |"
              for form, threads, seconds, cpu, rate, ratio in rows]
    load = os.getloadavg()[0]
    busy = " (more than the cores: other work shared them, so speed-ups read low)" if load > (os.cpu_count() or 1) else ""
    table += ["", f"load average at the end: {load:.1f}{busy}"]
    text = "\n".join(table) + "\n"
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
