"""Imports run one way: core, then Steps 1 to 5 in order, then the surfaces; core has no cycles.

Core is every top-level module that is neither a step nor a surface. A step may import core and
earlier steps; core imports no step; nothing below a surface imports one. Every `import` counts,
including those inside functions, so a lazy import cannot hide a dependency.
"""

from __future__ import annotations

import ast
from collections import deque
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "lnob_helpers"
STEPS = ("who", "why", "what", "measure", "accountability")
SURFACES = frozenset({"ui", "report", "collab", "cli", "app", "app_security", "workshop", "validate", "starter"})


def _modules(package: Path) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package (a package is its __init__.py)."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def _owner(name: str, modules: dict[str, Path]) -> str:
    """The module that defines `name`: itself, or the longest module prefix (`pkg.mod.attr`)."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports(name: str, modules: dict[str, Path]) -> tuple[set[str], list[str]]:
    """Package modules this module imports, and relative imports that climb out of the package."""
    path = modules[name]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    top = name.split(".")[0]
    found: set[str] = set()
    beyond: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level > len(package):
                beyond.append("." * node.level + (node.module or ""))
                continue
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in modules else module
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target == top or target.startswith(top + "."):
                found.add(_owner(target, modules))
    return found - {name}, beyond


def _layer(module: str) -> tuple[int, str]:
    """Rank (core 0, steps 1-5, surfaces above) and label of a module."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else ""
    if top in STEPS:
        return STEPS.index(top) + 1, f"step {top}"
    if top in SURFACES:
        return len(STEPS) + 1, f"surface {top}"
    return 0, "core"


def _shortest_path(graph: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """Breadth-first, so each reported cycle is the shortest one through its import."""
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while previous[path[-1]] is not None:
                path.append(previous[path[-1]])
            return path[::-1]
        for nxt in sorted(graph.get(node, ())):
            if nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    return None


def layer_violations(package: Path) -> list[str]:
    """One line per upward import, relative import out of the package, or import cycle within core."""
    modules = _modules(package)
    where = {name: path.relative_to(package.parent).as_posix() for name, path in modules.items()}
    lines = []
    core_graph: dict[str, set[str]] = {}
    for name in modules:
        imported, beyond = _imports(name, modules)
        lines += [f"{where[name]} imports {relative} (relative import beyond the package)" for relative in beyond]
        rank, label = _layer(name)
        for target in sorted(imported):
            target_rank, target_label = _layer(target)
            if target_rank > rank and rank <= len(STEPS):
                lines.append(f"{where[name]} imports {target} ({label} -> {target_label})")
            if rank == target_rank == 0:
                core_graph.setdefault(name, set()).add(target)
    cycles = set()
    for name, targets in core_graph.items():
        for target in targets:
            back = _shortest_path(core_graph, target, name)
            if back:
                cycle = [name, *back[:-1]]
                first = cycle.index(min(cycle))
                cycles.add(tuple(cycle[first:] + cycle[:first]))
    for cycle in sorted(cycles):
        lines.append(f"{where[cycle[0]]} imports {cycle[1]} (cycle in core: {' -> '.join(cycle + (cycle[0],))})")
    return lines


def test_imports_run_one_way_and_core_has_no_cycles():
    violations = layer_violations(PACKAGE)
    assert not violations, "imports against the layers:\n" + "\n".join(violations)


def test_the_checker_catches_upward_imports_and_cycles(tmp_path):
    package = tmp_path / "lnob_helpers"
    files = {
        "__init__.py": "",
        "errors.py": "",
        "groups.py": "def lazy():\n    from .who import step1\n",
        "rounds.py": "from . import scoring\n",
        "scoring.py": "import lnob_helpers.rounds\n",
        "who/__init__.py": "",
        "who/step1.py": "from ..errors import InputError\nfrom ..measure.heat import x\n",
        "measure/__init__.py": "",
        "measure/heat.py": "from lnob_helpers.who import step1\nfrom lnob_helpers.ui.step4 import Page\n",
        "ui/__init__.py": "",
        "ui/step4.py": "from ..measure import heat\nfrom .. import cli\n",
        "cli.py": "from .ui import step4\n",
        "privacy.py": "from ...outside import thing\n",
    }
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    assert layer_violations(package) == [
        "lnob_helpers/groups.py imports lnob_helpers.who.step1 (core -> step who)",
        "lnob_helpers/measure/heat.py imports lnob_helpers.ui.step4 (step measure -> surface ui)",
        "lnob_helpers/privacy.py imports ...outside (relative import beyond the package)",
        "lnob_helpers/who/step1.py imports lnob_helpers.measure.heat (step who -> step measure)",
        "lnob_helpers/rounds.py imports lnob_helpers.scoring "
        "(cycle in core: lnob_helpers.rounds -> lnob_helpers.scoring -> lnob_helpers.rounds)",
    ]
