"""A seeded synthetic cohort of Master Welder candidate records (the contract of
../shared/spec/master-welder.md), varied enough that every outcome and status occurs; about one
record in a hundred breaks the contract. Used by the thread tests and benchmarks/python_threads.py."""

from __future__ import annotations

import datetime
import random
from typing import Any, Dict, Iterator, List

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
EVIDENCE_TYPES = ["observation", "practical_task", "work_sample", "employer_attestation",
                  "third_party_report", "certificate", "logbook", "cv", "job_description"]
AS_OF = datetime.date(2026, 6, 30)


def _day(rng: random.Random, years_back_min: float, years_back_max: float) -> str:
    days = rng.randint(int(years_back_min * 365), int(years_back_max * 365))
    return (AS_OF - datetime.timedelta(days=days)).isoformat()


def candidate(rng: random.Random, i: int) -> Dict[str, Any]:
    """One record; `rng` decides everything."""
    employer = f"ORG-{rng.randrange(30)}"
    record: Dict[str, Any] = {"id": f"W{i:06d}", "as_of": AS_OF.isoformat(), "employer": employer}
    if rng.random() > 0.04:
        experience: List[Dict[str, Any]] = []
        start = rng.uniform(4, 20)
        switch = rng.uniform(0, start)
        experience.append({"from": _day(rng, start, start), "to": _day(rng, switch, switch),
                           "fte": rng.choice([0.5, 0.8, 1.0, 1.0]), "role": "welding"})
        if rng.random() < 0.7:
            experience.append({"from": _day(rng, switch, switch), "fte": rng.choice([0.6, 0.9, 1.0]),
                               "role": rng.choice(["coordination", "coordination", "welding", "other"])})
        record["experience"] = experience
    ability = rng.uniform(2.2, 4.4)
    assessors = []
    for a in range(rng.choice([2, 3, 4, 4, 4, 4])):
        relations = []
        if rng.random() < 0.1:
            relations.append({"kind": "line_manager", "until": _day(rng, 0, 8)})
        assessors.append({
            "id": f"AS-{i}-{a}",
            "employer": employer if rng.random() < 0.1 else f"ORG-{rng.randrange(30, 60)}",
            "industry": rng.random() < 0.8,
            "held_level": rng.choice(["M1", "M2", "M2", "M2", None]),
            "sector_years": rng.randrange(4, 25),
            "trained": rng.random() < 0.95,
            "relations": relations,
        })
    evidence, assessments = [], []
    for c, criteria in CRITERIA.items():
        if rng.random() > (0.98 if c in ("C1", "C2", "C3", "C4") else 0.55):
            continue
        for k in range(rng.choice([2, 3, 3, 3, 3, 1])):
            # Mostly a recent direct item first, then older indirect ones.
            direct = k == 0 and rng.random() < 0.95
            kind = rng.choice(EVIDENCE_TYPES[:3] if direct else EVIDENCE_TYPES[3:])
            item: Dict[str, Any] = {"id": f"EV-{c}-{k}", "type": kind,
                                    "date": _day(rng, 0, 3.2 if direct else 5.2),
                                    "covers": criteria if rng.random() < 0.93 else criteria[:1]}
            if kind == "work_sample":
                item["supervisor_attested"] = rng.random() < 0.9
            if kind == "practical_task":
                item["identity_verified"] = rng.random() < 0.92
            evidence.append(item)
        for a in assessors:
            if rng.random() < 0.9:
                scores = {k: max(0, min(4, round(ability + rng.gauss(0, 0.35)))) for k in criteria}
                assessments.append({"assessor": a["id"], "competence": c, "date": _day(rng, 0, 1),
                                    "scores": scores})
    record.update(assessors=assessors, evidence=evidence, assessments=assessments)
    if rng.random() < 0.01:  # a record that breaks the contract
        fault = rng.randrange(3)
        if fault == 0 and "experience" in record:
            record["experience"][0]["to"] = "1999-01-01"
        elif fault == 1 and assessments:
            first = assessments[0]["scores"]
            first[next(iter(first))] = 5
        else:
            del record["id"]
    return record


def cohort(n: int, seed: int = 2026) -> Iterator[Dict[str, Any]]:
    """`n` records, the same for the same seed."""
    rng = random.Random(seed)
    for i in range(n):
        yield candidate(rng, i)
