"""Drift between two recordings of one target: what changed on the tenant since last time.

Per endpoint (method and path, numeric ids as `{id}`, query ignored) and per status, the
shape of the recorded JSON bodies is compared: fields added, removed, changed in type or in
nullability. Values are never compared, so what always changes (ids, timestamps, tokens,
cursors) makes no drift. Status changes are found by pairing the same cassette's
interactions in order.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..exceptions import UsageError
from ..recording.interactions import body_json, read_interactions

__all__ = ["Drift", "compare", "endpoint_of", "main"]

MANIFEST = "MANIFEST.json"
_ID = re.compile(r"(?<=/)\d+(?=(\.json)?(/|$))")
Body = dict[str, set[str]]  # one body's field paths -> JSON types there ("array+": not empty)
_LAST = re.compile(r"^(.*?)(\[\]|\.[^.\[\]]+)$")  # a path's parent and its last step


@dataclass
class Recording:
    """One cassette folder: its interactions per cassette, and body shapes per (endpoint, status)."""

    folder: Path
    cassettes: dict[str, list[dict[str, Any]]]
    bodies: dict[tuple[str, int], list[Body]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        bodies: dict[tuple[str, int], list[Body]] = defaultdict(list)
        for interactions in self.cassettes.values():
            for i in interactions:
                if i["response"]["body"]:
                    shape: Body = defaultdict(set)
                    for path, kind in _walk(body_json(i["response"]["body"]), "$"):
                        shape[path].add(kind)
                    bodies[(endpoint_of(i), i["status"])].append(dict(shape))
        self.bodies = dict(bodies)

    def endpoints(self) -> set[str]:
        return {endpoint_of(i) for items in self.cassettes.values() for i in items}


@dataclass
class Drift:
    """Every change found, grouped by endpoint."""

    changes: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, endpoint: str, text: str) -> None:
        self.changes[endpoint].append(text)

    def __bool__(self) -> bool:
        return any(self.changes.values())

    def lines(self) -> list[str]:
        out = []
        for endpoint in sorted(self.changes):
            out += [endpoint, *(f"  {change}" for change in self.changes[endpoint])]
        return out


def endpoint_of(interaction: dict[str, Any]) -> str:
    """`METHOD /path` with numeric ids as `{id}` and without the query."""
    return f"{interaction['method']} {_ID.sub('{id}', interaction['path'].split('?')[0])}"


def _walk(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        yield path, "object"
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        yield path, "array+" if node else "array"
        for item in node:
            yield from _walk(item, f"{path}[]")
    else:
        yield path, _type(node)


def _type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", int: "integer", float: "number", str: "string"}.get(type(value), "string")


def load(folder: Path) -> Recording:
    folder = _resolve(Path(folder))
    files = sorted(folder.rglob("*.yaml"))
    if not files:
        raise UsageError(f"{str(folder)!r} holds no cassettes (`*.yaml`). Give a target's cassette "
                         "folder, such as `cassettes/reference-emulator`.")
    cassettes = {}
    for path in files:
        try:
            cassettes[path.relative_to(folder).as_posix()] = read_interactions(path)
        except Exception as exc:  # noqa: BLE001 - any parse error means a corrupt cassette
            raise UsageError(f"Cassette {str(path)!r} cannot be read ({type(exc).__name__}). Restore "
                             "it from version control or re-record it, then diff again.") from None
    return Recording(folder, cassettes)


def _resolve(folder: Path) -> Path:
    if not folder.is_dir():
        raise UsageError(f"{str(folder)!r} is not a folder. Give two cassette folders of one target, "
                         "e.g. `zdconform diff cassettes/reference-emulator /tmp/new/reference-emulator`.")
    if (folder / MANIFEST).exists():
        return folder
    targets = sorted(p.parent for p in folder.glob(f"*/{MANIFEST}"))
    if len(targets) == 1:
        return targets[0]  # a cassette root holding one target
    if targets:
        raise UsageError(f"{str(folder)!r} holds several targets ({', '.join(p.name for p in targets)}): "
                         "give one target's folder.")
    return folder


def _target(folder: Path) -> str | None:
    try:
        return str(json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["target"]["slug"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def compare(old: Recording, new: Recording) -> Drift:
    """What changed from `old` to `new`."""
    drift = Drift()
    for endpoint in sorted(old.endpoints() - new.endpoints()):
        drift.add(endpoint, "endpoint no longer recorded")
    for endpoint in sorted(new.endpoints() - old.endpoints()):
        drift.add(endpoint, "endpoint newly recorded")
    for key in sorted(old.bodies.keys() | new.bodies.keys()):
        _compare_shapes(drift, key, old, new)
    for name in sorted(old.cassettes.keys() & new.cassettes.keys()):
        _compare_statuses(drift, name, old.cassettes[name], new.cassettes[name])
    return drift


def _compare_shapes(drift: Drift, key: tuple[str, int], old: Recording, new: Recording) -> None:
    endpoint, status = key
    if key not in new.bodies or key not in old.bodies:
        where = "OLD" if key in old.bodies else "NEW"
        drift.add(endpoint, f"{status}: responses with this status only in {where}")
        return
    before, after = old.bodies[key], new.bodies[key]
    for path in sorted({p for body in before + after for p in body}):
        for change in _field_changes(path, _Field(path, before), _Field(path, after)):
            drift.add(endpoint, f"{status}: {change}")


class _Field:
    """One field path across the bodies of one recording: types, and where it is present.

    `eligible` counts the bodies whose parent is there to hold it (an object, a non-empty array).
    """

    def __init__(self, path: str, bodies: list[Body]) -> None:
        self.types = {t.rstrip("+") for body in bodies for t in body.get(path, ())}
        held = [body for body in bodies if _holds(body, path)]
        self.present, self.eligible = sum(path in body for body in held), len(held)


def _holds(body: Body, path: str) -> bool:
    match = _LAST.match(path)
    if match is None:
        return True  # the root
    parent, step = match.groups()
    return ("array+" if step == "[]" else "object") in body.get(parent, ())


def _field_changes(path: str, was: _Field, now: _Field) -> list[str]:
    if not was.eligible or not now.eligible:
        return []  # one side never had a place for it (an empty array, a null parent)
    if not was.present:
        return [f"field added: {path} ({_types(now.types)})"]
    if not now.present:
        return [f"field removed: {path} ({_types(was.types)})"]
    changes = []
    before, after = was.types - {"null"}, now.types - {"null"}
    if before and after and before != after:
        changes.append(f"type changed: {path} {_types(was.types)} -> {_types(now.types)}")
    elif was.types != now.types:  # null appeared or went away (a field only ever null has no type)
        changes.append(f"nullability changed: {path} {_types(was.types)} -> {_types(now.types)}")
    if (was.present == was.eligible) != (now.present == now.eligible):
        changes.append(f"presence changed: {path} {_presence(was)} -> {_presence(now)}")
    return changes


def _presence(field: _Field) -> str:
    if field.present == field.eligible:
        return "always present"
    return f"in {field.present} of {field.eligible} responses"


def _compare_statuses(drift: Drift, name: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    for a, b in zip(old, new, strict=False):  # lengths may differ: counted apart
        if endpoint_of(a) != endpoint_of(b):
            drift.add(endpoint_of(a), f"{name} #{a['index']}: now {endpoint_of(b)} instead")
        elif a["status"] != b["status"]:
            drift.add(endpoint_of(a), f"status changed: {a['status']} -> {b['status']} ({name} #{a['index']})")
    if len(old) != len(new):
        drift.add(endpoint_of((old or new)[-1]), f"{name}: {len(old)} interaction(s) -> {len(new)}")


def _types(types: set[str]) -> str:
    return " | ".join(sorted(types))


def main(old_folder: str, new_folder: str) -> int:
    """Print the drift from OLD to NEW: 0 none, 1 drift (bad input raises UsageError)."""
    old, new = load(Path(old_folder)), load(Path(new_folder))
    slugs = {_target(old.folder), _target(new.folder)} - {None}
    if len(slugs) > 1:
        raise UsageError(f"{old_folder!r} and {new_folder!r} record different targets "
                         f"({' and '.join(sorted(map(str, slugs)))}): drift compares two recordings "
                         "of one target.")
    drift = compare(old, new)
    for line in drift.lines():
        print(line)
    n = sum(len(v) for v in drift.changes.values())
    if drift:
        print(f"DRIFT: {n} change(s) in {len(drift.changes)} endpoint(s) from {old.folder} to {new.folder}")
        return 1
    print(f"OK: no drift in {len(old.endpoints())} endpoint(s) between {old.folder} and {new.folder}")
    return 0
