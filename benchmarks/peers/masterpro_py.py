"""masterpro from Python: the shared JsonLogic rule compiled once with masterpro.JsonLogicRule."""
import json

try:
    import masterpro
except ImportError as e:  # the package did not build or install: reported, not fatal
    masterpro = None
    _import_error = f"{type(e).__name__}: {e}"

ENGINE = "masterpro Python (bindings)"
PACKAGES = ["masterpro"]
NOTE = "JsonLogicRule(rule).apply(dict); from a line: json.loads + apply, or the JSON-text method"

_apply = None
_apply_text = None



def setup(rules) -> None:
    global _apply, _apply_text, NOTE
    if masterpro is None:
        raise Unavailable(f"masterpro does not import: {_import_error}")  # noqa: F821
    if not hasattr(masterpro, "JsonLogicRule"):
        raise Unavailable("not available yet: masterpro.JsonLogicRule is missing")  # noqa: F821
    try:
        rule = masterpro.JsonLogicRule(rules.jsonlogic)
    except TypeError:  # a binding that takes the rule as JSON text only
        rule = masterpro.JsonLogicRule(rules.jsonlogic_text)
    _apply = rule.apply
    # A method taking JSON text skips json.loads and the dict conversion; use it if there is one.
    for name in ("apply_json", "truthy_json"):
        if hasattr(rule, name):
            _apply_text = getattr(rule, name)
            NOTE = f"JsonLogicRule(rule).apply(dict); from a line: JsonLogicRule.{name}(text)"
            break


# The binding returns the rule's result as a Python value, as the other peers do; the runner
# takes its truthiness (bool()) for every peer alike.
def from_dict(record: dict):
    return _apply(record)


def from_line(line: str):
    if _apply_text is not None:
        return _apply_text(line)
    return _apply(json.loads(line))
