"""zen-engine (GoRules, Rust): the ZEN expression of shared/bench/rule.zen.txt, compiled once."""
import zen

ENGINE = "zen-engine"
PACKAGES = ["zen-engine"]
NOTE = "compile_expression(rule.zen.txt); Expression.evaluate(dict) and evaluate(JSON text)"

_expression = None


def setup(rules) -> None:
    global _expression
    _expression = zen.compile_expression(rules.zen)


def from_dict(record: dict):
    return _expression.evaluate(record)


def from_line(line: str):
    return _expression.evaluate(line)  # ZenContext accepts JSON text, parsed in Rust
