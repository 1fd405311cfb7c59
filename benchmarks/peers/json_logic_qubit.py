"""json-logic-qubit, standing in for json-logic (Python 2 code that fails on Python 3): the
same module name and API, ported to Python 3 and extended with map/filter/reduce/all/some."""
import json_logic

ENGINE = "json-logic-qubit (for json-logic)"
PACKAGES = ["json-logic-qubit"]
NOTE = "jsonLogic(rule, dict); substitute for json-logic, which is broken on Python 3"

_rule = None


def setup(rules) -> None:
    global _rule
    _rule = rules.jsonlogic


def from_dict(record: dict):
    return json_logic.jsonLogic(_rule, record)
