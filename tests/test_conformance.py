"""Every handler language gives the same answer on the same program (tests/conformance/).

Each case folder holds the program once per language and one expected answer in case.yaml;
see tests/conformance/README.md.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest
import yaml

from loopcheck.code.csharp_facts import analyse_csharp_source
from loopcheck.code.facts import (
    AnyText,
    Basename,
    CodeFacts,
    Concat,
    IncomingKey,
    KeyExpr,
    Lit,
    Replace,
    Slice,
    Stem,
    Write,
)
from loopcheck.code.go_facts import analyse_go_source
from loopcheck.code.java_facts import analyse_java_source
from loopcheck.code.js_facts import analyse_js_source
from loopcheck.code.python_facts import analyse_python_source

CASES = Path(__file__).parent / "conformance"

ANALYSERS: Dict[str, Callable[[str, str], CodeFacts]] = {
    ".py": lambda text, name: analyse_python_source(text, name, "handler"),
    ".js": lambda text, name: analyse_js_source(text, name, "handler"),
    ".ts": lambda text, name: analyse_js_source(text, name, "handler", typescript=True),
    ".java": lambda text, name: analyse_java_source(text, name, "Handler::handler"),
    ".go": lambda text, name: analyse_go_source(text, name, "handler"),
    ".cs": lambda text, name: analyse_csharp_source(text, name, "Conformance.Function::handler"),
}


def render_key(key: KeyExpr) -> str:
    """A key expression in the notation case.yaml uses: literal text as is, `{incoming key}`,
    `{any}`, basename(...), stem(...), replace(..., old, new), slice(..., start, end)."""
    if isinstance(key, Lit):
        return key.text
    if isinstance(key, IncomingKey):
        return "{incoming key}"
    if isinstance(key, AnyText):
        return "{any}"
    if isinstance(key, Concat):
        return "".join(render_key(part) for part in key.parts)
    if isinstance(key, Basename):
        return f"basename({render_key(key.source)})"
    if isinstance(key, Stem):
        return f"stem({render_key(key.source)})"
    if isinstance(key, Replace):
        return f"replace({render_key(key.source)}, {key.old}, {key.new})"
    if isinstance(key, Slice):
        end = "" if key.end is None else str(key.end)
        return f"slice({render_key(key.source)}, {key.start}, {end})"
    raise AssertionError(f"no notation for {key!r}")


def answer(write: Write, expected: dict) -> dict:
    """What the analyser said about one write, in case.yaml's terms (the optional parts only
    when the expected answer names them)."""
    found: dict = {"service": write.service, "api": write.api, "target": {"kind": write.target.kind}}
    if write.target.kind not in ("event-source", "self", "unknown"):
        found["target"]["value"] = write.target.value
    if write.key is not None and "key" in expected:
        found["key"] = render_key(write.key)
    if "details" in expected:
        found["details"] = {name: write.details.get(name) for name in expected["details"]}
    if "guards" in expected or write.guards:
        found["guards"] = [
            {"kind": guard.kind, **({"key_test": list(guard.key_test)} if guard.key_test else {}),
             **({"marker": guard.marker} if guard.marker else {})}
            for guard in write.guards
        ]
    if "marks" in expected or write.marks:
        found["marks"] = list(write.marks)
    if "bound" in expected:
        bound = write.bound
        found["bound"] = bound and {"kind": bound.kind, "variable": bound.variable, "limit": bound.limit}
    return found


def _cases() -> List[Tuple[str, Path]]:
    return [
        (f"{case.name}/{handler.name}", handler)
        for case in sorted(CASES.iterdir()) if (case / "case.yaml").is_file()
        for handler in sorted(case.glob("handler.*"))
    ]


# Grammars a dependency marker may leave out (pyproject: tree-sitter-go on Python 3.10+ only).
GRAMMARS = {".go": "tree_sitter_go"}

# Each handler language, by its handler file suffixes (TypeScript counts as JavaScript).
LANGUAGES = {
    "python": {".py"}, "javascript": {".js", ".ts"}, "java": {".java"}, "go": {".go"}, "csharp": {".cs"},
}


def test_every_case_is_written_in_every_language_it_is_for() -> None:
    """Every case has a handler in every language, except those its case.yaml names under
    `languages` (a case of what only some analysers read: bounds, record selection)."""
    cases = [case for case in CASES.iterdir() if (case / "case.yaml").is_file()]
    assert len(cases) >= 12
    for case in cases:
        suffixes = {handler.suffix for handler in case.glob("handler.*")}
        assert suffixes <= set(ANALYSERS), case.name
        answer_file = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
        meant = answer_file.get("languages", list(LANGUAGES))
        assert {"python", "javascript"} <= set(meant), case.name
        for language in meant:
            assert suffixes & LANGUAGES[language], f"{case.name}: no {language} handler"
        for language in set(LANGUAGES) - set(meant):
            assert not suffixes & LANGUAGES[language], f"{case.name}: a {language} handler, but not listed"


@pytest.mark.parametrize("name, handler", _cases(), ids=[name for name, _ in _cases()])
def test_case(name: str, handler: Path) -> None:
    grammar = GRAMMARS.get(handler.suffix)
    if grammar is not None and importlib.util.find_spec(grammar) is None:
        pytest.skip(f"{grammar} is not installed (tree-sitter-go: Python 3.10 and newer)")
    expected = yaml.safe_load((handler.parent / "case.yaml").read_text(encoding="utf-8"))["writes"]
    facts = ANALYSERS[handler.suffix](handler.read_text(encoding="utf-8"), handler.name)
    assert facts.analysed and not facts.problems, facts.problems
    for want in expected:
        want.setdefault("guards", [])
    found = [answer(write, want) for write, want in zip(facts.writes, expected)]
    found += [answer(write, {}) for write in facts.writes[len(expected):]]
    assert found == expected
