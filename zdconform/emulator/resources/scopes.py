"""OAuth scopes as Zendesk describes them: `[resource:]access`, parsed into (resource, access) pairs.

`parse_scope` reads one scope (None for one that is not well formed); `covers` decides whether
a client's allowed scopes include a requested one (the per-client allowed scopes of August 2026).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ACCESSES", "MAX_SCOPES", "MAX_SCOPE_LENGTH", "SCOPE_RESOURCES", "covers", "parse_scope",
           "scopes_out_of_bounds"]

# Resources a scope may name, from Zendesk's Create Token description.
SCOPE_RESOURCES = ("tickets", "users", "auditlogs", "organizations", "hc", "apps", "triggers",
                   "automations", "targets", "webhooks", "macros", "requests",
                   "satisfaction_ratings", "dynamic_content", "any_channel", "web_widget")
ACCESSES = ("read", "write", "impersonate")

Pair = tuple[str | None, str]
# Bounds a hostile or broken client meets (choices: Zendesk documents none). A real request names a
# few scopes of at most 32 characters (`satisfaction_ratings:impersonate`).
MAX_SCOPES = 64
MAX_SCOPE_LENGTH = 100


def parse_scope(scope: str) -> set[Pair] | None:
    """`read` -> {(None, read)}; `users` -> users read and write; odd -> None."""
    resource, colon, access = scope.partition(":")
    if colon:
        ok = resource in SCOPE_RESOURCES and access in ACCESSES
        return {(resource, access)} if ok else None
    if scope in ACCESSES:
        return {(None, scope)}
    if scope in SCOPE_RESOURCES:
        return {(scope, "read"), (scope, "write")}
    return None


def covers(allowed: Iterable[str], scope: str) -> bool:
    """True when `scope` is well formed and every access it asks for is among `allowed`.

    An unscoped allowed `read` covers `users:read`; `users:read` does not cover `read`.
    """
    wanted = parse_scope(scope)
    granted: set[Pair] = set()
    for item in allowed:
        granted |= parse_scope(item) or set()
    return wanted is not None and all(
        pair in granted or (None, pair[1]) in granted for pair in wanted)


def scopes_out_of_bounds(scopes: object) -> bool:
    """More scopes, or longer ones, than any real request sends (`MAX_SCOPES`, `MAX_SCOPE_LENGTH`): the
    emulator refuses them rather than keep them (a choice: Zendesk's own limits are not documented)."""
    items = scopes if isinstance(scopes, list) else []
    return len(items) > MAX_SCOPES or any(isinstance(s, str) and len(s) > MAX_SCOPE_LENGTH for s in items)
