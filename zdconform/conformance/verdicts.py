"""Verdicts of JSON Schema validation, without loading jsonschema.

`compiled_validators` gives each schema a compiled 2020-12 validator (`jsonschema_rs`) over one
registry of the schemas' `$id`s, formats not asserted (as jsonschema does by default) and
nothing fetched: a `$ref` to anything else fails when the schemas load. A failure is explained
by `validation` (jsonschema), as `Violation`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jsonschema_rs

__all__ = ["Violation", "compiled_validators"]


@dataclass(frozen=True)
class Violation:
    """One way an instance breaks a schema; `value` is a masked, truncated repr."""

    path: str
    keyword: str
    message: str
    value: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message} (keyword: {self.keyword})"


def compiled_validators(schemas: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A compiled validator for each schema (by name), all sharing one registry of their `$id`s."""
    registry = jsonschema_rs.Registry([(s["$id"], s) for s in schemas.values()], retriever=_no_retrieval)
    return {name: jsonschema_rs.Draft202012Validator(schema, registry=registry, validate_formats=False,
                                                     retriever=_no_retrieval) for name, schema in schemas.items()}


def _no_retrieval(uri: str) -> Any:
    raise ValueError(f"zdconform fetches no schema: {uri!r} is none of the schema files")
