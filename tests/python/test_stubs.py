"""The shipped stubs (_masterpro.pyi) describe the compiled module exactly: the same public names,
the same members of each class, of the same kind (property, static method, method), with the
same parameter names and the same parameters having defaults; and the package's __all__ is what
it exports."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

import masterpro
from masterpro import _masterpro

STUB = Path(masterpro.__file__).with_name("_masterpro.pyi")
CHECKED_DUNDERS = {"__init__", "__getstate__", "__setstate__"}
EXCEPTIONS = {"Error", "RuleFileError", "CandidateDataError"}


def stub_module() -> ast.Module:
    return ast.parse(STUB.read_text(encoding="utf-8"))


def stub_top_level() -> Dict[str, ast.AST]:
    names: Dict[str, ast.AST] = {}
    for node in stub_module().body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and not target.id.startswith("_"):
                    names[target.id] = node
    return names


def checked(name: str) -> bool:
    return not name.startswith("_") or name in CHECKED_DUNDERS or name == "_repr_html_"


Signature = Tuple[str, List[str], int]  # kind, parameter names, how many have defaults


def stub_members(cls: ast.ClassDef) -> Dict[str, Signature]:
    members: Dict[str, Signature] = {}
    for node in cls.body:
        if isinstance(node, ast.FunctionDef) and checked(node.name):
            decorators = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
            kind = "property" if "property" in decorators else "static" if "staticmethod" in decorators else "method"
            names = [a.arg for a in node.args.args]
            if node.args.kwonlyargs:  # keyword-only parameters follow a bare `*`, as pybind11 writes them
                names += ["*"] + [a.arg for a in node.args.kwonlyargs]
            defaults = len(node.args.defaults) + sum(d is not None for d in node.args.kw_defaults)
            members[node.name] = (kind, names, defaults)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            members[node.target.id] = ("attribute", [], 0)
    return members


def split_top_level(text: str) -> List[str]:
    parts, depth, current = [], 0, ""
    for ch in text:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    return parts + [current] if current.strip() else parts


def runtime_signature(name: str, function: object) -> Tuple[List[str], int]:
    """Parameter names and the number with defaults, from pybind11's signature line."""
    doc = (function.__doc__ or "").strip()
    match = re.match(rf"{re.escape(name)}\((.*?)\) ->", doc, re.S)
    assert match, f"{name}: no signature in {doc[:80]!r}"
    params = [p.strip() for p in split_top_level(match.group(1))]
    names = [p.split(":")[0].split("=")[0].strip() for p in params]
    return [n for n in names if n != "/"], sum("=" in p for p in params)


def runtime_members(cls: type) -> Dict[str, Signature]:
    members: Dict[str, Signature] = {}
    for name, value in vars(cls).items():
        if not checked(name) or (name == "__init__" and not (value.__doc__ or "").startswith("__init__(")):
            continue  # object's own __init__: the class has no Python constructor
        if isinstance(value, property):
            members[name] = ("property", ["self"], 0)
        elif isinstance(value, staticmethod):
            members[name] = ("static", *runtime_signature(name, value.__func__))
        elif name == "__getstate__" or name == "__setstate__" or callable(value):
            members[name] = ("method", *runtime_signature(name, value))
    return members


def test_every_public_name_of_the_module_is_in_the_stub_and_vice_versa() -> None:
    runtime = {n for n in dir(_masterpro) if not n.startswith("_")} | {"__version__"}
    assert set(stub_top_level()) == runtime


@pytest.mark.parametrize("name", sorted({n for n, node in stub_top_level().items()
                                         if isinstance(node, ast.ClassDef)} - EXCEPTIONS))
def test_each_class_has_the_members_of_its_stub(name: str) -> None:
    stub = stub_members(next(n for n in stub_module().body if isinstance(n, ast.ClassDef) and n.name == name))
    runtime = runtime_members(getattr(_masterpro, name))
    # A property's stub is `def name(self)`: compare kinds only.
    stub = {k: (v[0], ["self"], 0) if v[0] == "property" else v for k, v in stub.items()}
    assert stub == runtime


def test_exception_attributes_match_the_stub(welder: masterpro.RuleSet) -> None:
    stubs = {n.name: n for n in stub_module().body if isinstance(n, ast.ClassDef) and n.name in EXCEPTIONS}
    assert set(stubs) == EXCEPTIONS
    for name, stub in stubs.items():
        bases = [b.id for b in stub.bases if isinstance(b, ast.Name)]
        assert bases == [b.__name__ for b in getattr(_masterpro, name).__bases__]
    with pytest.raises(masterpro.RuleFileError) as rule_error:
        masterpro.RuleSet.from_json("{")
    with pytest.raises(masterpro.CandidateDataError) as data_error:
        welder.evaluate("{")
    for caught in (rule_error.value, data_error.value):
        stub = stubs[type(caught).__name__]
        attributes = {n.target.id for n in stub.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)}
        assert attributes == set(vars(caught))


def test_the_package_exports_what_it_declares() -> None:
    module = type(masterpro)
    public = {n for n in dir(masterpro) if not n.startswith("_") and not isinstance(getattr(masterpro, n), module)}
    assert set(masterpro.__all__) == public | {"__version__"}
