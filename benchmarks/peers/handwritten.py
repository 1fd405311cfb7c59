"""Hand-written Python for the peer award rule, over the record as a dict: the Python floor."""

ENGINE = "hand-written Python"
PACKAGES = []
NOTE = "plain Python over the dict from json.loads"

MANDATORY = ("C1", "C2", "C3", "C4")
ELECTIVES = ("E1", "E2", "E3", "E4")


def setup(rules) -> None:
    pass  # the rule is the code below


def from_dict(c: dict) -> bool:
    if not c["experience_years"] >= 5:
        return False
    assessments, evidence = c["assessments"], c["evidence"]
    for m in MANDATORY:
        passing = sum(1 for a in assessments
                      if a["competence"] == m and a["score"] >= 3 and a["independent"] is True)
        if passing < 2:
            return False
        if not any(e["competence"] == m and e["verified"] is True and e["age_days"] <= 1826
                   for e in evidence):
            return False
    held = sum(1 for e in ELECTIVES
               if any(a["competence"] == e and a["score"] >= 3 for a in assessments))
    return held >= 2
