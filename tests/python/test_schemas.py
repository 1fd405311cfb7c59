"""The JSON Schemas in rules/schema accept rule files and candidate records, and catch mistakes."""

import copy
import json
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parents[2]
SCHEMA_DIR = REPO / "rules" / "schema"
RULE_FILES = sorted((REPO / "rules" / "qualifications").glob("*.json"))
WELDER = REPO / "rules" / "qualifications" / "LT-AMK-WELD-001.json"
SHARED_SPEC = REPO.parent / "shared" / "spec" / "master-welder"


def _validator(name):
    schema = json.loads((SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


QUALIFICATION = _validator("qualification")
CANDIDATE = _validator("candidate")


def _pointer(path):
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _problems(validator, instance):
    """Every violation as 'pointer: message', in a stable order."""
    errors = validator.iter_errors(instance)
    return sorted(f"{_pointer(e.absolute_path)}: {e.message}" for e in errors)


def _reported_at(validator, instance):
    """Pointers of every violation, including those inside oneOf alternatives."""
    pending = list(validator.iter_errors(instance))
    pointers = set()
    while pending:
        e = pending.pop()
        pointers.add(_pointer(e.absolute_path))
        pending.extend(e.context or [])
    return pointers


def _lines(path):
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _records(candidates, expected=None):
    """(line number, record) for each record that its expected file does not mark as an error."""
    outcomes = None
    if expected is not None and expected.exists():
        outcomes = [json.loads(line) for line in _lines(expected)]
    lines = _lines(candidates)
    for number, line in enumerate(lines, start=1):
        if outcomes is not None and outcomes[number - 1].get("error"):
            continue
        yield number, json.loads(line)


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_file_conforms(path):
    assert _problems(QUALIFICATION, json.loads(path.read_text(encoding="utf-8"))) == []


def test_welder_rule_file_is_present():
    assert WELDER in RULE_FILES


def test_example_candidates_conform():
    files = sorted((REPO / "rules" / "examples").glob("**/candidates.jsonl"))
    if not files:
        pytest.skip("no rules/examples/**/candidates.jsonl yet")
    for path in files:
        for number, record in _records(path, path.with_name("expected.jsonl")):
            assert _problems(CANDIDATE, record) == [], f"{path}:{number}"


def test_shared_spec_candidates_conform():
    if not (SHARED_SPEC / "candidates.jsonl").exists():
        pytest.skip(f"{SHARED_SPEC} is absent (the shared spec lives beside the repository)")
    records = list(_records(SHARED_SPEC / "candidates.jsonl", SHARED_SPEC / "expected.jsonl"))
    assert records
    for number, record in records:
        assert _problems(CANDIDATE, record) == [], f"candidates.jsonl:{number}"


def _welder():
    return json.loads(WELDER.read_text(encoding="utf-8"))


def _get(document, pointer):
    for token in pointer.split("/")[1:]:
        document = document[int(token) if isinstance(document, list) else token]
    return document


def _set(pointer, value):
    """A change that sets the value at `pointer` (appending when the index is the list's length)."""
    parent, _, key = pointer.rpartition("/")

    def change(document):
        container = _get(document, parent)
        if isinstance(container, list) and int(key) == len(container):
            container.append(copy.deepcopy(value))
        else:
            container[int(key) if isinstance(container, list) else key] = copy.deepcopy(value)

    return change


def _drop(pointer):
    parent, _, key = pointer.rpartition("/")
    return lambda document: _get(document, parent).pop(key)


M1 = "/levels/0/requires/all_of"
R4 = "/competence_standard/sequence/0/all_of/0"
R7 = "/competence_standard/sequence/0/all_of/1"
R8 = "/competence_standard/sequence/0/all_of/2"

# name: (where the schema must report it, the change)
RULE_MISTAKES = {
    "unknown top-level key": ("", _set("/owner", "x")),
    "wrong format": ("/format", _set("/format", "masterpro.qualification/2")),
    "missing levels": ("", _drop("/levels")),
    "ltqf out of range": ("/levels/1/ltqf", _set("/levels/1/ltqf", 9)),
    "two kinds in one requirement": (f"{M1}/1", _set(f"{M1}/1/experience", {"min_years": 1})),
    "no kind": (f"{M1}/0", _drop(f"{M1}/0/experience")),
    "at_least without of": (f"{M1}/2", _drop(f"{M1}/2/of")),
    "unknown key in a requirement": (f"{M1}/2/of/0", _set(f"{M1}/2/of/0/weight", 2)),
    "fractional count": (f"{R4}/evidence/min_items", _set(f"{R4}/evidence/min_items", 1.5)),
    "agreement with parameters": (f"{R8}/agreement", _set(f"{R8}/agreement/min_scorers", 2)),
    "unknown agreed score": (
        "/assessment/agreement/agreed_score",
        _set("/assessment/agreement/agreed_score", "median"),
    ),
    "direct not boolean": ("/evidence_types/0/direct", _set("/evidence_types/0/direct", "yes")),
    "no criteria": ("/competences/0/criteria", _set("/competences/0/criteria", [])),
    "duplicate role": ("/experience_roles", _set("/experience_roles/3", "welding")),
    "empty expression": ("/assessment/valid_assessor", _set("/assessment/valid_assessor", "")),
}


@pytest.mark.parametrize("mistake", sorted(RULE_MISTAKES))
def test_qualification_schema_catches(mistake):
    pointer, change = RULE_MISTAKES[mistake]
    rule = _welder()
    change(rule)
    assert pointer in _reported_at(QUALIFICATION, rule), _problems(QUALIFICATION, rule)


def test_expressions_may_be_jsonlogic_and_parameters_expressions():
    rule = _welder()
    for change in (
        _set("/assessment/valid_assessor", {"var": "trained"}),
        _set(f"{R7}/panel/min_size", {"var": "level.panel_size"}),
        _set(f"{M1}/3", {"id": "R10", "min_total": 3, "of": [{"competence": "C5", "weight": 2}]}),
        _set(f"{M1}/4", {"when": "true", "then": {"credential": {"types": ["iw"]}}}),
        _set(f"{M1}/4/then/credential/max_age_years", "level.credential_age"),
    ):
        change(rule)
    assert _problems(QUALIFICATION, rule) == []


def _record():
    return {
        "id": "P0001",
        "as_of": "2026-06-30",
        "employer": "ORG-17",
        "experience": [{"from": "2012-03-01", "to": "2020-12-31", "fte": 1.0, "role": "welding"}],
        "evidence": [
            {
                "id": "EV1",
                "type": "work_sample",
                "date": "2024-05-02",
                "covers": ["C1.1"],
                "observed": False,
            }
        ],
        "assessors": [{"id": "AS-4", "held_level": None, "relations": [{"kind": "line_manager"}]}],
        "assessments": [{"assessor": "AS-4", "competence": "C2", "scores": {"C2.1": 3}}],
        "credentials": [{"type": "iw", "issued": "2020-01-01", "valid_until": "2030-01-01"}],
        "future_field": {"any": ["thing"]},
    }


# name: (where the schema must report it, the change)
RECORD_MISTAKES = {
    "missing id": ("", _drop("/id")),
    "bad date": ("/as_of", _set("/as_of", "2026-6-30")),
    "fte zero": ("/experience/0/fte", _set("/experience/0/fte", 0)),
    "fte above one": ("/experience/0/fte", _set("/experience/0/fte", 1.2)),
    "fractional score": ("/assessments/0/scores/C2.1", _set("/assessments/0/scores/C2.1", 2.5)),
    "flag not boolean": ("/evidence/0/observed", _set("/evidence/0/observed", "yes")),
    "held level a number": ("/assessors/0/held_level", _set("/assessors/0/held_level", 2)),
    "assessor without id": ("/assessors/0", _drop("/assessors/0/id")),
    "covers not a list": ("/evidence/0/covers", _set("/evidence/0/covers", "C1.1")),
}


def test_record_example_conforms():
    assert _problems(CANDIDATE, _record()) == []


@pytest.mark.parametrize("mistake", sorted(RECORD_MISTAKES))
def test_candidate_schema_catches(mistake):
    pointer, change = RECORD_MISTAKES[mistake]
    record = _record()
    change(record)
    assert pointer in _reported_at(CANDIDATE, record), _problems(CANDIDATE, record)


def test_candidate_schema_names_no_qualification_vocabulary():
    # Roles, evidence types and competence ids belong to rule files; the loader checks them.
    text = (SCHEMA_DIR / "candidate.schema.json").read_text(encoding="utf-8")
    for word in ("welding", "coordination", "work_sample", "observation", '"C1', '"M1"', "enum"):
        assert word not in text


def test_schemas_are_draft04_with_enums_for_constants():
    # RapidJSON validates draft-04 only and ignores `const`.
    for path in SCHEMA_DIR.glob("*.schema.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
        assert '"const"' not in path.read_text(encoding="utf-8")
