"""JSON Schema validation of Zendesk responses against the files under `schemas/`.

The schemas are package data (`zdconform.schemas`, the project's top-level `schemas/` folder
mapped into the package by pyproject.toml), found with `importlib.resources` wherever
zdconform is installed. Every `schemas/*.json` is loaded once per directory, checked against
the 2020-12 metaschema (once per file version: `schemacache`) and compiled (`verdicts`), every
`$ref` resolved, so a broken schema fails at load. The compiled validators give the verdicts;
jsonschema, loaded for the first failure, explains it: `validate` returns `Violation`s: JSON
path, failing keyword, offending value (masked).
"""

from __future__ import annotations

import copy
import difflib
import functools
import importlib.resources
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..exceptions import SchemaNotFoundError, UsageError
from ..recording.files import read_limited
from .schemacache import CheckCache
from .verdicts import Violation, compiled_validators

__all__ = [
    "SCHEMAS_DIR",
    "SchemaRegistry",
    "Violation",
    "load_registry",
    "validate",
    "validate_file",
]

SCHEMAS_PACKAGE = "zdconform.schemas"  # the top-level schemas/ folder, shipped as package data
SCHEMAS_DIR = Path(str(importlib.resources.files(SCHEMAS_PACKAGE)))
SCHEMAS_DIR_ENV = "ZDCONFORM_SCHEMAS_DIR"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
DATA_KEYWORDS = frozenset({"const", "enum", "examples", "default"})  # values are data, not schemas
_VERDICT_CACHE = 256  # documents whose verdicts are remembered


class SchemaRegistry:
    """The schemas of one directory, checked, cross-referenced and ready to validate with."""

    def __init__(self, directory: Path, schemas: dict[str, dict[str, Any]]) -> None:
        self.directory = directory
        self._schemas = schemas
        self._verdicts: dict[tuple[str, str], list[Violation]] = {}
        self._aliases = {alias: name for name, s in schemas.items()
                         for alias in (name, f"{name}.json", s["$id"])}
        try:
            self._fast = compiled_validators(schemas)  # the verdicts; jsonschema is loaded for a failure
        except Exception as exc:  # noqa: BLE001 - jsonschema_rs's own errors: find the `$ref`, name it
            for name in schemas:
                self._check_refs(name)
            raise UsageError(f"the schemas in {str(directory)!r} cannot be compiled: {exc}. Fix them.") from None
        self._validators: dict[str, Any] = {}  # jsonschema's, built for the first failure to explain

    @functools.cached_property
    def registry(self) -> Any:
        """jsonschema's `referencing.Registry` of the schemas, to explain failures with."""
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        resources = [(s["$id"], Resource.from_contents(s, DRAFT202012)) for s in self._schemas.values()]
        return Registry().with_resources(resources).crawl()

    def names(self) -> list[str]:
        return sorted(self._schemas)

    def resolve(self, name: str) -> str:
        """The bare name of the schema called `name` (bare name, file name or `$id`)."""
        if name in self._aliases:
            return self._aliases[name]
        raise SchemaNotFoundError(_unknown_message(name, self.names()))

    def schema(self, name: str) -> dict[str, Any]:
        return copy.deepcopy(self._schemas[self.resolve(name)])

    def is_valid(self, instance: Any, name: str) -> bool:
        return bool(self._fast[self.resolve(name)].is_valid(instance))

    def validate(self, instance: Any, name: str) -> list[Violation]:
        """Every violation, sorted by path, with jsonschema's best match first (remembered by the
        document's canonical JSON: the same failing body is explained once)."""
        canonical = self.resolve(name)
        if self._fast[canonical].is_valid(instance):
            return []  # the compiled verdict is cheaper than the key of a remembered one
        try:
            key = (canonical, json.dumps(instance, sort_keys=True, separators=(",", ":")))
        except (TypeError, ValueError):
            return self._validate(instance, canonical)
        if key not in self._verdicts:
            if len(self._verdicts) >= _VERDICT_CACHE:
                self._verdicts.pop(next(iter(self._verdicts)))
            self._verdicts[key] = self._validate(instance, canonical)
        return list(self._verdicts[key])

    def _validate(self, instance: Any, name: str) -> list[Violation]:
        if self._fast[name].is_valid(instance):
            return []
        from .validation import explainer, violations_of

        if name not in self._validators:
            self._validators[name] = explainer(self._schemas[name], self.registry)
        return violations_of(list(self._validators[name].iter_errors(instance)), instance)

    def _check_refs(self, name: str) -> None:
        from referencing.exceptions import Unresolvable

        resolver = self.registry.resolver(base_uri=self._schemas[name]["$id"])
        for ref in _refs(self._schemas[name]):
            try:
                resolver.lookup(ref)
            except Unresolvable:
                raise UsageError(
                    f"schema file `{name}.json` in {str(self.directory)!r} has a `$ref` {ref!r} "
                    f"that resolves to nothing. Name an existing file or `$defs` entry."
                ) from None


_resolved = functools.lru_cache(maxsize=8)(lambda directory: Path(directory).resolve())  # called per body


def load_registry(directory: Path | None = None) -> SchemaRegistry:
    """The registry of `directory` (default: $ZDCONFORM_SCHEMAS_DIR, else SCHEMAS_DIR), cached."""
    if directory is None:
        return _load(_resolved(os.environ.get(SCHEMAS_DIR_ENV) or str(SCHEMAS_DIR)))
    return _load(Path(directory).resolve())



def validate(instance: Any, name: str) -> list[Violation]:
    """Validate `instance` against schema `name` of the default registry."""
    return load_registry().validate(instance, name)


def validate_file(name: str, path: str) -> int:
    """Validate the JSON document in `path` against schema `name`, print the outcome; 0 or 1."""
    registry = load_registry()
    canonical = registry.resolve(name)
    document = _read_json(Path(path), "Save the body as received (text/plain as a JSON string).")
    violations = registry.validate(document, canonical)
    if not violations:
        print(f"OK: {path} conforms to {canonical}")
        return 0
    print(*violations, sep="\n")
    noun = "violation" if len(violations) == 1 else "violations"
    print(f"FAIL: {path} does not conform to {canonical}: {len(violations)} {noun}")
    return 1


@functools.cache
def _load(directory: Path) -> SchemaRegistry:
    files = sorted(directory.glob("*.json")) if directory.is_dir() else []
    if not files:
        raise UsageError(
            f"no JSON Schema files (`*.json`) in {str(directory)!r}. Point {SCHEMAS_DIR_ENV} at "
            f"the project's `schemas/` folder, or unset it to use {str(SCHEMAS_DIR)!r}."
        )
    checked = CheckCache.load()
    schemas = {f.stem: _load_schema(f, checked) for f in files}
    checked.save()
    ids = [s["$id"] for s in schemas.values()]
    if duplicated := sorted({i for i in ids if ids.count(i) > 1}):
        raise UsageError(f"schema files in {str(directory)!r} share the `$id` {duplicated[0]!r}. "
                         "Give each file its own `$id`.")
    return SchemaRegistry(directory, schemas)


def _load_schema(path: Path, checked: CheckCache) -> dict[str, Any]:
    schema = _read_json(path, "Fix the schema file.")
    if not isinstance(schema, dict) or not isinstance(schema.get("$id"), str) \
            or schema.get("$schema") != DIALECT:
        raise UsageError(f"schema file {str(path)!r} must be a JSON object with a string `$id` "
                         f"and `\"$schema\": \"{DIALECT}\"`. Add them.")
    key = checked.key(path)
    if key in checked.known:
        return schema
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
        checked.known.add(key)
        checked.added = True
    except SchemaError as exc:
        raise UsageError(
            f"schema file {str(path)!r} is not valid JSON Schema 2020-12: {exc.message} "
            f"(at {exc.json_path}, keyword `{exc.validator}`). Fix the file, then run again."
        ) from None
    return schema


JSON_LIMIT = 64 * 1024 * 1024  # bytes: a response or schema far bigger than any Zendesk sends


def _read_json(path: Path, fix: str) -> Any:
    text = read_limited(path, JSON_LIMIT, what="JSON file")
    try:
        return json.loads(text)
    except RecursionError:
        raise UsageError(f"{str(path)!r} nests its JSON deeper than zdconform reads. {fix}") from None
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{str(path)!r} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}. {fix}"
        ) from None


def _unknown_message(name: str, known: list[str]) -> str:
    bare = name.rsplit("/", 1)[-1].removesuffix(".json")
    close = difflib.get_close_matches(bare, known, n=1, cutoff=0.0)
    hint = f" Did you mean `{close[0]}`?" if close else ""
    return (f"unknown schema {name!r}.{hint} Known schemas: {', '.join(known)} "
            "(give a bare name, a file name or an `$id`).")


def _refs(node: Any) -> Iterator[str]:
    """Every `$ref` in a schema."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        node = [value for key, value in node.items() if key not in DATA_KEYWORDS]
    for child in node if isinstance(node, list) else []:
        yield from _refs(child)


