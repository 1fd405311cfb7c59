#!/usr/bin/env python3
"""Deterministic Master Welder candidate population (JSON lines) for the end-to-end benchmark.

Usage: gen_welder_population.py N [SEED] [--as-of YYYY-MM-DD]

Every record keeps the candidate contract of shared/spec/master-welder.md (valid dates, fte in
(0, 1], known competences, criteria of the assessed competence, whole scores 0-4, unique assessor
ids, assessments only by listed assessors), so each one gets a decision, never an error. The mix
is varied on purpose: M2 and M1 awards, partial awards and refusals, insufficient evidence, stale
or unauthenticated items, related or untrained assessors, disagreeing panels, re-assessments.
Records are about 2-4 KB, like real dossiers with a few assessors and a dozen or more assessments.
"""
import argparse
import datetime
import json
import random
import sys

CRITERIA = {
    "C1": ["C1.1", "C1.2"],
    "C2": ["C2.1", "C2.2", "C2.3"],
    "C3": ["C3.1", "C3.2"],
    "C4": ["C4.1", "C4.2"],
    "C5": ["C5.1", "C5.2"],
    "C6": ["C6.1", "C6.2"],
    "C7": ["C7.1", "C7.2"],
    "C8": ["C8.1", "C8.2"],
}
MANDATORY = ["C1", "C2", "C3", "C4"]
OPTIONAL = ["C5", "C6", "C7", "C8"]
DIRECT = ["observation", "practical_task", "work_sample"]
INDIRECT = ["employer_attestation", "third_party_report", "certificate", "logbook", "cv",
            "job_description"]
RELATIONS = ["line_manager", "colleague", "trainer", "relative"]


def day(d: datetime.date) -> str:
    return d.isoformat()


def experience(rng: random.Random, as_of: datetime.date, prepared: bool) -> list:
    """One to four consecutive jobs ending now or a little before; some spans are long ago."""
    jobs = []
    years = (6, 20) if prepared else (2, 16)
    start = as_of - datetime.timedelta(days=rng.randrange(years[0] * 365, years[1] * 365))
    for k in range(rng.choice([1, 2, 2, 3, 3, 4])):
        length = rng.randrange(200, (10 if prepared else 7) * 365)
        end = start + datetime.timedelta(days=length)
        role = rng.choice(["welding", "welding", "welding", "coordination", "other"])
        job = {"from": day(start), "fte": rng.choice([1.0, 1.0, 1.0, 0.8, 0.6, 0.5]), "role": role}
        if end >= as_of or rng.random() < 0.15:
            if k > 0 and rng.random() < 0.5:
                job["role"] = "coordination"  # the latest job is often a coordinating one
            jobs.append(job)  # ongoing
            break
        job["to"] = day(end)
        jobs.append(job)
        start = end + datetime.timedelta(days=rng.randrange(1, 120))
        if start >= as_of:
            break
    return jobs


def evidence(rng: random.Random, as_of: datetime.date, comps: list, prepared: bool) -> list:
    """Items covering the competences attempted; a few stale, some unauthenticated. A prepared
    dossier also holds a recent observation and an attestation covering every criterion."""
    criteria = [k for c in comps for k in CRITERIA[c]]
    items = []
    if prepared:
        recent = as_of - datetime.timedelta(days=rng.randrange(30, 2 * 365))
        items.append({"id": "EV-OBS", "type": rng.choice(["observation", "practical_task"]),
                      "date": day(recent), "covers": criteria, "identity_verified": True})
        items.append({"id": "EV-ATT", "type": "employer_attestation",
                      "date": day(recent - datetime.timedelta(days=rng.randrange(0, 365))),
                      "covers": criteria})
    for i in range(rng.randrange(1, 5)):
        kind = rng.choice(DIRECT + DIRECT + INDIRECT)
        age = rng.randrange(0, 4 * 365) if rng.random() < 0.85 else rng.randrange(4 * 365, 8 * 365)
        k = rng.randrange(min(3, len(criteria)), len(criteria) + 1)
        covered = sorted(rng.sample(criteria, k))
        item = {"id": f"EV{i + 1}", "type": kind, "date": day(as_of - datetime.timedelta(days=age)),
                "covers": covered}
        if kind == "work_sample":
            item["supervisor_attested"] = rng.random() < 0.8
            item["observed"] = rng.random() < 0.3
        elif kind == "practical_task":
            item["identity_verified"] = rng.random() < 0.85
        items.append(item)
    return items


def assessors(rng: random.Random, as_of: datetime.date, employer: str, prepared: bool) -> list:
    """A panel of two to four, mostly trained and independent, some not. A prepared dossier's
    panel starts with two or three qualified, trained, independent industry assessors."""
    panel = []
    for i in range(rng.choice([2, 3, 3]) if prepared else 0):
        panel.append({"id": f"AS-{rng.randrange(100, 999)}-Q{i}",
                      "employer": f"ORG-{rng.randrange(400, 800)}", "industry": True,
                      "held_level": "M2", "sector_years": rng.randrange(10, 35), "trained": True,
                      "relations": []})
    for i in range(rng.choice([0, 1, 1, 2]) if prepared else rng.choice([2, 3, 3, 4])):
        relations = []
        if rng.random() < 0.15:
            rel = {"kind": rng.choice(RELATIONS)}
            if rng.random() < 0.7:
                rel["until"] = day(as_of - datetime.timedelta(days=rng.randrange(0, 10 * 365)))
            relations.append(rel)
        panel.append({
            "id": f"AS-{rng.randrange(100, 999)}-{i}",
            "employer": employer if rng.random() < 0.2 else f"ORG-{rng.randrange(1, 400)}",
            "industry": rng.random() < 0.7,
            "held_level": rng.choice(["M2", "M2", "M1", None]),
            "sector_years": rng.randrange(0, 35),
            "trained": rng.random() < 0.9,
            "relations": relations,
        })
    return panel


def assessments(rng: random.Random, as_of: datetime.date, comps: list, panel: list,
                prepared: bool) -> list:
    """Each competence scored by most of the panel, around a candidate-specific true level."""
    out = []
    for c in comps:
        truth = rng.choice([2, 3, 3, 4, 4, 4, 4] if prepared else [2, 2, 3, 3, 4])
        # Assessors mostly agree within one point; some panels disagree and need moderation.
        offsets = [-1, 1] if rng.random() < 0.06 else [0, rng.choice([-1, 1])]
        for a in panel:
            if rng.random() < 0.1:
                continue
            when = as_of - datetime.timedelta(days=rng.randrange(1, 400))
            scores = {k: max(0, min(4, truth + (rng.choice(offsets) if rng.random() < 0.3 else 0)))
                      for k in CRITERIA[c]}
            out.append({"assessor": a["id"], "competence": c, "date": day(when), "scores": scores})
            if rng.random() < 0.05:  # a later re-assessment by the same assessor
                again = when + datetime.timedelta(days=rng.randrange(1, 60))
                out.append({"assessor": a["id"], "competence": c, "date": day(min(again, as_of)),
                            "scores": {k: min(4, v + 1) for k, v in scores.items()}})
    return out


def candidate(rng: random.Random, i: int, as_of: datetime.date) -> dict:
    employer = f"ORG-{rng.randrange(1, 400)}"
    comps = MANDATORY + [c for c in OPTIONAL if rng.random() < 0.6]
    prepared = rng.random() < 0.5
    record = {"id": f"MW-{i:07d}", "as_of": day(as_of), "employer": employer}
    if rng.random() < 0.97:  # a few records lack experience: R1 is then insufficient
        record["experience"] = experience(rng, as_of, prepared)
    record["evidence"] = evidence(rng, as_of, comps, prepared)
    panel = assessors(rng, as_of, employer, prepared)
    record["assessors"] = panel
    record["assessments"] = assessments(rng, as_of, comps, panel, prepared)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of records")
    parser.add_argument("seed", type=int, nargs="?", default=7)
    parser.add_argument("--as-of", default="2026-06-30", help="decision date of every record")
    parser.add_argument("--distinct", type=int, default=0, metavar="K",
                        help="generate K distinct records, then repeat them under new ids "
                             "(fast enough for millions of lines)")
    opts = parser.parse_args()
    as_of = datetime.date.fromisoformat(opts.as_of)
    rng = random.Random(opts.seed)
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    distinct = opts.distinct if 0 < opts.distinct < opts.n else opts.n
    pool = []
    out = sys.stdout
    chunk = []
    for i in range(opts.n):
        if i < distinct:
            line = dumps(candidate(rng, i, as_of))
            if distinct < opts.n:
                pool.append(line)
        else:
            # The id is the first member, "MW-" and 7 digits: swap it, keep the rest.
            line = f'{{"id":"MW-{i:07d}"' + pool[i % distinct][len('{"id":"MW-0000000"'):]
        chunk.append(line)
        if len(chunk) == 1000:
            out.write("\n".join(chunk) + "\n")
            chunk.clear()
    if chunk:
        out.write("\n".join(chunk) + "\n")


if __name__ == "__main__":
    main()
