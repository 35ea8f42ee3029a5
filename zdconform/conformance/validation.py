"""How a document is validated against a loaded schema, and how a failure is told.

The verdicts come from `verdicts` (compiled validators); jsonschema, loaded only then, explains
a failure: `explainer` is its 2020-12 validator (`MemoValidator`, which
remembers array items already found valid) on a copy whose every `$ref` `inline_refs` replaced
by its target; `violations_of` turns its errors into `Violation`s: JSON path, failing keyword,
offending value with secrets masked.
"""

from __future__ import annotations

import functools
import heapq
import json
import operator
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match, relevance

from .verdicts import Violation

__all__ = ["MemoValidator", "Violation", "explainer", "inline_refs", "violations_of"]

SECRET_KEYS = frozenset({"token", "full_token", "refresh_token", "secret", "client_secret",
                         "password", "access_token", "api_token", "authenticity_token"})
MIN_SECRET_CHARS = 4  # shorter secrets are not searched for in messages: too many false hits
MAX_VALUE_CHARS, MAX_MESSAGE_CHARS = 80, 240


_ITEMS = Draft202012Validator.VALIDATORS["items"]
_VALID_ITEMS: set[tuple[int, str]] = set()
_PINNED: dict[int, Any] = {}  # the subschemas whose ids key _VALID_ITEMS (id of an `items` subschema, item JSON)


def _memo_items(validator: Any, items: Any, instance: Any, schema: dict[str, Any]) -> Any:
    """`items`, remembering array items already found valid against the same subschema.

    The same users come back on every walk of the same pages; each is validated once.
    """
    if isinstance(items, bool) or not validator.is_type(instance, "array"):
        yield from _ITEMS(validator, items, instance, schema)
        return
    _PINNED.setdefault(id(items), items)  # keeps the id unique while items are remembered
    for index in range(len(schema.get("prefixItems", [])), len(instance)):
        key = (id(items), json.dumps(instance[index], sort_keys=True, default=str))
        if key in _VALID_ITEMS:
            continue
        errors = list(validator.descend(instance=instance[index], schema=items, path=index))
        if errors:
            yield from errors
        elif len(_VALID_ITEMS) < 100_000:
            _VALID_ITEMS.add(key)


MemoValidator = validators.extend(  # type: ignore[no-untyped-call]  # jsonschema leaves it untyped
    Draft202012Validator, {"items": _memo_items})
_LITERAL_KEYS = frozenset({"enum", "const", "examples", "default"})
_RESOURCE_KEYS = frozenset({"$id", "$schema", "$defs", "title", "description"})


def inline_refs(node: Any, resolver: Any, seen: tuple[str, ...] = ()) -> Any:
    """`node` with each `$ref` replaced by its target (kept as a `$ref` on a cycle)."""
    if isinstance(node, list):
        return [inline_refs(item, resolver, seen) for item in node]
    if not isinstance(node, dict):
        return node
    rest = {k: (v if k in _LITERAL_KEYS else inline_refs(v, resolver, seen))
            for k, v in node.items() if k != "$ref"}
    ref = node.get("$ref")
    if not isinstance(ref, str) or ref in seen:
        return {**rest, "$ref": ref} if "$ref" in node else rest
    resolved = resolver.lookup(ref)
    target = inline_refs(resolved.contents, resolved.resolver, (*seen, ref))
    if isinstance(target, dict):
        target = {k: v for k, v in target.items() if k not in _RESOURCE_KEYS}
    body = {k: v for k, v in rest.items() if k not in ("$id", "$schema", "$defs")}
    if not body or rest.keys() <= _RESOURCE_KEYS:
        return {**rest, **target} if isinstance(target, dict) else target
    return {**rest, "allOf": [*rest.get("allOf", []), target]}


def explainer(schema: dict[str, Any], registry: Any) -> Any:
    """jsonschema's validator of `schema` (every `$ref` inlined), to tell why a document fails."""
    return MemoValidator(inline_refs(schema, registry.resolver(base_uri=schema["$id"])), registry=registry)


def violations_of(errors: list[ValidationError], instance: Any) -> list[Violation]:
    """Every violation, sorted by path, with jsonschema's best match first; secrets masked."""
    if not errors:  # the compiled validator refused what jsonschema accepts: say so, never pass it
        return [Violation("$", "-", "refused by the compiled validator, accepted by jsonschema (a bug; "
                          "please report it)", "")]
    found: list[str] = []
    masked = _mask(instance, found)
    secrets = sorted(set(found), key=len, reverse=True)
    best = _violation(best_match(errors) or errors[0], masked, secrets)
    rest = [v for v in (_violation(e, masked, secrets) for e in _leaves(errors)) if v != best]
    return [best, *dict.fromkeys(rest)]


def _mask(node: Any, found: list[str], secret: bool = False) -> Any:
    """A copy of `node` whose secret values read like 'abcd***'; each secret goes to `found`."""
    if isinstance(node, dict):
        # `token` also names the token envelope ({"token": {...}}): only its scalars are secret
        return {k: _mask(v, found, secret or (k.lower() in SECRET_KEYS and not (
            k.lower() == "token" and isinstance(v, dict)))) for k, v in node.items()}
    if isinstance(node, list):
        return [_mask(item, found, secret) for item in node]
    if not secret or not isinstance(node, (str, int)) or isinstance(node, bool):
        return node
    text = str(node)
    found.extend([text] if len(text) >= MIN_SECRET_CHARS else [])
    return text[: min(4, len(text) // 4)] + "***"


def _leaves(errors: list[ValidationError]) -> list[ValidationError]:
    """Each error's most specific cause (best_match's descent into anyOf), sorted by path."""
    leaves = [best_match([error]) or error for error in errors]
    return sorted(leaves, key=lambda e: [(1, 0, p) if isinstance(p, str) else (0, p, "")
                                         for p in e.absolute_path])


def _violation(error: ValidationError, masked: Any, secrets: list[str]) -> Violation:
    value, message = _describe(error, masked, secrets)
    if error.context:  # best_match stopped at alternatives that fail equally: name the closest
        closest = heapq.nsmallest(2, error.context, key=relevance)
        message += "; closest: " + "; ".join(
            f"{c.json_path}: {_describe(c, masked, secrets)[1]}" for c in closest)
    keyword = "false" if error.validator is None else str(error.validator)
    return Violation(error.json_path, keyword, _truncate(message, MAX_MESSAGE_CHARS), value)


def _describe(error: ValidationError, masked: Any, secrets: list[str]) -> tuple[str, str]:
    """The masked, truncated repr of the offending value, and the message quoting it."""
    offending = functools.reduce(operator.getitem, error.absolute_path, masked)
    value, message = repr(offending), error.message.replace(repr(error.instance), "\0")
    for secret in secrets:  # also where a secret is echoed under an ordinary key
        value, message = value.replace(secret, "***"), message.replace(secret, "***")
    value = _truncate(value, MAX_VALUE_CHARS)
    return value, message.replace("\0", value)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."
