"""The credentials of a request: Basic email:password, Basic email/token:api_token, or Bearer.

`authenticate` answers a `resources.state.Principal`, None (no Authorization header at all),
or the 401 `Response` for the method that failed. `scope_allows` decides OAuth scopes.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from typing import Any

from ..resources.messages import Response, basic_401, bearer_401
from ..resources.scopes import SCOPE_RESOURCES, parse_scope
from ..resources.state import Principal, State

__all__ = ["SCOPE_RESOURCES", "authenticate", "is_password_basic", "scope_allows"]

_TOKEN_CHARS = re.compile(r"^[A-Za-z0-9._~+/=-]+$")


def authenticate(state: State, header: str | None) -> Principal | Response | None:
    """Resolve the Authorization header against the tenant and its settings."""
    if header is None:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    if scheme.lower() == "bearer":
        return _bearer(state, credentials.strip())
    if scheme.lower() == "basic":
        return _basic(state, credentials.strip())
    return basic_401()


def is_password_basic(header: str | None) -> bool:
    """True for a well-formed Basic `email:password` header (not `email/token:...`)."""
    scheme, _, encoded = (header or "").strip().partition(" ")
    try:
        login, colon, _ = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return False
    return scheme.lower() == "basic" and bool(colon) and not login.endswith("/token")


def _bearer(state: State, secret: str) -> Principal | Response:
    if not secret and state.settings.empty_bearer == "basic":
        return basic_401()  # the `empty_bearer: basic` variant: a bare `Bearer` treated as no header
    if not state.settings.oauth_access or not _TOKEN_CHARS.match(secret):
        return bearer_401()
    token = state.by_secret.get(secret) or _lenient_token(state, secret)
    if token is None or not state.usable(token):
        return bearer_401()
    user = state.users.get(token.user_id)
    return Principal(user, "bearer", token) if user else bearer_401()


def _basic(state: State, encoded: str) -> Principal | Response:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):  # not base64, not ASCII (UnicodeEncodeError), not UTF-8
        return basic_401()
    login, colon, secret = decoded.partition(":")
    if not colon:
        return basic_401()
    if login.endswith("/token"):
        return _api_token(state, login[: -len("/token")], secret)
    return _password(state, login, secret)


def _api_token(state: State, email: str, secret: str) -> Principal | Response:
    # Zendesk API tokens belong to the account: any active token works with any user's email.
    user = state.by_email.get(email.lower())
    known = any(_same(secret, token) or _lenient(state, secret, token) for token in state.api_tokens)
    if not state.settings.api_token_access or user is None or not known:
        return basic_401()
    return Principal(user, "api_token")


def _password(state: State, email: str, secret: str) -> Principal | Response:
    user = state.by_email.get(email.lower())
    if user is None:
        return basic_401(state.settings.password_challenge == "basic")
    if state.settings.misbehave.accept_wrong_password:
        return Principal(user, "password")
    if not state.settings.password_access or user.password is None:
        return basic_401(state.settings.password_challenge == "basic")
    if state.settings.misbehave.password_trailing_whitespace:
        secret = secret.rstrip()
    if not _same(secret, user.password):
        return basic_401(state.settings.password_challenge == "basic")
    return Principal(user, "password")


def _lenient(state: State, given: str, expected: str) -> bool:
    """The broken comparisons a `misbehave` switch turns on: a prefix, or any case, of a token."""
    switches = state.settings.misbehave
    if switches.case_insensitive_tokens and given.lower() == expected.lower():
        return True
    return switches.accept_token_prefix and len(given) >= 8 and expected.startswith(given)


def _lenient_token(state: State, secret: str) -> Any:
    switches = state.settings.misbehave
    if not (switches.case_insensitive_tokens or switches.accept_token_prefix):
        return None
    return next((token for known, token in state.by_secret.items() if _lenient(state, secret, known)), None)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def scope_allows(scopes: tuple[str, ...], access: str, resource: str | None) -> bool:
    """True when `scopes` grant `access` (read/write) on `resource` (None: an OAuth endpoint).

    Any syntactically odd scope makes the token Forbidden everywhere, as Zendesk documents.
    """
    granted = set()
    for scope in scopes:
        parsed = parse_scope(scope)
        if parsed is None:
            return False
        granted.update(parsed)
    return (None, access) in granted or (resource is not None and (resource, access) in granted)
