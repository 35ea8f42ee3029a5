"""The package's layout is its architecture: floors that import only downwards, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "zdconform"
# The data's way, first to last: a module may import its own floor and the floors before it.
FLOORS = {"exceptions": 0, "settings": 0, "http": 1, "recording": 2, "conformance": 3, "reporting": 4,
          "runs": 5, "pytest": 6, "cli": 6, "emulator": 0, "__init__": 0, "__main__": 7, "release": 0,
          "scaffold": 6}
# A flag, not a rule of placement: a module past it may be holding two nouns (split it by meaning,
# never by budget); one noun that needs a few more lines keeps them.
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every zdconform module `path` imports, at the top or inside a function."""
    name = module_name(path)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            found |= {f"{target}.{a.name}" if _is_module(f"{target}.{a.name}") else target for a in node.names}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return {m for m in found if m == "zdconform" or m.startswith("zdconform.")}


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def floor(module: str) -> int:
    parts = module.split(".")
    return FLOORS[parts[1]] if len(parts) > 1 else 0


def graph() -> dict[str, set[str]]:
    return {module_name(p): imports(p) - {module_name(p)} for p in PACKAGE.rglob("*.py")}


def test_no_import_runs_back_up_a_floor():
    upward = sorted(f"{m} -> {t}" for m, targets in graph().items() if not m.startswith("zdconform.emulator")
                    for t in targets if t != "zdconform" and floor(t) > floor(m))
    assert upward == []


def test_the_emulator_knows_nothing_of_the_suite():
    # Its only import from outside: the errors users catch (UsageError, ProfileError).
    foreign = sorted(f"{m} -> {t}" for m, targets in graph().items() if m.startswith("zdconform.emulator")
                     for t in targets if not t.startswith(("zdconform.emulator", "zdconform.exceptions")))
    assert foreign == []


def test_the_imports_have_no_loop():
    edges = graph()
    state: dict[str, str] = {}  # grey while on the current path, black when done
    loops: list[str] = []

    def visit(node: str, path: list[str]) -> None:
        state[node] = "grey"
        for target in sorted(edges.get(node, ())):
            if state.get(target) == "grey":
                loops.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[node] = "black"

    for start in sorted(edges):
        if start not in state:
            visit(start, [start])
    assert loops == []


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= MAX_LINES
