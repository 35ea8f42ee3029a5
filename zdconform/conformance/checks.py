"""Conformance checks: is a response the one the tenant profile says it should be?

Each check raises `ConformanceFailure` (an AssertionError) with one paragraph that says what
was expected, what came back, and the likely cause and fix. Response text quoted in a
message passes through the run's `SecretSet` first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import requests

from ..exceptions import ConformanceFailure
from .endpoints import DENIED, METHOD_NAMES
from .notes import Expected
from .schemas import validate

__all__ = ["Expected", "body_of", "check_allowed", "check_denied", "check_refused", "explain"]

Redact = Callable[[str], str]



def body_of(response: requests.Response) -> Any:
    """The parsed JSON body, or the text for a non-JSON body (a text/plain 429, say)."""
    try:
        return response.json()
    except ValueError:
        return response.text


def check_allowed(response: requests.Response, status: int, schema: str, *, method: str,
                  what: str, redact: Redact) -> Any:
    """The request must succeed with `status` and a body valid against `schema`."""
    if response.status_code != status:
        raise ConformanceFailure(
            f"zdconform: {what} with {METHOD_NAMES.get(method, method)}: expected {status}, got "
            f"{response.status_code}. {explain(response, method)} "
            f"Response body: {_snippet(response, redact)}")
    body = body_of(response)
    _check_schema(body, schema, what=what, redact=redact)
    return body


class ChallengeMissing(ConformanceFailure):
    """A refusal with the right status and body, and no WWW-Authenticate at all (fact F-54)."""


def check_denied(response: requests.Response, *, method: str, what: str, redact: Redact) -> Any:
    """The request must be refused with 401, the method's documented body and challenge."""
    name = METHOD_NAMES.get(method, method)
    if response.ok:
        raise ConformanceFailure(
            f"zdconform: {what} with {name} succeeded ({response.status_code}), but the tenant "
            f"profile expects {name} access to be disabled. {_policy_hint(method)}")
    if response.status_code != 401:
        raise ConformanceFailure(
            f"zdconform: {what} with {name}: expected the documented 401 refusal, got "
            f"{response.status_code}. {explain(response, method)} "
            f"Response body: {_snippet(response, redact)}")
    body = body_of(response)
    _check_schema(body, DENIED[method][0], what=f"{what} (401 body)", redact=redact)
    challenge = response.headers.get("WWW-Authenticate", "")
    if not challenge.startswith(DENIED[method][1]):
        raise (ChallengeMissing if not challenge.strip() else ConformanceFailure)(
            f"zdconform: {what} with {name}: the 401 carries WWW-Authenticate {challenge!r}; "
            f"Zendesk sends a `{DENIED[method][1]} realm=...` challenge for this method.")
    return body


def check_refused(response: requests.Response, status: int | tuple[int, ...], schema: str, *,
                  what: str, cause: str, redact: Redact, challenge: str | None = None,
                  method: str = "-") -> Any:
    """The request must be refused with `status` (or one of them), a body valid against
    `schema` and, when given, a `WWW-Authenticate` challenge of scheme `challenge`.

    `cause` is the sentence that explains a success: what the tenant got wrong by accepting.
    """
    wanted = (status,) if isinstance(status, int) else status
    if response.status_code not in wanted:
        why = cause if 200 <= response.status_code < 300 else explain(response, method)
        raise ConformanceFailure(
            f"zdconform: {what}: expected the refusal {' or '.join(map(str, wanted))}, got "
            f"{response.status_code}. {why} Response body: {_snippet(response, redact)}")
    body = body_of(response)
    _check_schema(body, schema, what=f"{what} ({response.status_code} body)", redact=redact)
    found = response.headers.get("WWW-Authenticate", "")
    if challenge is not None and not found.startswith(challenge):
        raise (ChallengeMissing if not found.strip() else ConformanceFailure)(
            f"zdconform: {what}: the {response.status_code} carries WWW-Authenticate {found!r}; "
            f"Zendesk sends a `{challenge} realm=...` challenge for this refusal.")
    return body


def _check_schema(body: Any, schema: str, *, what: str, redact: Redact) -> None:
    violations = validate(body, schema)
    if violations:
        lines = "\n".join(f"  - {redact(str(v))}" for v in violations[:10])
        more = f"\n  ... and {len(violations) - 10} more" if len(violations) > 10 else ""
        raise ConformanceFailure(
            f"zdconform: {what}: the response does not conform to schema `{schema}` "
            f"({len(violations)} violation(s)):\n{lines}{more}")


def explain(response: requests.Response, method: str) -> str:
    """One sentence on the likely cause of an unexpected status, and the fix."""
    status, body = response.status_code, body_of(response)
    error = body.get("error") if isinstance(body, dict) else None
    if 300 <= status < 400:
        where = urlsplit(response.headers.get("Location", ""))
        return (f"The tenant redirected the request (to {where.scheme}://{where.netloc or '?'}) instead of "
                "answering it; zdconform never follows a redirect, so nothing was accepted or refused. "
                "Check that the target is the tenant's own https://SUBDOMAIN.zendesk.com address.")
    if status == 401 and method == "password":
        return ("Password access is disabled on this tenant (Zendesk removed it in January 2026) "
                "or the password is wrong: use an API token or OAuth, or set "
                "`expect.password: disabled` in the tenant profile.")
    if status == 401 and method == "api_token":
        return ("API token access is disabled on this tenant or ZENDESK_EMAIL/ZENDESK_API_TOKEN "
                "is wrong: check Admin Center > Apps and integrations > APIs > API configuration.")
    if status == 401:
        return ("The OAuth token is expired, revoked or invalid: create a new one and set "
                "ZENDESK_OAUTH_TOKEN.")
    if status == 403 and isinstance(error, dict):
        return ("The user is not an admin: List OAuth Clients and Create Token are admin-only; "
                "use an admin's credentials.")
    if status == 403:
        return f"The token lacks a required scope ({_description(body)}): create it with the scopes listed."
    if status == 429:
        return "The tenant's rate limit was exhausted: run again later or lower the request rate."
    if status >= 500:
        return "The tenant answered with a server error: retry later; if it persists, contact Zendesk support."
    return "This status is not one Zendesk documents for this request."


def _policy_hint(method: str) -> str:
    if method == "password":
        return ("Zendesk removed password access to the API in January 2026; if this tenant still "
                "allows it, turn it off, or set `expect.password: enabled` in the profile.")
    if method == "api_token":
        return ("Turn API token access off in Admin Center, or set `expect.api_token: enabled` "
                "(API tokens are deactivated on 2027-04-30).")
    return "Set `expect.oauth: enabled` in the tenant profile if OAuth is meant to work."


def _description(body: Any) -> str:
    return str(body.get("description", "")) if isinstance(body, dict) else str(body)[:100]


def _snippet(response: requests.Response, redact: Redact, limit: int = 300) -> str:
    text = redact(response.text or "")
    return repr(text[:limit] + ("..." if len(text) > limit else ""))
