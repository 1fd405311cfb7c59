#!/usr/bin/env python3
"""masterpro from Python on the Master Welder population: RuleSet.evaluate_many from a JSON-lines
path with one thread and with two, outputs compared byte for byte. Without reasons
(reasons=False), as the CLI figure it is compared with (`--no-reasons`). Prints one JSON report
line.

With --iter, goes once through the records with RuleSet.evaluate_iter instead (the streaming
run: memory holds one block, not every decision), counting outcomes.

Usage: welder_py.py RULES.json POPULATION.jsonl [RUNS]
       welder_py.py --iter RULES.json POPULATION.jsonl
"""
import inspect
import json
import resource
import sys
import time

ENGINE = "masterpro Python (RuleSet.evaluate_many)"


def report(**fields) -> None:
    print(json.dumps(fields))


def stream(rules_path: str, population: str) -> None:
    engine = "masterpro Python (RuleSet.evaluate_iter)"
    try:
        import masterpro
    except ImportError as e:
        report(engine=engine, status="unavailable", reason=f"{type(e).__name__}: {e}")
        return
    rules = masterpro.RuleSet(rules_path)
    if not hasattr(rules, "evaluate_iter"):
        report(engine=engine, status="unavailable", reason="masterpro.RuleSet.evaluate_iter is missing")
        return
    counts = {}
    start = time.perf_counter()
    for r in rules.evaluate_iter(population, reasons=False):
        key = r.outcome if r.ok else "error"
        counts[key] = counts.get(key, 0) + 1
    seconds = time.perf_counter() - start
    report(engine=engine, version=masterpro.__version__, status="ok", records=sum(counts.values()),
           seconds=seconds, counts=counts, peak_rss_kb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main() -> None:
    if sys.argv[1] == "--iter":
        stream(*sys.argv[2:4])
        return
    rules_path, population = sys.argv[1:3]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    try:
        import masterpro
    except ImportError as e:
        report(engine=ENGINE, status="unavailable", reason=f"{type(e).__name__}: {e}")
        return
    if not hasattr(getattr(masterpro, "RuleSet", None), "evaluate_many"):
        report(engine=ENGINE, status="unavailable",
               reason="not available yet: masterpro.RuleSet.evaluate_many is missing")
        return
    rules = masterpro.RuleSet(rules_path)
    try:
        takes_threads = "threads" in inspect.signature(rules.evaluate_many).parameters
    except (TypeError, ValueError):  # a pybind11 signature may not be introspectable
        takes_threads = "threads" in (rules.evaluate_many.__doc__ or "")
    options = {"reasons": False} if "reasons" in (rules.evaluate_many.__doc__ or "") else {}

    def timed(threads: int):
        """Best time of the runs, and the decisions' JSON texts and outcomes of the last."""
        best, texts, outcomes = None, None, None
        for _ in range(runs):
            start = time.perf_counter()
            out = (rules.evaluate_many(population, threads=threads, **options) if takes_threads
                   else rules.evaluate_many(population, **options))
            seconds = time.perf_counter() - start
            best = seconds if best is None else min(best, seconds)
            errors = [r for r in out if not r.ok]
            if errors:
                report(engine=ENGINE, status="error",
                       reason=f"{len(errors)} records not decided, first: {errors[0].to_json()}")
                sys.exit(1)
            texts = [d.to_json() for d in out]
            outcomes = "".join(d.outcome[0] for d in out)
            del out  # one run's decisions alive at a time
        return best, texts, outcomes

    one, texts, outcomes = timed(1)
    n = len(texts)
    fields = dict(engine=ENGINE, version=masterpro.__version__, status="ok", records=n,
                  one_thread={"ns_per_record": one * 1e9 / n, "passes": runs}, outcomes=outcomes)
    if takes_threads:
        two, texts2, _ = timed(2)
        fields["two_threads"] = {"ns_per_record": two * 1e9 / n, "passes": runs}
        fields["two_threads_identical"] = texts == texts2
    fields["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report(**fields)


if __name__ == "__main__":
    main()
