"""cel-python (CEL in pure Python): shared/bench/rule.cel.txt with the compiled runner."""
import celpy

ENGINE = "cel-python (CEL)"
PACKAGES = ["cel-python"]
NOTE = "Environment(runner_class=CompiledRunner); program.evaluate(json_to_cel(dict))"

_program = None


def setup(rules) -> None:
    global _program
    env = celpy.Environment(runner_class=celpy.CompiledRunner)
    _program = env.program(env.compile(rules.cel))


def from_dict(record: dict):
    # CEL values are typed: the dict is converted per record, as an application would have to.
    return _program.evaluate(celpy.json_to_cel(record))
