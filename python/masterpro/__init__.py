"""masterpro from Python: load a qualification's rules once, then decide candidates.

    >>> import masterpro
    >>> rules = masterpro.RuleSet("rules/qualifications/LT-AMK-WELD-001.json")
    >>> decision = rules.evaluate({"id": "P1", "as_of": "2026-06-30"})
    >>> decision.outcome
    'not_awarded'

See docs/python.md for the whole API.
"""

from ._analysis import to_dataframe
from ._masterpro import (
    CandidateDataError,
    CandidateError,
    DataError,
    Decision,
    DecisionStream,
    Error,
    JsonLogicRule,
    Limits,
    RuleFileError,
    RuleSet,
    __version__,
    jsonlogic_apply,
)

__all__ = [
    "CandidateDataError",
    "CandidateError",
    "DataError",
    "Decision",
    "DecisionStream",
    "Error",
    "JsonLogicRule",
    "Limits",
    "RuleFileError",
    "RuleSet",
    "__version__",
    "jsonlogic_apply",
    "to_dataframe",
]
