"""The emulator's layout stays its architecture: no import loop, a short request path, self-contained."""

from __future__ import annotations

import ast
from pathlib import Path

import zdconform.emulator as package

ROOT = Path(package.__file__).parent
NAME = package.__name__


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    keep = parts[:-1] if parts[-1] == "__init__" else parts
    return ".".join((NAME, *keep))


MODULES = {_module(path): path for path in ROOT.rglob("*.py")}


def _imports(name: str) -> list[tuple[str, int]]:
    """(imported module, level) of every import in the module, in functions too."""
    path = MODULES[name]
    package_name = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package_name.split(".")[: len(package_name.split(".")) - node.level + 1]
            target = ".".join([*base, node.module] if node.module else base) \
                if node.level else str(node.module)
            subs = [f"{target}.{alias.name}" for alias in node.names
                    if f"{target}.{alias.name}" in MODULES]
            found += [(sub, node.level) for sub in subs] or [(target, node.level)]
    return found


GRAPH = {name: {target for target, _ in _imports(name) if target in MODULES} - {name}
         for name in MODULES}


def _longest(start: str, end: str, seen: frozenset[str] = frozenset()) -> list[str]:
    if start == end:
        return [end]
    paths = [_longest(nxt, end, seen | {start}) for nxt in GRAPH[start] if nxt not in seen]
    best = max((path for path in paths if path), key=len, default=[])
    return [start, *best] if best else []


def test_no_import_loop():
    def visit(name: str, stack: tuple[str, ...]) -> None:
        assert name not in stack, " -> ".join((*stack[stack.index(name):], name))
        for target in GRAPH[name]:
            visit(target, (*stack, name))
    for name in MODULES:
        visit(name, ())


def test_the_request_path_from_the_socket_to_the_model_is_at_most_five_modules_deep():
    path = _longest(f"{NAME}.server", f"{NAME}.tenant.model")
    assert 0 < len(path) <= 5, " -> ".join(path)


def test_imports_inside_are_relative_and_only_exceptions_come_from_outside():
    for name in MODULES:
        for target, level in _imports(name):
            if target.startswith(f"{NAME}.") or target == NAME:
                assert level > 0, f"{name} imports {target} absolutely"
            elif target.startswith("zdconform"):
                assert target == "zdconform.exceptions", f"{name} imports {target}"
