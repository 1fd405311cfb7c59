#!/usr/bin/env python3
"""Runs the benchmarks of issue 5 and writes benchmarks/RESULTS.md; run.sh builds and installs
what it needs first, then calls this.

Two scenarios. The peer workload (shared/bench): one award rule over N generated records, run by
the hand-written C++ floor, masterpro (library, CLI, Python) and peers from PyPI; each engine's
verdicts must equal the floor's before any of its figures counts. The Master Welder: the bundled
qualification over a generated population, end to end from JSON lines, against RapidJSON just
parsing the same lines; plus streaming memory, rule loading and threads. Every figure is also
given as a ratio to the floor measured in the same run, since absolute times drift on a shared
machine; the targets of issue 5 are then computed from those ratios.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PEERS = os.path.join(HERE, "peers")


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


# ---- running programs ----------------------------------------------------------------------

# A child's ru_maxrss counts the memory of the process it was forked from (Linux keeps the
# high-water mark across exec), so a child of this Python driver would never report less than
# the driver's own size. GNU time forks from a ~1 MB image: its %M is the program's own peak.
# It also gives the CPU time used, which shows whether a run got the cores it asked for.
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def with_peak_rss(cmd, rss_file):
    return [GNU_TIME, "-f", "%M %U %S", "-o", rss_file, *cmd] if GNU_TIME else list(cmd)


def read_usage(rss_file):
    """(peak RSS KiB, CPU seconds) as GNU time wrote them, or (None, None)."""
    try:
        with open(rss_file) as f:
            last = f.read().strip().splitlines()[-1].split()  # after "Command exited with ..."
        return int(last[0]), float(last[1]) + float(last[2])
    except (OSError, ValueError, IndexError):
        return None, None


def run_timed(cmd, stdin_path=None, stdout_path=None):
    """Runs a command to completion: (wall seconds, peak RSS KiB, exit code, stderr text,
    CPU seconds)."""
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    if stdout_path:
        # What earlier runs wrote is flushed to disk first, so that its writeback does not
        # slow this run down (runs writing large outputs follow one another).
        os.sync()
    with tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile() as rss:
        start = time.perf_counter()
        proc = subprocess.run(with_peak_rss(cmd, rss.name), stdin=stdin, stdout=stdout,
                              stderr=err)
        seconds = time.perf_counter() - start
        err.seek(0)
        text = err.read().decode(errors="replace")
        peak, cpu = read_usage(rss.name)
    for f in (stdout, stdin):
        if f is not subprocess.DEVNULL:
            f.close()
    return seconds, peak or 0, proc.returncode, text, cpu


def run_report(cmd, timeout=900):
    """Runs an engine program and returns its one-line JSON report (or an error report), with
    the program's peak RSS as GNU time saw it."""
    with tempfile.NamedTemporaryFile() as rss:
        try:
            proc = subprocess.run(with_peak_rss(cmd, rss.name), capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"status": "error", "reason": f"timed out after {timeout} s"}
        except OSError as e:
            return {"status": "unavailable", "reason": f"{e.strerror}: {cmd[0]}"}
        peak, _ = read_usage(rss.name)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if lines:
        try:
            report = json.loads(lines[-1])
            # A report about a process the program itself ran says so and keeps its figure.
            if peak and "peak_rss_kb" in report and not report.get("peak_rss_of_child"):
                report["peak_rss_kb"] = peak
            return report
        except json.JSONDecodeError:
            pass
    tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
    return {"status": "error", "reason": f"exit {proc.returncode}: " + " / ".join(tail)}


# ---- what run.sh left: install and build steps that failed ---------------------------------

class Status:
    """run.sh writes STEP.log for each install or build step and STEP.failed when it failed."""

    def __init__(self, directory: str):
        self.directory = directory

    def failure(self, step: str):
        if not os.path.exists(os.path.join(self.directory, step + ".failed")):
            return None
        try:
            with open(os.path.join(self.directory, step + ".log"), errors="replace") as f:
                lines = [l.strip() for l in f if l.strip() and "WARNING: Location" not in l]
        except OSError:
            return "failed (no log)"
        # The first compiler error says most; else pip's or CMake's last word.
        compiler = [l for l in lines if re.search(r": (fatal )?error: ", l)]
        errors = [l for l in lines if re.search(r"error|Error|ERROR|No matching", l)]
        found = compiler[0] if compiler else errors[-1] if errors else lines[-1] if lines else ""
        return (found or "failed")[:300]


# ---- the peer workload ---------------------------------------------------------------------

def peer_engines(opts):
    """(key, display name, PyPI package or None, how to run it) in table order."""
    b = opts.bench_bin
    rule = os.path.join(opts.data, "rules", "rule.json")
    wl = opts.workload
    py = lambda name, python=opts.python: [python, os.path.join(HERE, "pyrunner.py"),  # noqa: E731
                                           os.path.join(PEERS, name), wl,
                                           os.path.join(opts.data, "rules"),
                                           "--budget", str(opts.budget)]
    return [
        ("floor", "floor: hand-written C++ over a RapidJSON DOM", None,
         [os.path.join(b, "floor_rapidjson"), wl]),
        ("masterpro-cpp", "masterpro C++ (library)", None,
         [os.path.join(b, "masterpro_cpp"), "jsonlogic", rule, wl]),
        ("masterpro-cli", "masterpro CLI (`jsonlogic RULE -`)", None,
         [sys.executable, os.path.join(PEERS, "masterpro_cli.py"), opts.cli, rule, wl]),
        ("masterpro-py", "masterpro Python", "masterpro", py("masterpro_py.py")),
        ("handwritten-py", "hand-written Python", None, py("handwritten.py")),
        ("datalogic-py", "datalogic-py", "datalogic-py", py("datalogic.py")),
        ("zen-engine", "zen-engine (ZEN expression)", "zen-engine", py("zen_engine.py")),
        ("json-logic", "json-logic", "json-logic", py("json_logic.py", opts.python_json_logic)),
        ("json-logic-qubit", "json-logic-qubit (substitute for json-logic)", "json-logic-qubit",
         py("json_logic_qubit.py")),
        ("rule-engine", "rule-engine", "rule-engine", py("ruleengine.py")),
        ("cel-rust", "common-expression-language (CEL)", "common-expression-language",
         py("cel_rust.py")),
        ("cel-python", "cel-python (CEL)", "cel-python", py("cel_python.py")),
    ]


def compare_verdicts(name, verdicts, floor):
    """None when equal to the floor's on the records the engine ran, else what differs."""
    reference = floor[: len(verdicts)]
    if len(verdicts) == 0:
        return "no verdicts"
    diff = [i for i, (a, b) in enumerate(zip(verdicts, reference)) if a != b]
    if not diff:
        return None
    i = diff[0]
    return (f"verdicts differ from the floor's on {len(diff)} of {len(verdicts)} records "
            f"(first: record {i + 1}, {name} says {'eligible' if verdicts[i] == '1' else 'not'}, "
            f"floor says {'eligible' if reference[i] == '1' else 'not'})")


def run_peers(opts, status):
    rows = []
    floor = None
    for key, name, package, cmd in peer_engines(opts):
        row = {"key": key, "name": name, "package": package}
        rows.append(row)
        why_not = status.failure("pip-" + package) if package else None
        if key == "masterpro-cpp":
            why_not = status.failure("build-masterpro") or status.failure("build-masterpro-cpp")
        elif key == "masterpro-cli":
            why_not = status.failure("build-masterpro")
        if why_not:
            row.update(status="not installed" if package else "not built", reason=why_not)
            log(f"{name}: {row['status']}: {why_not}")
            continue
        log(f"running {name} ...")
        r = run_report(cmd)
        row.update(r)
        row["name"] = name
        if r.get("status") != "ok":
            log(f"{name}: {r.get('status')}: {r.get('reason')}")
            if key == "floor":
                sys.exit(f"bench: the floor failed ({r.get('reason')}): nothing to compare with")
            continue
        if key == "floor":
            if r["verdicts_eval"] != r["verdicts_e2e"]:
                sys.exit("bench: the floor's own two paths disagree: fix the floor first")
            floor = row
            log(f"floor: {r['verdicts_eval'].count('1')} of {r['records']} records eligible")
            continue
        for path in ("verdicts_eval", "verdicts_e2e"):
            if r.get(path) is None:
                continue
            problem = compare_verdicts(name, r[path], floor["verdicts_eval"])
            if problem:
                row.update(status="mismatch", reason=f"{path[9:]} path: {problem}")
                log(f"{name}: MISMATCH, row dropped: {row['reason']}")
                break
        else:
            log(f"{name}: verdicts equal to the floor's on {r['records']} records")
    return rows, floor


def shared_floor_reference(opts):
    """The shared floor's own figures (compiled from shared/bench as is), to show that ours is
    an equivalent floor. Informational: its output is text, its timing a single pass."""
    exe = os.path.join(opts.bench_bin, "shared_floor_rapidjson")
    if not os.path.exists(exe):
        return None
    try:
        out = subprocess.run([exe, opts.workload, str(opts.n)], capture_output=True, text=True,
                             timeout=300).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    e2e = re.search(r"e2e parse\+eval\s+([\d.]+) cand/s.*eligible=(\d+)", out)
    ev = re.search(r"eval-only on DOM\s+([\d.]+) cand/s\s+eligible=(\d+)", out)
    if not (e2e and ev):
        return None
    return {"e2e_per_s": float(e2e.group(1)), "eval_per_s": float(ev.group(1)),
            "eligible": int(ev.group(2))}


# ---- the Master Welder scenario ------------------------------------------------------------

def outcome_letters(decisions_path):
    """One letter per output line: a/p/n for the outcome, E for an error; and the error count."""
    letters, errors = [], 0
    with open(decisions_path) as f:
        for line in f:
            d = json.loads(line)
            if "error" in d:
                letters.append("E")
                errors += 1
            else:
                letters.append(d["outcome"][0])
    return "".join(letters), errors


def best_process(cmd, runs, stdout_path=None, stdin_path=None):
    """Best wall time of `runs` runs, the largest peak RSS, the last run's exit and stderr, and
    the CPU seconds of the best run. The timed runs write to /dev/null, so that what is timed is
    the program, not the disk taking its output (with reasons, about 9 KB per record); with
    `stdout_path`, one more run, not timed, writes the output there to be checked."""
    best, peak, code, err, cpu_best = None, 0, 0, "", None
    for _ in range(runs):
        seconds, rss, code, err, cpu = run_timed(cmd, stdin_path)
        if code != 0:
            break
        if best is None or seconds < best:
            best, cpu_best = seconds, cpu
        peak = max(peak, rss)
    if stdout_path and code == 0:
        _, _, code, err, _ = run_timed(cmd, stdin_path, stdout_path)
        if code != 0:
            best = None
    return best, peak, code, err, cpu_best


def cli_summary(stderr):
    """The outcome counts of `masterpro evaluate`'s summary line ("N records: 1 awarded, 2
    partial, 0 not_awarded, 1 error"), as {outcome or "error": count}, or None."""
    m = re.search(r"(\d+) records?: (.*)", stderr)
    if not m:
        return None
    counts = {}
    for n, what in re.findall(r"(\d+) (\w+)", m.group(2)):
        key = "error" if what.startswith("error") else what
        if int(n):
            counts[key] = int(n)
    return counts


def first_lines(path, k, to):
    """Writes the first `k` lines of `path` to `to`; returns `to`."""
    with open(path) as src, open(to, "w") as dst:
        for _, line in zip(range(k), src):
            dst.write(line)
    return to


# What callgrind's inclusive counts are summed by: a name, and the text that starts the function's
# name in callgrind_annotate's output (its first, not recursive, entry).
PROFILE_PARTS = (
    ("read", "masterpro::detail::read_candidate_into("),
    ("decide", "masterpro::detail::evaluate_into("),
    ("gaps", "::collect_gap("),
    ("render", "masterpro::append_json("),
    ("rules", "masterpro::rule_set::from_file("),
)


def callgrind_profile(cmd, records):
    """Instructions per record of a whole process under callgrind, in total and by
    PROFILE_PARTS (inclusive); None when valgrind is not installed or the run fails."""
    if not shutil.which("valgrind") or not shutil.which("callgrind_annotate"):
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "callgrind.out")
        run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if run.returncode != 0 or not os.path.exists(out):
            return None
        text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", "--auto=no",
                               out],
                              capture_output=True, text=True).stdout
    counts = {}
    for line in text.splitlines():
        fields = line.split(None, 2)
        if len(fields) < 3 or not fields[0].replace(",", "").isdigit():
            continue
        value = int(fields[0].replace(",", ""))
        name = fields[2].split(":", 1)[1] if ":" in fields[2] else fields[2]
        if "PROGRAM TOTALS" in line:
            counts["total"] = value
        for part, prefix in PROFILE_PARTS:
            at = name.find(prefix)
            if at >= 0 and "'2" not in name:
                counts[part] = max(counts.get(part, 0), value)
    if "total" not in counts:
        return None
    return {k: v / records for k, v in counts.items()}


def run_welder(opts, status):
    w = {"n": opts.welder_n, "stream_n": opts.stream_n}
    rules = opts.welder_rules
    pop = os.path.join(opts.data, "welder.jsonl")
    log(f"generating {opts.welder_n} Master Welder records ...")
    with open(pop, "w") as f:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_welder_population.py"),
                        str(opts.welder_n), str(opts.seed)], stdout=f, check=True)
    w["bytes"] = os.path.getsize(pop)

    parse = os.path.join(opts.bench_bin, "parse_only_rapidjson")
    log("RapidJSON parse only ...")
    seconds, rss, code, err, _ = best_process([parse, pop], 3)
    if code != 0 or seconds is None:
        sys.exit(f"bench: parse_only_rapidjson failed: {err.strip()[-300:]}")
    w["parse"] = {"seconds": seconds, "rss_kb": rss}

    cli_broken = status.failure("build-masterpro")
    if cli_broken or not os.path.exists(opts.cli):
        w["cli_error"] = cli_broken or f"{opts.cli} was not built"
    else:
        out_nr = os.path.join(opts.data, "welder.decisions.no-reasons.jsonl")
        out_r = os.path.join(opts.data, "welder.decisions.jsonl")
        log("masterpro evaluate --no-reasons ...")
        base = [opts.cli, "evaluate", rules, pop]
        s1, rss1, code1, err1, cpu1 = best_process(base + ["--no-reasons"], opts.runs, out_nr)
        log("masterpro evaluate (reasons on) ...")
        s2, rss2, code2, err2, _ = best_process(base, opts.runs, out_r)
        if s1 is None or s2 is None:
            w["cli_error"] = f"exit {code1 or code2}: " + (err1 or err2).strip()[-300:]
        else:
            letters, errors = outcome_letters(out_nr)
            letters_r, _ = outcome_letters(out_r)
            w["reason_bytes"] = os.path.getsize(out_r) - os.path.getsize(out_nr)
            w["cli"] = {"seconds": s1, "rss_kb": rss1, "errors": errors, "records": len(letters),
                        "cpu": cpu1}
            w["cli_reasons"] = {"seconds": s2, "rss_kb": rss2}
            w["outcomes"] = letters
            w["outcome_counts"] = {k: letters.count(k) for k in "apnE" if letters.count(k)}
            problems = []
            if errors:
                problems.append(f"{errors} records got an error, not a decision")
            if len(letters) != opts.welder_n:
                problems.append(f"{len(letters)} output lines for {opts.welder_n} records")
            if letters_r != letters:
                problems.append("outcomes with reasons differ from those without")
            w["cli_problems"] = problems
        help_text = subprocess.run([opts.cli, "evaluate", "--help"], capture_output=True,
                                   text=True).stdout
        w["cli_threads"] = "--threads" in help_text
        if w["cli_threads"] and "cli" in w:
            log("masterpro evaluate --threads 2 ...")
            out_t = os.path.join(opts.data, "welder.decisions.threads2.jsonl")
            s, rss, code, err, cpu = best_process(base + ["--no-reasons", "--threads", "2"],
                                                  opts.runs, out_t)
            if s is not None:
                with open(out_nr, "rb") as a, open(out_t, "rb") as b:
                    same = a.read() == b.read()
                w["cli_two_threads"] = {"seconds": s, "rss_kb": rss, "identical": same,
                                        "cpu": cpu}

    exe = os.path.join(opts.bench_bin, "masterpro_cpp")
    broken = status.failure("build-masterpro") or status.failure("build-masterpro-cpp")
    if os.path.exists(exe) and not broken:
        log("masterpro C++ in process (read, evaluate, render) ...")
        r = run_report([exe, "welder", rules, pop, str(opts.inprocess_n)])
        if r.get("status") == "ok" and "outcomes" in w and \
                r["outcomes"] != w["outcomes"][: len(r["outcomes"])]:
            r = {"status": "mismatch", "reason": "in-process outcomes differ from the CLI's"}
        w["inprocess"] = r
        log("loading and compiling the rules ...")
        w["load"] = run_report([exe, "load-rules", rules, str(opts.load_iterations)])
    else:
        w["inprocess"] = w["load"] = {"status": "not built", "reason": broken or "not built"}

    if status.failure("pip-masterpro"):
        w["python"] = {"status": "not installed", "reason": status.failure("pip-masterpro")}
    else:
        # evaluate_many returns every decision at once: a prefix keeps its memory in bounds.
        k = min(opts.inprocess_n, opts.welder_n)
        prefix = first_lines(pop, k, os.path.join(opts.data, f"welder.first{k}.jsonl"))
        log(f"masterpro Python evaluate_many on the first {k} records (1 and 2 threads) ...")
        r = run_report([opts.python, os.path.join(HERE, "welder_py.py"), rules, prefix,
                        str(opts.runs)])
        if r.get("status") == "ok" and "outcomes" in w and \
                r["outcomes"] != w["outcomes"][: len(r["outcomes"])]:
            r = {"status": "mismatch", "reason": "Python outcomes differ from the CLI's"}
        w["python"] = r

    # Where the time goes, by instructions: callgrind over the first records, whole processes.
    if "cli" in w and opts.profile_n:
        k = min(opts.profile_n, opts.welder_n)
        prefix = first_lines(pop, k, os.path.join(opts.data, f"welder.profile{k}.jsonl"))
        log(f"callgrind over the first {k} records (parse only, without and with reasons) ...")
        w["profile"] = {"records": k,
                        "parse": callgrind_profile([parse, prefix], k),
                        "no_reasons": callgrind_profile([opts.cli, "evaluate", rules, prefix,
                                                         "--no-reasons"], k),
                        "reasons": callgrind_profile([opts.cli, "evaluate", rules, prefix], k)}

    if opts.stream_n and "cli" in w:
        stream = os.path.join(opts.build, "tmp", "stream.jsonl")
        os.makedirs(os.path.dirname(stream), exist_ok=True)
        log(f"generating {opts.stream_n} records for the streaming run ...")
        with open(stream, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_welder_population.py"),
                            str(opts.stream_n), str(opts.seed), "--distinct",
                            str(min(opts.welder_n, opts.stream_n))], stdout=f, check=True)
        try:
            runs = [("stream", ["--no-reasons"]), ("stream_reasons", [])]
            if w.get("cli_threads"):
                # Two threads over the long run too: start-up and the first chunk's read,
                # which one thread does alone, weigh little there.
                runs.append(("stream_threads2", ["--no-reasons", "--threads", "2"]))
            for key, flags in runs:
                log(f"streaming {opts.stream_n} records through masterpro evaluate "
                    f"{' '.join(flags) or '(reasons on)'} ...")
                s, rss, code, err, _ = run_timed([opts.cli, "evaluate", rules, stream, *flags])
                w[key] = {"seconds": s, "rss_kb": rss, "exit": code, "bytes":
                          os.path.getsize(stream), "error": err.strip()[-300:] if code else "",
                          "summary": cli_summary(err)}
            log("streaming the same records through RapidJSON parse only ...")
            s, rss, code, err, _ = run_timed([parse, stream])
            w["stream_parse"] = {"seconds": s, "rss_kb": rss}
            if not status.failure("pip-masterpro"):
                log("streaming the same records through Python RuleSet.evaluate_iter ...")
                r = run_report([opts.python, os.path.join(HERE, "welder_py.py"), "--iter", rules, stream])
                summary = w.get("stream", {}).get("summary")
                if r.get("status") == "ok" and summary is not None and r["counts"] != summary:
                    r = {"status": "mismatch",
                         "reason": f"outcome counts {r['counts']} differ from the CLI's {summary}"}
                w["stream_python"] = r
        finally:
            os.remove(stream)
    return w


# ---- figures, targets and the results file -------------------------------------------------

def per_s(ns):
    return 1e9 / ns if ns else None


def fmt_rate(ns):
    r = per_s(ns)
    if r is None:
        return "—"
    return f"{r / 1e6:.2f} M" if r >= 1e6 else f"{r / 1e3:.1f} k" if r >= 1e3 else f"{r:.1f}"


def fmt_ns(ns):
    if ns is None:
        return "—"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    return f"{ns / 1e3:.2f} µs" if ns >= 1e3 else f"{ns:.0f} ns"


def fmt_ratio(x, digits=2):
    if x is None:
        return "—"
    return f"{x:.{digits}f}×" if x >= 0.01 else f"{x:.4f}×"


def ns_of(row, path):
    v = row.get(path) if row else None
    return v.get("ns_per_record") if isinstance(v, dict) else None


def compute_targets(rows, floor, w):
    by = {r["key"]: r for r in rows if r.get("status") == "ok"}
    every = {r["key"]: r for r in rows}
    t = []

    def add(target, measured, met, how):
        t.append({"target": target, "measured": measured, "met": met, "how": how})

    def unmeasured(key, what):
        r = every.get(key, {})
        return f"not measured: {what} {r.get('status', 'missing')}" + (
            f" ({r['reason']})" if r.get("reason") else "")

    # 1. Evaluation with records loaded, masterpro C++ vs the floor's evaluate-only.
    m = by.get("masterpro-cpp")
    if m and ns_of(m, "eval"):
        x = ns_of(floor, "eval") / ns_of(m, "eval")
        add("Evaluation, records already loaded: ≥ 8× the C++ floor", fmt_ratio(x), x >= 8,
            "masterpro C++ evaluate-only vs floor evaluate-only on DOMs")
    else:
        add("Evaluation, records already loaded: ≥ 8× the C++ floor",
            "not measured: " + (m.get("eval_note", "") if m
                                else unmeasured("masterpro-cpp", "masterpro C++")),
            None, "needs a pre-loaded record form in masterpro's API")
    # 2. End to end from JSON lines.
    if m and ns_of(m, "e2e"):
        x = ns_of(floor, "e2e") / ns_of(m, "e2e")
        add("End to end from JSON lines: ≥ 1.5× the floor's parse + evaluate", fmt_ratio(x),
            x >= 1.5, "masterpro C++ jsonlogic_rule::truthy(line) vs floor parse + evaluate")
    else:
        add("End to end from JSON lines: ≥ 1.5× the floor's parse + evaluate",
            unmeasured("masterpro-cpp", "masterpro C++"), None, "")
    # 3. Two threads.
    two = None
    st, st2 = w.get("stream"), w.get("stream_threads2")
    if w.get("cli_two_threads") and w.get("cli") and st and st2 and st["exit"] == 0 \
            and st2["exit"] == 0:
        c = w["cli_two_threads"]
        how = (f"CLI --threads 2 vs 1 streaming {w['stream_n']:,} Master Welder records "
               f"(outputs compared on the {w['n']:,}-record population, where 2 threads gave "
               f"{fmt_ratio(w['cli']['seconds'] / c['seconds'])}")
        if c.get("cpu") and w["cli"].get("cpu"):
            how += (f" and the runs used {c['cpu'] / c['seconds']:.2f} and "
                    f"{w['cli']['cpu'] / w['cli']['seconds']:.2f} cores of CPU")
        two = (st["seconds"] / st2["seconds"], c["identical"], how + ")")
    elif w.get("cli_two_threads") and w.get("cli"):
        c = w["cli_two_threads"]
        how = "CLI --threads 2 vs 1, Master Welder population"
        if c.get("cpu") and w["cli"].get("cpu"):
            how += (f"; the runs used {c['cpu'] / c['seconds']:.2f} and "
                    f"{w['cli']['cpu'] / w['cli']['seconds']:.2f} cores of CPU")
        two = (w["cli"]["seconds"] / c["seconds"], c["identical"], how)
    elif isinstance(w.get("python"), dict) and w["python"].get("two_threads"):
        p = w["python"]
        two = (p["one_thread"]["ns_per_record"] / p["two_threads"]["ns_per_record"],
               p["two_threads_identical"],
               f"Python evaluate_many(path, threads=2) vs threads=1, {p['records']:,} records")
    if two:
        add("Two threads: ≥ 1.8× one thread, outputs byte-identical",
            f"{fmt_ratio(two[0])}, outputs {'identical' if two[1] else 'DIFFER'}",
            two[0] >= 1.8 and two[1], two[2] + "; 2 shared cores")
    else:
        add("Two threads: ≥ 1.8× one thread, outputs byte-identical",
            "not measured: no multi-threaded entry point (CLI --threads or "
            "RuleSet.evaluate_many(threads=))", None, "")
    # 4. Python per-record dict vs the faster of zen-engine and datalogic-py.
    mp = by.get("masterpro-py")
    peers = [ns_of(by[k], "eval") for k in ("zen-engine", "datalogic-py") if k in by]
    if mp and peers:
        x = min(peers) / ns_of(mp, "eval")
        add("Python, per-record evaluate of a dict: ≥ 3× faster than the faster of zen-engine "
            "and datalogic-py", fmt_ratio(x), x >= 3,
            f"masterpro Python vs {fmt_ns(min(peers))}/record, same records as dicts")
    else:
        add("Python, per-record evaluate of a dict: ≥ 3× faster than the faster of zen-engine "
            "and datalogic-py", unmeasured("masterpro-py", "masterpro Python") if not mp
            else "not measured: neither zen-engine nor datalogic-py ran", None, "")
    # 5. Python evaluate_many from a path vs the C++ end-to-end figure (CLI, same file).
    p = w.get("python") if isinstance(w.get("python"), dict) else {}
    if p.get("status") == "ok" and w.get("cli"):
        cpp_ns = w["cli"]["seconds"] * 1e9 / w["n"]
        x = p["one_thread"]["ns_per_record"] / cpp_ns
        add("Python evaluate_many from a JSON-lines path: within 15% of the C++ end-to-end figure",
            f"{fmt_ratio(x)} the time of the CLI", x <= 1.15,
            f"RuleSet.evaluate_many(path, reasons=False) on the first {p['records']:,} records vs "
            "`masterpro evaluate --no-reasons` on all, per record, Master Welder")
    else:
        add("Python evaluate_many from a JSON-lines path: within 15% of the C++ end-to-end figure",
            "not measured: " + (p.get("reason") or w.get("cli_error") or "no result"), None, "")
    # 6. Explanations on.
    if w.get("cli"):
        x = w["cli_reasons"]["seconds"] / w["cli"]["seconds"]
        add("Explanations on: ≤ 1.5× the cost with them off", fmt_ratio(x), x <= 1.5,
            "`masterpro evaluate` (reasons, the default) vs `--no-reasons`, Master Welder")
        x = w["cli"]["seconds"] / w["parse"]["seconds"]
        add("Master Welder end to end: evaluation adds ≤ 25% to RapidJSON's parse time",
            f"{fmt_ratio(x)} the parse time (+{(x - 1) * 100:.0f}%)", x <= 1.25,
            "`masterpro evaluate --no-reasons` vs parse_only_rapidjson, same file, whole processes")
    else:
        for target in ("Explanations on: ≤ 1.5× the cost with them off", "Master Welder end to "
                       "end: evaluation adds ≤ 25% to RapidJSON's parse time"):
            add(target, "not measured: " + w.get("cli_error", "CLI failed"), None, "")
    # 7. Streaming memory and rule loading.
    s, sr = w.get("stream"), w.get("stream_reasons")
    if s and s["exit"] == 0 and sr and sr["exit"] == 0:
        mb, mbr = s["rss_kb"] / 1024, sr["rss_kb"] / 1024
        add(f"Streaming {w['stream_n']:,} records: peak memory < 100 MB",
            f"{mb:.1f} MB without reasons, {mbr:.1f} MB with (the default)", max(mb, mbr) < 100,
            "peak RSS of `masterpro evaluate` (GNU time), both ways")
    else:
        bad = next((x for x in (s, sr) if x and x["exit"] != 0), None)
        add(f"Streaming {w['stream_n']:,} records: peak memory < 100 MB",
            "not measured" + (f": exit {bad['exit']}: {bad['error']}" if bad else ""), None, "")
    ld = w.get("load", {})
    if ld.get("status") == "ok":
        add("Loading and compiling the Master Welder rules: < 1 ms",
            f"{fmt_ns(ld['median_ns'])} (median of {ld['iterations']}, "
            f"best {fmt_ns(ld['best_ns'])})",
            ld["median_ns"] < 1e6, "rule_set::from_file in process")
    else:
        add("Loading and compiling the Master Welder rules: < 1 ms",
            "not measured: " + str(ld.get("reason")), None, "")
    return t


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    cxx = subprocess.run(["c++", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {"nproc": os.cpu_count(), "cpu": model, "memory": mem,
            "os": platform.platform(), "cxx": cxx[0] if cxx else "?",
            "python": platform.python_version()}


def revision(repo):
    """The commit measured, and whether the tree had uncommitted changes."""
    git = lambda *a: subprocess.run(["git", "-C", repo, *a], capture_output=True,  # noqa: E731
                                    text=True).stdout.strip()
    commit = git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"commit {commit}" + (" plus uncommitted changes" if dirty else "")


def loadavg():
    try:
        return " ".join(open("/proc/loadavg").read().split()[:3])
    except OSError:
        return "?"


def write_results(opts, rows, floor, shared, w, targets, info, started, finished):
    fl_eval, fl_e2e, fl_rss = ns_of(floor, "eval"), ns_of(floor, "e2e"), floor["peak_rss_kb"]
    out = []
    add = out.append
    add("# Benchmark results\n")
    add(f"Written by `{opts.command}` on {started:%Y-%m-%d %H:%M} UTC "
        f"({(finished - started).total_seconds() / 60:.1f} min); do not edit by hand, re-run it. "
        "Every engine's verdicts were checked equal to the floor's before its figures were kept. "
        "Figures are single-core unless said; ratios are against the floor measured in the same "
        "run, which is what to read on a shared machine.\n")
    add(f"- masterpro: {info['revision']}.")
    add(f"- Machine: {info['nproc']} cores ({info['cpu']}), {info['memory']} memory; "
        f"{info['os']}; {info['cxx']}; Python {info['python']}.")
    add(f"- Load average before / after: {info['load_before']} / {info['load_after']} "
        "(others may have been building on the same cores: compare ratios, not absolutes).")
    add(f"- Parameters: peer workload N = {opts.n:,} records (seed {opts.seed}, "
        f"{floor['bytes'] / floor['records']:.0f} B/record), per-engine time budget "
        f"{opts.budget:g} s per path; Master Welder population {w['n']:,} records "
        f"({w['bytes'] / w['n']:.0f} B/record), streaming run {w['stream_n']:,} records.\n")

    add("## Targets of issue 5\n")
    add("| target | measured | met | how |")
    add("|---|---|---|---|")
    for t in targets:
        met = "yes" if t["met"] else "**no**" if t["met"] is False else "n/a"
        add(f"| {t['target']} | {t['measured']} | {met} | {t['how']} |")
    add("")

    add(f"## Peer workload: the shared award rule over {opts.n:,} records\n")
    add("*Evaluate only*: records already loaded (C++: RapidJSON DOMs; Python: dicts from "
        "`json.loads`). *End to end*: from each JSON line (parse + evaluate, or the engine's own "
        "JSON-text input). Speed ratios are floor time ÷ engine time (above 1× is faster than "
        "the floor); the memory ratio is engine peak RSS ÷ floor peak RSS (each engine is its own "
        "process holding all records in its loaded form).\n")
    add("| engine | version | records | evaluate only: rec/s | ns/rec | × floor "
        "| end to end: rec/s | ns/rec | × floor | peak RSS | × floor |")
    add("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    problems = []
    for r in rows:
        if r.get("status") != "ok":
            problems.append(r)
            continue
        ev, e2 = ns_of(r, "eval"), ns_of(r, "e2e")
        rec = f"{r['records']:,}" + ("" if r["records"] == floor["records"] else " (first)")
        add(f"| {r['name']} | {r.get('version', '')} | {rec} | {fmt_rate(ev)} | {fmt_ns(ev)} | "
            f"{fmt_ratio(fl_eval / ev if ev else None, 3)} | {fmt_rate(e2)} | {fmt_ns(e2)} | "
            f"{fmt_ratio(fl_e2e / e2 if e2 else None, 3)} | {r['peak_rss_kb'] / 1024:.0f} MB | "
            f"{fmt_ratio(r['peak_rss_kb'] / fl_rss)} |")
    add("")
    if problems:
        add("Engines without figures:\n")
        for r in problems:
            add(f"- **{r['name']}**: {r.get('status')}: {r.get('reason', '')}")
        add("")
    add("What each engine runs:\n")
    for r in rows:
        notes = "; ".join(x for x in (r.get("note"), r.get("eval_note")) if x)
        if r.get("status") == "ok" and notes:
            add(f"- {r['name']}: {notes}.")
    add("- Engines too slow to run every record within the time budget ran on the first records "
        "only (\"first\" in the records column); their verdicts were checked on those records.")
    add("- `json-logic` (the package of that name on PyPI, last released 2015) is Python 2 code: "
        "it fails on Python 3 (see its row), so `json-logic-qubit`, a Python 3 port with the same "
        "module name and API, stands in. `panzi-json-logic` and `json-logic-modernized` also "
        "install here but ship the same `json_logic` module name, so only one can share a venv.")
    if shared:
        add(f"- Cross-check of the floor: `shared/bench/floor_rapidjson.cpp`, compiled as is, "
            f"gave {shared['eval_per_s'] / 1e3:.0f} k/s evaluate-only and "
            f"{shared['e2e_per_s'] / 1e3:.0f} k/s end to end ({shared['eligible']} eligible) in "
            f"this run, timing one pass each; ours, best of several passes: "
            f"{per_s(fl_eval) / 1e3:.0f} k/s and {per_s(fl_e2e) / 1e3:.0f} k/s "
            f"({floor['verdicts_eval'].count('1')} eligible).")
    add("")

    add(f"## Master Welder end to end: {w['n']:,} candidates from JSON lines\n")
    add("The bundled `rules/qualifications/LT-AMK-WELD-001.json` over "
        "`benchmarks/gen_welder_population.py` records (valid, varied: "
        + ", ".join(f"{v:,} {dict(a='awarded', p='partial', n='not awarded', E='errors')[k]}"
                    for k, v in w.get("outcome_counts", {}).items())
        + "). Whole processes reading the same file; best of "
        f"{opts.runs} runs, each writing its output to /dev/null (one more run writes the file "
        "that is checked); the floor is RapidJSON parsing each line into a DOM and nothing "
        "else.\n")
    add("| run | rec/s | ns/rec | MB/s | time × parse only | peak RSS | RSS × parse only |")
    add("|---|---:|---:|---:|---:|---:|---:|")
    n, parse_s, parse_rss = w["n"], w["parse"]["seconds"], w["parse"]["rss_kb"]

    def wrow(name, seconds, rss, records=n, size=w["bytes"], base=parse_s, base_rss=parse_rss):
        ns = seconds * 1e9 / records
        add(f"| {name} | {fmt_rate(ns)} | {fmt_ns(ns)} | {size / seconds / 1e6:.0f} | "
            f"{fmt_ratio(seconds / base if base else None)} | {rss / 1024:.1f} MB | "
            f"{fmt_ratio(rss / base_rss if base_rss else None)} |")

    wrow("RapidJSON parse only (floor)", parse_s, parse_rss)
    if w.get("cli"):
        wrow("`masterpro evaluate --no-reasons`", w["cli"]["seconds"], w["cli"]["rss_kb"])
        wrow("`masterpro evaluate` (reasons on)", w["cli_reasons"]["seconds"],
             w["cli_reasons"]["rss_kb"])
        if w.get("cli_two_threads"):
            wrow("`masterpro evaluate --no-reasons --threads 2`", w["cli_two_threads"]["seconds"],
                 w["cli_two_threads"]["rss_kb"])
    p = w.get("python", {})
    if p.get("status") == "ok":
        for key, label in (("one_thread", "1 thread"), ("two_threads", "2 threads")):
            if p.get(key):
                s = p[key]["ns_per_record"] * p["records"] / 1e9
                wrow(f"Python `RuleSet.evaluate_many(path, reasons=False)`, {label}, first {p['records']:,}",
                     s, p["peak_rss_kb"], p["records"], w["bytes"] * p["records"] / n,
                     parse_s * p["records"] / n)
    s, sp = w.get("stream"), w.get("stream_parse")
    if s and s["exit"] == 0 and sp:
        wrow(f"streaming {w['stream_n']:,}: RapidJSON parse only", sp["seconds"], sp["rss_kb"],
             w["stream_n"], s["bytes"], sp["seconds"], sp["rss_kb"])
        wrow(f"streaming {w['stream_n']:,}: `masterpro evaluate --no-reasons`", s["seconds"],
             s["rss_kb"], w["stream_n"], s["bytes"], sp["seconds"], sp["rss_kb"])
        sr = w.get("stream_reasons")
        if sr and sr["exit"] == 0:
            wrow(f"streaming {w['stream_n']:,}: `masterpro evaluate` (reasons on)",
                 sr["seconds"], sr["rss_kb"], w["stream_n"], sr["bytes"], sp["seconds"],
                 sp["rss_kb"])
        s2 = w.get("stream_threads2")
        if s2 and s2["exit"] == 0:
            wrow(f"streaming {w['stream_n']:,}: `masterpro evaluate --no-reasons --threads 2`",
                 s2["seconds"], s2["rss_kb"], w["stream_n"], s2["bytes"], sp["seconds"],
                 sp["rss_kb"])
        spy = w.get("stream_python", {})
        if spy.get("status") == "ok":
            wrow(f"streaming {w['stream_n']:,}: Python `RuleSet.evaluate_iter(path, reasons=False)`",
                 spy["seconds"], spy["peak_rss_kb"], spy["records"], s["bytes"], sp["seconds"],
                 sp["rss_kb"])
    add("")
    spy = w.get("stream_python", {})
    if spy.get("status") == "ok":
        add(f"- Python `evaluate_iter` gives the results one at a time, deciding a block of records "
            f"whenever the last is used up: {spy['peak_rss_kb'] / 1024:.0f} MB peak RSS for "
            f"{spy['records']:,} records (the interpreter included), its outcome counts equal to the "
            f"CLI's.")
    elif spy.get("status"):
        add(f"- Python `evaluate_iter` over the streaming records: {spy['status']}: "
            f"{spy.get('reason', '')}")
    if w.get("cli_error"):
        add(f"- The CLI did not run: {w['cli_error']}")
    for problem in w.get("cli_problems", []):
        add(f"- **Check failed**: {problem}")
    if p.get("status") and p.get("status") != "ok":
        add(f"- Python: {p.get('status')}: {p.get('reason')}")
    if p.get("status") == "ok":
        add(f"- Python `evaluate_many` reads the file a block at a time but returns every decision "
            f"at once: peak RSS {p['peak_rss_kb'] / 1024:.0f} MB for {p['records']:,} records, "
            "the interpreter included. It runs on a prefix of the population here (its time ratio "
            "is per record); `evaluate_iter` goes through the streaming population.")
    if p.get("status") == "ok" and "two_threads_identical" in p:
        add(f"- Python with 2 threads: outputs "
            f"{'byte-identical to' if p['two_threads_identical'] else '**different from**'} "
            "1 thread.")
    if not w.get("cli_threads"):
        add("- `masterpro evaluate` has no `--threads` option yet.")
    add("")

    ip = w.get("inprocess", {})
    add("### Where the time goes (masterpro C++ in process)\n")
    if ip.get("status") == "ok":
        k = ip["records"]
        add(f"The first {k:,} records, lines already in memory, best of several passes:\n")
        add("| step | ns/rec | × the same without reasons |")
        add("|---|---:|---:|")
        rd, ev = ns_of(ip, "read"), ns_of(ip, "eval_statuses")
        e2e, e2e_r = ns_of(ip, "e2e_json"), ns_of(ip, "e2e_json_reasons")
        steps = (("`read_candidate_into` (JSON line → typed candidate)", "read", None),
                 ("`evaluate_into` without the trace (outcome and statuses, as `--no-reasons`)", "eval_statuses", None),
                 ("`evaluate_into` with the trace reasons are rendered from, no gaps", "eval_trace", ev),
                 ("`evaluate_into` with the trace and gaps (as `masterpro evaluate`)", "eval_trace_gaps", ev),
                 ("`evaluate_into` with the full trace (default options: the checks that pass too)", "eval_full", ev),
                 ("`evaluate_json_into` + `append_json` without reasons (as `--no-reasons`)", "e2e_json", None),
                 ("`evaluate_json_into` + `append_json` with reasons (as `masterpro evaluate`)", "e2e_json_reasons", e2e),
                 ("`evaluate_json` + `to_json` with reasons: a fresh decision per record, default options",
                  "e2e_fresh_reasons", e2e))
        for label, key, base in steps:
            ns = ns_of(ip, key)
            add(f"| {label} | {fmt_ns(ns)} | {f'{ns / base:.2f}×' if ns and base else ''} |")
        if rd and ev and e2e and e2e_r:
            trace_ns = ns_of(ip, "eval_trace") - ev
            gaps_ns = ns_of(ip, "eval_trace_gaps") - ns_of(ip, "eval_trace")
            render_ns = e2e_r - e2e - trace_ns - gaps_ns
            add(f"\nReading and deciding without reasons take {fmt_ns(rd)} + {fmt_ns(ev)}. Reasons add "
                f"{fmt_ns(e2e_r - e2e)} per record: deciding with the trace {fmt_ns(trace_ns)} (every "
                f"requirement evaluated, where statuses alone stop at the child that decides, and each "
                f"result recorded), the gaps {fmt_ns(gaps_ns)}, and rendering the reasons, gaps and "
                f"titles {fmt_ns(render_ns)}. A candidate and decision kept from record to record "
                f"(`*_into`, as the CLI and Python batches do) save what a fresh decision per record "
                f"allocates.")
            allowed = 0.5 * e2e
            add(f"\nThe explanations target lets reasons add at most half the time without them: "
                f"{fmt_ns(allowed)} here, against {fmt_ns(e2e_r - e2e)}. Rendering alone (about "
                f"{fmt_ns(render_ns)} for the reasons, gaps and titles, several KB per record) takes "
                f"{render_ns / allowed:.0%} of that allowance, and deciding with the trace "
                f"{trace_ns / allowed:.0%}: reasons name every check that is not pass, so every "
                f"requirement is evaluated, where the statuses alone stop at the child that decides "
                f"a combinator.")
        add(f"\nFor scale, RapidJSON parses these records at "
            f"{fmt_ns(parse_s * 1e9 / n)}/record (whole process, above).")
    else:
        add(f"Not measured: {ip.get('status')}: {ip.get('reason')}")
    add("")
    pr = w.get("profile") or {}
    nr, rs, po = pr.get("no_reasons"), pr.get("reasons"), pr.get("parse")
    add("### Where the time goes, by instructions (callgrind)\n")
    if nr and rs and po:
        k = pr["records"]
        add(f"Whole processes over the first {k:,} records under callgrind: instructions per record "
            "(each part inclusive of what it calls; start-up, loading the rules and reading and "
            "writing lines are spread over these records).\n")
        add("| part | `--no-reasons` | reasons on | RapidJSON parse only |")
        add("|---|---:|---:|---:|")

        def k_(x):
            return f"{x / 1000:.1f} k" if x else "—"
        rows_ = (("reading the record (`read_candidate_into`)", "read"),
                 ("deciding (`evaluate_into`)", "decide"),
                 ("of which the gaps (`collect_gap`)", "gaps"),
                 ("rendering the decision (`append_json`)", "render"),
                 ("loading the rules (`rule_set::from_file`)", "rules"))
        for label, key in rows_:
            add(f"| {label} | {k_(nr.get(key, 0))} | {k_(rs.get(key, 0))} | |")
        for d in (nr, rs):
            d["other"] = d["total"] - sum(d.get(x, 0) for x in ("read", "decide", "render", "rules"))
        add(f"| start-up, lines in and out | {k_(nr['other'])} | {k_(rs['other'])} | |")
        add(f"| **whole process** | **{k_(nr['total'])}** | **{k_(rs['total'])}** | "
            f"**{k_(po['total'])}** |")
        add("")
        add(f"- Reasons on take {rs['total'] / nr['total']:.2f}× the instructions of "
            f"`--no-reasons`: deciding with the trace {k_(rs.get('decide', 0))} instead of "
            f"{k_(nr.get('decide', 0))}, and rendering {k_(rs.get('render', 0))} instead of "
            f"{k_(nr.get('render', 0))} (about "
            f"{w.get('reason_bytes', 0) / max(w['n'], 1) / 1000:.1f} KB of reasons per record).")
        add(f"- Without reasons, reading and deciding take {k_(nr.get('read', 0) + nr.get('decide', 0))}"
            f" per record against RapidJSON's {k_(po['total'])} for parsing alone (whole process); "
            "time ratios above differ from instruction ratios because instructions per cycle differ.")
    else:
        add("Not measured: valgrind (callgrind) is not installed or a run failed.")
    add("")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo")
    parser.add_argument("--shared")
    parser.add_argument("--build", help="the benchmark build directory")
    parser.add_argument("--bench-bin", help="where the C++ programs were built")
    parser.add_argument("--cli", help="the masterpro command-line binary")
    parser.add_argument("--python", help="the peers' venv Python")
    parser.add_argument("--python-json-logic", help="json-logic's own venv")
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--budget", type=float, default=8.0)
    parser.add_argument("--welder-n", type=int, default=20000)
    parser.add_argument("--stream-n", type=int, default=1000000)
    parser.add_argument("--inprocess-n", type=int, default=5000)
    parser.add_argument("--profile-n", type=int, default=1000,
                        help="records profiled with callgrind (0: none)")
    parser.add_argument("--load-iterations", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="process runs; the best counts")
    parser.add_argument("--out", required=True)
    parser.add_argument("--command", default="bash benchmarks/run.sh")
    parser.add_argument("--render", metavar="RESULTS_JSON",
                        help="only rewrite --out from the results.json of an earlier run")
    opts = parser.parse_args()
    if not opts.render:
        missing = [a for a in ("repo", "shared", "build", "bench_bin", "cli", "python",
                               "python_json_logic") if getattr(opts, a) is None]
        if missing:
            parser.error("missing " + ", ".join("--" + m.replace("_", "-") for m in missing))
    if opts.render:
        with open(opts.render) as f:
            saved = json.load(f)
        opts.__dict__.update({k: v for k, v in saved["options"].items() if k != "out"})
        floor = next(r for r in saved["rows"] if r["key"] == "floor")
        text = write_results(opts, saved["rows"], floor, saved.get("shared_floor"),
                             saved["welder"], saved["targets"], saved["machine"],
                             datetime.datetime.fromisoformat(saved["started"]),
                             datetime.datetime.fromisoformat(saved["finished"]))
        with open(opts.out, "w") as f:
            f.write(text)
        return

    started = datetime.datetime.utcnow()
    info = machine()
    info["load_before"] = loadavg()
    info["revision"] = revision(opts.repo)
    status = Status(os.path.join(opts.build, "status"))
    opts.data = os.path.join(opts.build, "data")
    os.makedirs(os.path.join(opts.data, "rules"), exist_ok=True)
    opts.welder_rules = os.path.join(opts.repo, "rules", "qualifications", "LT-AMK-WELD-001.json")

    shared_bench = os.path.join(opts.shared, "bench")
    for f in ("gen_workload.py", "rule_jsonlogic.py", "rule.zen.txt", "rule.cel.txt"):
        if not os.path.exists(os.path.join(shared_bench, f)):
            sys.exit(f"bench: {os.path.join(shared_bench, f)} is missing: the peer workload "
                     "lives in ../shared/bench beside the repository (set MASTERPRO_SHARED)")
    opts.workload = os.path.join(opts.data, "workload.jsonl")
    log(f"generating the peer workload ({opts.n} records, seed {opts.seed}) ...")
    with open(opts.workload, "w") as f:
        subprocess.run([sys.executable, os.path.join(shared_bench, "gen_workload.py"),
                        str(opts.n), str(opts.seed)], stdout=f, check=True)
    with open(os.path.join(opts.data, "rules", "rule.json"), "w") as f:
        subprocess.run([sys.executable, os.path.join(shared_bench, "rule_jsonlogic.py")],
                       stdout=f, check=True)
    for f in ("rule.zen.txt", "rule.cel.txt"):
        shutil.copy(os.path.join(shared_bench, f), os.path.join(opts.data, "rules", f))

    rows, floor = run_peers(opts, status)
    shared = shared_floor_reference(opts)
    w = run_welder(opts, status)
    targets = compute_targets(rows, floor, w)
    info["load_after"] = loadavg()
    finished = datetime.datetime.utcnow()

    text = write_results(opts, rows, floor, shared, w, targets, info, started, finished)
    with open(opts.out, "w") as f:
        f.write(text)
    with open(os.path.join(opts.build, "results.json"), "w") as f:
        options = {k: getattr(opts, k) for k in ("n", "seed", "budget", "runs", "command")}
        json.dump({"options": options, "rows": rows, "shared_floor": shared, "welder": w,
                   "targets": targets, "machine": info, "started": started.isoformat(),
                   "finished": finished.isoformat()}, f, indent=1)
    print(text)
    log(f"wrote {opts.out} ({(finished - started).total_seconds():.0f} s)")


if __name__ == "__main__":
    main()
