"""The engine's layers: each stage folder imports only from the folders below it, and no two
modules import each other, directly or round a longer ring. Imports inside functions count
as much as those at the top: hiding a cycle in a function does not remove it.

The order is the pipeline's (DESIGN.md "Data flow"); CONTRIBUTING.md says where new code goes.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

ROOT = Path(__file__).resolve().parent.parent

# Lowest first. A module may import its own layer and any layer before it.
LAYERS = [
    "loopcheck",  # the package root: __version__ only
    "loopcheck.knowledge", "loopcheck.load", "loopcheck.terraform", "loopcheck.resolve", "loopcheck.services",
    "loopcheck.model",
    "loopcheck.code", "loopcheck.graph", "loopcheck.judge", "loopcheck.rulebase", "loopcheck.rules",
    "loopcheck.pipeline", "loopcheck.stacks", "loopcheck.fixes", "loopcheck.report", "loopcheck.app",
    "loopcheck.front",
]
# Rings that exist today; the list only shrinks (a ring that is gone must leave it, see the
# test). The model step of issue 13 took the last two apart.
KNOWN_CYCLES: List[List[str]] = []
# Front-end entry points kept at the package root for their public names.
FRONT = {"loopcheck.__main__", "loopcheck.cfnlint_plugin"}


def _modules() -> Dict[str, Path]:
    found = {}
    for path in sorted((ROOT / "loopcheck").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    for path in sorted((ROOT / "rules").glob("*.py")):
        name = path.stem
        found["loopcheck.rules" if name == "__init__" else f"loopcheck.rules.{name}"] = path
    return found


def _layer(module: str) -> int:
    if module in FRONT:
        return LAYERS.index("loopcheck.front")
    best = 0
    for index, layer in enumerate(LAYERS):
        if module == layer or module.startswith(layer + "."):
            best = index if len(layer) >= len(LAYERS[best]) else best
    return best


def _imports(module: str, path: Path, known: Set[str]) -> Set[str]:
    """The loopcheck modules `module` imports, anywhere in its body."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    named: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            named.add(base)
            named.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return {name for name in named if name in known and name != module}


def _graph() -> Dict[str, Set[str]]:
    modules = _modules()
    return {module: _imports(module, path, set(modules)) for module, path in modules.items()}


def test_imports_only_go_down_the_pipeline():
    upward: List[str] = []
    for module, imported in sorted(_graph().items()):
        for target in sorted(imported):
            if _layer(target) > _layer(module):
                upward.append(f"{module} -> {target}")
    assert upward == []


def test_rules_import_only_the_rule_base():
    graph = _graph()
    stray = [f"{module} -> {target}" for module in sorted(graph) if module.startswith("loopcheck.rules.")
             for target in sorted(graph[module])
             if not target.startswith("loopcheck.rulebase") and target != "loopcheck"]
    assert stray == []


def test_no_import_cycles():
    graph = _graph()
    # Tarjan's strongly connected components; a component of two or more modules is a cycle.
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    cycles: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    # A package's __init__ re-exporting its own modules is not a cycle of the engine.
    real = sorted(cycle for cycle in cycles if not _only_package_surface(cycle, graph))
    assert [cycle for cycle in real if cycle not in KNOWN_CYCLES] == []
    assert [cycle for cycle in KNOWN_CYCLES if cycle not in real] == [], "a known ring is gone: strike it"


def _only_package_surface(cycle: List[str], graph: Dict[str, Set[str]]) -> bool:
    """True when the ring exists only because modules import the package they live in, whose
    __init__ imports them back (the rule base's surface)."""
    members = set(cycle)
    for module in cycle:
        for target in graph[module] & members:
            if not (module.startswith(target + ".") or target.startswith(module + ".")):
                return False
    return True


def test_the_layer_checker_sees_an_upward_import_and_a_cycle(tmp_path):
    """The checker itself: an upward import and a two-module ring are caught."""
    (tmp_path / "a.py").write_text("from loopcheck.app import cli\n")
    (tmp_path / "b.py").write_text("def f():\n    from loopcheck.judge import loops\n")
    known = {"loopcheck.app.cli", "loopcheck.app", "loopcheck.judge", "loopcheck.judge.loops"}
    assert _imports("loopcheck.model.a", tmp_path / "a.py", known) == {"loopcheck.app", "loopcheck.app.cli"}
    assert _layer("loopcheck.app.cli") > _layer("loopcheck.model.a")
    assert _imports("loopcheck.graph.b", tmp_path / "b.py", known) == {
        "loopcheck.judge", "loopcheck.judge.loops"}


def test_the_readme_layout_names_every_stage_folder():
    """The README's Layout section is the map a newcomer reads: every stage folder is on it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    folders = sorted(p.name for p in (ROOT / "loopcheck").iterdir()
                     if p.is_dir() and (p / "__init__.py").is_file())
    assert folders and [name for name in folders if f"  {name}/" not in layout] == []
    assert [layer for layer in LAYERS[1:-1] if layer.split(".")[1] not in folders + ["rules"]] == []
