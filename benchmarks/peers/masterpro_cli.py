#!/usr/bin/env python3
"""masterpro's command line on the peer workload: `masterpro jsonlogic RULE -` reading the JSON
lines on standard input, one result per line; timed as a whole process (start-up included).

Usage: masterpro_cli.py MASTERPRO_BINARY RULE.json WORKLOAD.jsonl [RUNS]
Prints one JSON report line, like every other engine (see ../bench.py).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

ENGINE = "masterpro CLI (jsonlogic, JSON lines)"


def report(**fields) -> None:
    print(json.dumps(fields))


def run_once(binary: str, rule: str, workload: str):
    """Wall time, peak RSS (KiB), exit status, output and errors of one run. The peak comes
    from GNU time: a child's own ru_maxrss would count this Python process, which forked it."""
    with open(workload, "rb") as stdin, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as rss:
        cmd = [binary, "jsonlogic", rule, "-"]
        if os.access("/usr/bin/time", os.X_OK):
            cmd = ["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd
        start = time.perf_counter()
        code = subprocess.run(cmd, stdin=stdin, stdout=out, stderr=err).returncode
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        try:
            peak = int(open(rss.name).read().split()[-1])
        except (ValueError, IndexError):
            peak = 0
        return seconds, peak, code, out.read(), err.read()


def main() -> None:
    binary, rule, workload = sys.argv[1:4]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    if not os.path.exists(binary):
        report(engine=ENGINE, status="unavailable", reason=f"{binary} was not built")
        return
    probe = subprocess.run([binary, "jsonlogic", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        why = (probe.stderr or probe.stdout).strip().splitlines()
        report(engine=ENGINE, status="unavailable",
               reason="not available yet: `masterpro jsonlogic` says: " + (why[0] if why else "?"))
        return
    with open(workload, "rb") as f:
        n = sum(1 for line in f if line.strip())
        size = f.tell()
    best, peak, verdicts = None, 0, None
    for _ in range(runs):
        seconds, rss, code, out, err = run_once(binary, rule, workload)
        if code != 0:
            report(engine=ENGINE, status="error",
                   reason=f"exit {code}: " + err.decode(errors="replace").strip()[-300:])
            sys.exit(1)
        results = out.decode().splitlines()
        if verdicts is None:
            if len(results) != n:
                report(engine=ENGINE, status="error",
                       reason=f"{len(results)} results for {n} records")
                sys.exit(1)
            verdicts = "".join("1" if r.strip() == "true" else "0" for r in results)
        best = seconds if best is None else min(best, seconds)
        peak = max(peak, rss)
    report(engine=ENGINE, version="masterpro (this tree)", status="ok", records=n, bytes=size,
           eval=None, eval_note="a process reads JSON lines: end to end only",
           e2e={"ns_per_record": best * 1e9 / n, "passes": runs}, peak_rss_kb=peak,
           peak_rss_of_child=True,
           note="whole process: start-up, rule compile, reading stdin, writing one line per record",
           verdicts_e2e=verdicts)


if __name__ == "__main__":
    main()
