"""Validation of tenant data: small typed readers that raise `Invalid` with the exact field path.

`Invalid` is internal: `files.tenant_from_dict` and `account.merge_settings` turn it into a
one-paragraph `ProfileError` that names the origin, the field (`users[2].role`), what was
found and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import yaml

__all__ = [
    "REQUIRED",
    "Invalid",
    "NoAliasLoader",
    "choice",
    "describe_types",
    "join",
    "keys",
    "listing",
    "mapping",
    "too_deep",
    "value",
]

REQUIRED: Any = object()
_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
          list: "a list", dict: "a mapping", type(None): "null"}


class Invalid(Exception):
    """A tenant field is missing or malformed."""

    def __init__(self, path: str, problem: str, allowed: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path, self.problem, self.allowed = path, problem, allowed

    def describe(self, origin: str) -> str:
        """The one-paragraph message, naming where the tenant came from."""
        return (
            f"emulator tenant {origin}: field `{self.path or '(top level)'}` {self.problem}; "
            f"allowed: {self.allowed}. Fix the field, or start from a working template: "
            "`python -m zdconform.emulator --dump-tenant > tenant.yaml` (format: docs/emulator.md)."
        )


def join(path: str, key: str | int) -> str:
    """`users` + 2 -> `users[2]`; `users[2]` + `role` -> `users[2].role`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def describe_types(types: Sequence[type]) -> str:
    """`(str, NoneType)` -> `a string or null`."""
    return " or ".join(_NAMES.get(kind, kind.__name__) for kind in types)


def _found(raw: Any) -> str:
    kind = _NAMES.get(type(raw), type(raw).__name__)
    return f"is {raw!r} ({kind})" if not isinstance(raw, (dict, list)) else f"is {kind}"


def _is(raw: Any, types: Sequence[type]) -> bool:
    if isinstance(raw, bool):
        return bool in types
    if isinstance(raw, int) and float in types:
        return True
    return isinstance(raw, tuple(types))


def mapping(raw: Any, path: str) -> Mapping[str, Any]:
    """`raw` itself, checked to be a mapping."""
    if not isinstance(raw, Mapping):
        raise Invalid(path, _found(raw), "a mapping of field names to values")
    return raw


def keys(data: Mapping[str, Any], path: str, allowed: Iterable[str]) -> None:
    """Refuse any key of `data` that is not in `allowed`."""
    known = list(allowed)
    for key in data:
        if key not in known:
            raise Invalid(join(path, str(key)), "is not a known field", ", ".join(known))


def value(data: Mapping[str, Any], key: str, path: str, types: Sequence[type],
          default: Any = REQUIRED, *, minimum: float | None = None,
          maximum: float | None = None) -> Any:
    """`data[key]`, checked against `types` and bounds; `default` when absent."""
    where = join(path, key)
    if key not in data:
        if default is REQUIRED:
            raise Invalid(where, "is missing", describe_types(types))
        return default
    raw = data[key]
    if not _is(raw, types):
        raise Invalid(where, _found(raw), describe_types(types))
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        _bounds(raw, where, minimum, maximum, types)
    return raw


def _bounds(raw: float, where: str, low: float | None, high: float | None,
            types: Sequence[type]) -> None:
    if (low is not None and raw < low) or (high is not None and raw > high):
        span = f"from {low}" if high is None else f"from {low} to {high}"
        raise Invalid(where, f"is {raw!r}, out of range", f"{describe_types(types)} {span}")


def choice(data: Mapping[str, Any], key: str, path: str, choices: Sequence[Any],
           default: Any = REQUIRED) -> Any:
    """`data[key]`, which must be one of `choices`."""
    where = join(path, key)
    if key not in data:
        if default is REQUIRED:
            raise Invalid(where, "is missing", ", ".join(repr(item) for item in choices))
        return default
    raw = data[key]
    if isinstance(raw, bool) or raw not in choices:
        raise Invalid(where, f"is {raw!r}", ", ".join(repr(item) for item in choices))
    return raw


def listing(data: Mapping[str, Any], key: str, path: str, item_types: Sequence[type],
            default: Any = REQUIRED) -> list[Any]:
    """`data[key]` as a list whose items are all of `item_types`."""
    raw = value(data, key, path, (list,), default)
    where = join(path, key)
    for index, item in enumerate(raw):
        if not _is(item, item_types):
            raise Invalid(join(where, index), _found(item), describe_types(item_types))
    return list(raw)


class NoAliasLoader(yaml.SafeLoader):
    """The safe loader without aliases (`*name`), so an alias bomb cannot expand."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (`*name`) are not allowed",
                                              self.peek_event().start_mark)  # type: ignore[no-untyped-call]
        return super().compose_node(parent, index)


def too_deep(text: str, limit: int = 64) -> bool:
    """Flow collections (`[`, `{`) nested deeper than `limit` (the YAML parser recurses per level)."""
    depth = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth += 1 if match.group() in "[{" else -1
        if depth > limit:
            return True
    return False
