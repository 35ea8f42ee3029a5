"""The pytest glue stays one lifecycle: few hooks in few places, the role decided once, one exit status."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "zdconform"
GLUE = PACKAGE / "pytest"


def _trees() -> dict[Path, ast.Module]:
    return {path: ast.parse(path.read_text(encoding="utf-8")) for path in PACKAGE.rglob("*.py")}


def test_hook_implementations_live_on_the_session_the_transport_and_the_entry_point():
    places: dict[str, int] = {}
    for path, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("pytest_"):
                owner = next((c.name for c in ast.walk(tree) if isinstance(c, ast.ClassDef) and node in c.body),
                             "module")
                key = f"{path.relative_to(PACKAGE)}:{owner}"
                places[key] = places.get(key, 0) + 1
    assert set(places) == {"pytest/plugin.py:module", "pytest/session.py:Session", "pytest/xdist.py:Transport"}
    assert sum(places.values()) <= 18, places


def test_the_role_of_a_process_is_decided_once():
    """`workerinput` is read once (the role) and `runs_checks` asked once (whether checks run)."""
    reads = []
    for path, tree in _trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and node.value == "workerinput":
                reads.append(f"{path.name}:{node.lineno}")
            elif isinstance(node, ast.Attribute) and node.attr == "workerinput" and isinstance(node.ctx, ast.Load) \
                    and not (isinstance(node.value, ast.Name) and node.value.id == "node"):  # xdist's own node
                reads.append(f"{path.name}:{node.lineno}")
            elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "runs_checks":
                reads.append(f"{path.name}:{node.lineno}")
    assert len(reads) <= 3, reads


def test_one_place_sets_the_exit_status():
    setters = [f"{path.name}:{node.lineno}" for path, tree in _trees().items() for node in ast.walk(tree)
               if isinstance(node, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == "exitstatus"
                                                      for t in node.targets)]
    assert len(setters) <= 2 and {s.split(":")[0] for s in setters} == {"session.py"}, setters
    exits = [f"{path.name}:{node.lineno}" for path, tree in _trees().items() for node in ast.walk(tree)
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "exit"
             and getattr(node.func.value, "id", None) == "pytest"]
    assert exits == [exits[0]] and exits[0].startswith("session.py"), exits  # a refused single run's preflight


def test_the_package_imports_its_own_modules_at_the_top():
    """An import inside a function only where a measured cost needs it (the plugin's light start, the
    emulator's web stack): at most 15 in the whole package."""
    inside = []
    for path, tree in _trees().items():
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                inside += [f"{path.relative_to(PACKAGE)}:{n.lineno}" for n in ast.walk(function)
                           if isinstance(n, ast.ImportFrom) and (n.level or (n.module or "").startswith("zdconform"))]
    assert len(inside) <= 15, inside
