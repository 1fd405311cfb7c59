"""rule-engine (zeroSteiner): the award rule translated into rule-engine's language."""
import rule_engine

ENGINE = "rule-engine"
PACKAGES = ["rule-engine"]
NOTE = "Rule(translated expression).matches(dict); comprehensions stand in for filter/some"

MANDATORY = ["C1", "C2", "C3", "C4"]
ELECTIVES = ["E1", "E2", "E3", "E4"]

_rule = None


def expression() -> str:
    """The rule of shared/bench/README.md in rule-engine syntax: array comprehensions filter
    the assessments and evidence, `.length` counts them."""
    parts = ["experience_years >= 5"]
    for c in MANDATORY:
        parts.append(f"[a for a in assessments if a['competence'] == '{c}' and a['score'] >= 3"
                     f" and a['independent'] == true].length >= 2")
        parts.append(f"[e for e in evidence if e['competence'] == '{c}' and e['verified'] == true"
                     f" and e['age_days'] <= 1826].length > 0")
    electives = " + ".join(
        f"([a for a in assessments if a['competence'] == '{e}' and a['score'] >= 3].length > 0"
        f" ? 1 : 0)" for e in ELECTIVES)
    parts.append(f"({electives}) >= 2")
    return " and ".join(parts)


def setup(rules) -> None:
    global _rule
    _rule = rule_engine.Rule(expression())


def from_dict(record: dict) -> bool:
    return _rule.matches(record)
