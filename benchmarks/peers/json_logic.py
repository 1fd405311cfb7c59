"""json-logic (the PyPI package of that name): the shared JsonLogic rule, interpreted."""
import json_logic

ENGINE = "json-logic"
PACKAGES = ["json-logic"]
NOTE = "jsonLogic(rule, dict)"

_rule = None


def setup(rules) -> None:
    global _rule
    _rule = rules.jsonlogic
    json_logic.jsonLogic({"==": [1, 1]})  # fails at once where the package is broken


def from_dict(record: dict):
    return json_logic.jsonLogic(_rule, record)
