"""datalogic-py (Rust JsonLogic engine): the shared JsonLogic rule, compiled once."""
import datalogic_py

ENGINE = "datalogic-py"
PACKAGES = ["datalogic-py"]
NOTE = "Engine().compile(rule); Rule.evaluate(dict) and Rule.evaluate(JSON text)"

_rule = None


def setup(rules) -> None:
    global _rule
    _rule = datalogic_py.Engine().compile(rules.jsonlogic)


def from_dict(record: dict):
    return _rule.evaluate(record)


def from_line(line: str):
    return _rule.evaluate(line)  # a str is JSON text to datalogic-py, parsed in Rust
