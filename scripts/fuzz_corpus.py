#!/usr/bin/env python3
"""Builds the fuzzers' seed corpora in OUT/<target>/ (a build directory, never the repository).

Sources: rules/qualifications, tests/golden/rules and the Welder variants below for `rules`; the
expressions found in those rule files and the JsonLogic conformance rules (as strings) for
`expression`; the example and spec candidate records for `candidate`; plus, for every target,
the hand-made seeds in fuzz/seeds/<target>/ and the kept reproducers in fuzz/regressions/<target>/
(except those fuzz/regressions/open.txt lists as not yet fixed). Files are named by content hash.
"""

import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

# Keys whose string values are expressions, and the type each context expects (index into
# expression_input's table in fuzz/fuzz_entry.hpp: 0 any, 1 bool, 2 number).
CONDITION_KEYS = {"usable", "where", "valid_assessor", "authentic_if", "when", "expr"}
NUMBER_KEYS = {"min_years", "window_years", "min_size", "min_items", "min_distinct_types",
               "each_min", "mean_min", "min_scorers", "max_spread", "at_least", "min",
               "min_total", "max_age_years", "weight"}


class Corpus:
    def __init__(self, out: Path):
        self.out = out
        self.counts = {}

    def add(self, target: str, data: bytes):
        folder = self.out / target
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / hashlib.sha1(data).hexdigest()
        if not path.exists():
            path.write_bytes(data)
            self.counts[target] = self.counts.get(target, 0) + 1


def expressions(node, key=None):
    """(text, expected) for every expression-valued string in a rule file's JSON."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from expressions(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from expressions(v, key)
    elif isinstance(node, str) and key in CONDITION_KEYS:
        yield node, 1
    elif isinstance(node, str) and key in NUMBER_KEYS:
        yield node, 2


def add_expression(corpus: Corpus, text: str, expected: int):
    # Every item scope, with level and competence bound (bits 2 and 3).
    for item in range(4):
        selector = item | 4 | 8 | (expected << 4)
        corpus.add("expression", bytes([selector]) + text.encode())


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: fuzz_corpus.py OUT_DIR")
    corpus = Corpus(Path(sys.argv[1]))

    rule_files = sorted((REPO / "rules" / "qualifications").glob("*.json"))
    rule_files += sorted((REPO / "tests" / "golden" / "rules").glob("*.json"))
    for path in rule_files:
        text = path.read_bytes()
        corpus.add("rules", text)
        try:
            for expr, expected in expressions(json.loads(text)):
                add_expression(corpus, expr, expected)
        except ValueError:
            pass  # a golden file that is deliberately not JSON

    conformance = SHARED / "conformance" / "jsonlogic" / "tests.json"
    if conformance.exists():
        cases = [c for c in json.loads(conformance.read_text()) if isinstance(c, list)]
        for rule, _data, _expected in cases:
            text = json.dumps(rule).encode()
            corpus.add("expression", bytes([0x0C]) + text)  # in a rule file, level and competence bound
            corpus.add("expression", bytes([0x80]) + text)  # standalone JsonLogic
        # A few Welder variants whose first level requires a JsonLogic rule, for when rule files
        # accept JsonLogic objects as expressions.
        welder = json.loads((REPO / "rules/qualifications/LT-AMK-WELD-001.json").read_text())
        for rule, _data, _expected in cases[::12]:
            if isinstance(rule, dict):
                welder["levels"][0]["requires"] = {"expr": rule}
                corpus.add("rules", json.dumps(welder, indent=1).encode())

    record_files = sorted((REPO / "rules" / "examples").glob("*/candidates.jsonl"))
    record_files += sorted((SHARED / "spec").glob("*/candidates.jsonl"))
    for path in record_files:
        for line in path.read_bytes().splitlines():
            if line.strip():
                corpus.add("candidate", line)

    open_list = REPO / "fuzz" / "regressions" / "open.txt"
    still_open = set()
    if open_list.exists():
        for line in open_list.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                still_open.add(line.split()[0])
    for kind in ("seeds", "regressions"):
        for target in ("rules", "expression", "candidate"):
            folder = REPO / "fuzz" / kind / target
            for path in sorted(folder.glob("*")) if folder.is_dir() else []:
                if f"{target}/{path.name}" not in still_open:
                    corpus.add(target, path.read_bytes())

    for target in ("rules", "expression", "candidate"):
        total = len(list((corpus.out / target).glob("*")))
        print(f"fuzz_corpus: {target}: {total} seeds ({corpus.counts.get(target, 0)} new)")


if __name__ == "__main__":
    main()
