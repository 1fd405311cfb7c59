#!/usr/bin/env python3
"""Runs one Python peer of the shared workload and prints one JSON report line (see bench.py).

Usage: pyrunner.py PEER.py WORKLOAD.jsonl RULES_DIR [--budget SECONDS]

A peer file defines ENGINE (row name), PACKAGES (distributions whose versions are reported),
setup(rules) (compile once), from_dict(record) -> verdict (the record already loaded as a dict)
and, optionally, from_line(line) -> verdict (from the JSON text; default json.loads + from_dict).
RULES_DIR holds rule.json (JsonLogic), rule.zen.txt and rule.cel.txt.

Each path is timed over the records in passes; the first pass also records the verdicts, which
bench.py compares with the floor's before printing any figure. A peer too slow to run the whole
workload within the budget runs on its first records only (at least 500), and says so.
"""
import argparse
import gc
import importlib.metadata
import importlib.util
import json
import os
import resource
import sys
import time
import types


class Unavailable(Exception):
    """Raised by a peer's setup when its engine (or API) is not there to be measured."""


def load_peer(path: str) -> types.ModuleType:
    name = "peer_" + os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    module.Unavailable = Unavailable
    spec.loader.exec_module(module)
    return module


def versions(packages) -> str:
    out = []
    for p in packages:
        try:
            out.append(f"{p} {importlib.metadata.version(p)}")
        except importlib.metadata.PackageNotFoundError:
            out.append(f"{p} (not installed)")
    return ", ".join(out)


def timed_passes(fn, items, budget: float, max_passes: int = 5):
    """The verdicts of the first pass, and the best pass time in ns."""
    verdicts, best, spent, passes = None, None, 0.0, 0
    while passes < max_passes and (passes == 0 or spent + (best or 0) / 1e9 < budget):
        gc.collect()
        start = time.perf_counter_ns()
        result = [bool(fn(x)) for x in items]
        ns = time.perf_counter_ns() - start
        if verdicts is None:
            verdicts = result
        best = ns if best is None else min(best, ns)
        spent += ns / 1e9
        passes += 1
    return verdicts, best, passes


def report(**fields) -> None:
    print(json.dumps(fields))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("peer")
    parser.add_argument("workload")
    parser.add_argument("rules_dir")
    parser.add_argument("--budget", type=float, default=15.0,
                        help="seconds each path (dict, line) may take, all passes together")
    opts = parser.parse_args()

    try:
        peer = load_peer(opts.peer)
    except ImportError as e:  # the engine's package is missing: say which and why
        report(engine=os.path.basename(opts.peer), status="unavailable",
               reason=f"{type(e).__name__}: {e}")
        return
    engine = getattr(peer, "ENGINE", os.path.basename(opts.peer))
    version = versions(getattr(peer, "PACKAGES", []))
    rules = types.SimpleNamespace(
        jsonlogic=json.load(open(os.path.join(opts.rules_dir, "rule.json"))),
        zen=open(os.path.join(opts.rules_dir, "rule.zen.txt")).read().strip(),
        cel=open(os.path.join(opts.rules_dir, "rule.cel.txt")).read().strip(),
    )
    rules.jsonlogic_text = json.dumps(rules.jsonlogic)
    try:
        peer.setup(rules)
    except Unavailable as e:
        report(engine=engine, version=version, status="unavailable", reason=str(e))
        return
    except Exception as e:  # a broken package: the error is the finding
        report(engine=engine, version=version, status="error",
               reason=f"setup failed: {type(e).__name__}: {e}")
        sys.exit(1)

    with open(opts.workload) as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    records = [json.loads(line) for line in lines]
    from_line = getattr(peer, "from_line", None) or (lambda line: peer.from_dict(json.loads(line)))
    # The loaded records live as long as the process: keep the cyclic GC from rescanning them.
    gc.collect()
    gc.freeze()

    try:
        # Calibrate on a few records to see whether the whole workload fits the budget.
        probe = records[: min(200, len(records))]
        start = time.perf_counter()
        for r in probe:
            peer.from_dict(r)
        per_record = (time.perf_counter() - start) / len(probe)
        n = len(records)
        if per_record * n > opts.budget / 2:
            n = min(n, max(500, int(opts.budget / 2 / per_record)))
        eval_verdicts, eval_ns, eval_passes = timed_passes(peer.from_dict, records[:n], opts.budget)
        e2e_verdicts, e2e_ns, e2e_passes = timed_passes(from_line, lines[:n], opts.budget)
    except Exception as e:
        report(engine=engine, version=version, status="error",
               reason=f"evaluation failed: {type(e).__name__}: {e}")
        sys.exit(1)

    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report(engine=engine, version=version, status="ok", records=n,
           bytes=sum(len(line) + 1 for line in lines[:n]),
           eval={"ns_per_record": eval_ns / n, "passes": eval_passes},
           e2e={"ns_per_record": e2e_ns / n, "passes": e2e_passes},
           peak_rss_kb=peak_kb, note=getattr(peer, "NOTE", ""),
           verdicts_eval="".join("1" if v else "0" for v in eval_verdicts),
           verdicts_e2e="".join("1" if v else "0" for v in e2e_verdicts))


if __name__ == "__main__":
    main()
