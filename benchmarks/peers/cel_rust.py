"""common-expression-language (CEL in Rust, PyO3): shared/bench/rule.cel.txt, compiled once."""
import cel

ENGINE = "common-expression-language (CEL)"
PACKAGES = ["common-expression-language"]
NOTE = "cel.compile(rule.cel.txt); Program.execute(dict)"

_program = None


def setup(rules) -> None:
    global _program
    _program = cel.compile(rules.cel)


def from_dict(record: dict):
    return _program.execute(record)
