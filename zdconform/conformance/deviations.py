"""Deviations: a real tenant refusing in another documented way than the reference infers.

A check that expects a refusal rests on two kinds of fact: a *security* fact (the request is
refused at all) and a *shape* fact (how: status, body, challenge). Contradicting a security
fact always fails. A shape difference on an *inferred* fact, seen on a real tenant, is a
deviation when the tenant still refused with a body Zendesk documents for that status: the
check passes, and the deviation, with the observed response, goes into its evidence. Against
the reference emulator the emulator's documented choice stays exact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from .checks import body_of
from .facts import Fact
from .schemas import load_registry

__all__ = ["DOCUMENTED", "REFUSALS", "documented_body", "may_deviate", "record"]

# The refusals a tenant may answer instead of the inferred one, and the bodies documented for each.
REFUSALS = frozenset({400, 401, 403, 404, 409, 422})
DOCUMENTED = {
    401: ("error_401_basic", "error_401_bearer"),
    403: ("error_403_scope", "error_403_role"),
    404: ("error_404",),
}
_GENERIC = ("error_4xx_json", "error_4xx_generic")  # JSON first: "text" names the text form
NAMES = {"error_401_basic": "basic body", "error_401_bearer": "bearer body", "error_403_scope": "scope body",
         "error_403_role": "role body", "error_403": "403 body", "error_404": "not-found body",
         "error_4xx_json": "JSON error body", "error_4xx_generic": "error body"}
BODY_CHARS = 2000  # the observed body kept in the evidence (the cassette holds it whole)


def documented_body(response: requests.Response) -> str | None:
    """The documented body `response` carries for its status (`basic body`, `text body`, ...), or None."""
    body = body_of(response)
    registry = load_registry()
    for name in DOCUMENTED.get(response.status_code, _GENERIC):
        if registry.is_valid(body, name):
            return "text body" if isinstance(body, str) and name == "error_4xx_generic" else NAMES[name]
    return None


def may_deviate(fact: Fact | None, response: requests.Response, *, reference: bool, granted_ok: bool,
                expected: tuple[int, ...] = (401,)) -> bool:
    """Whether a mismatch on `fact` is a deviation rather than a failure.

    A 401 where the check expects another refusal is never one: the credential the check relies
    on was itself refused (say API token access is off although the profile enables it).
    """
    if fact is None or reference or not fact.inferred or fact.security:
        return False
    if response.ok:
        return granted_ok  # only where accepting is plausible and harmless (the token is revoked)
    if response.status_code == 401 and 401 not in expected:
        return False
    return response.status_code in REFUSALS and documented_body(response) is not None


def record(response: requests.Response, fact: Fact, *, expected: tuple[int, ...], schema: str,
           redact: Callable[[str], str]) -> dict[str, Any]:
    """The deviation's record: what was observed, what the reference infers, and the message."""
    if response.ok:
        observed = "success (the token it minted is revoked)" if response.status_code == 201 else "success"
    else:
        observed = documented_body(response) or "body"
    wanted = f"{' or '.join(map(str, expected))} {NAMES.get(schema, schema)}"
    text = redact(response.text or "")
    return {
        "fact": fact.id,
        "expected": wanted,
        "observed": f"{response.status_code} {observed}",
        "status": response.status_code,
        "content_type": response.headers.get("Content-Type", ""),
        "body": text[:BODY_CHARS] + ("..." if len(text) > BODY_CHARS else ""),
        "message": f"deviation: observed {response.status_code} {observed}; the reference infers "
                   f"{wanted} [fact {fact.id}]",
    }
