"""The grant-type endpoint `POST /oauth/tokens` (no `/api/v2`): client credentials, refresh with
rotation, and authorization codes with PKCE; the flat token response and the OAuth error bodies.

The client authenticates with `client_id` and `client_secret` in the body (form or JSON) or
with HTTP Basic. Every malformed request gets an OAuth error body (RFC 6749 section 5.2,
Doorkeeper's wording, which Zendesk's Rails stack is assumed to use: a choice), never a 500.
Authorization codes come only from the test-only door, since a real one needs a person in a
browser: `ZendeskEmulator.issue_authorization_code` in Python, and over HTTP
`POST /test-only/authorization_codes` (`test_only_code`), a route only the emulator has.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

from ..tenant.model import Client
from .messages import Request, Response, json_response
from .scopes import covers, scopes_out_of_bounds
from .state import LATE_REVOKE_SECONDS, Call, Code, LiveToken, State

__all__ = ["CODE_TTL_SECONDS", "GRANTS", "OAUTH_ERRORS", "TEST_ONLY_CODES", "issue_code", "oauth_error",
           "test_only_code", "token_grant"]

GRANTS = ("client_credentials", "refresh_token", "authorization_code")
TEST_ONLY_CODES = "/test-only/authorization_codes"  # the emulator's own door: Zendesk has no such path
CODE_TTL_SECONDS = 120  # "An authorization code is valid for 120 s" (OAS)
OAUTH_ERRORS = {
    "invalid_request": "The request is missing a required parameter, includes an unsupported parameter "
                       "value, or is otherwise malformed.",
    "invalid_client": "Client authentication failed due to unknown client, no client authentication "
                      "included, or unsupported authentication method.",
    "invalid_grant": "The provided authorization grant is invalid, expired, revoked, does not match the "
                     "redirection URI used in the authorization request, or was issued to another client.",
    "unsupported_grant_type": "The authorization grant type is not supported by the authorization server.",
    "invalid_scope": "The requested scope is invalid, unknown, or malformed.",
}
Params = dict[str, Any]


class _Refused(Exception):
    """An OAuth error to answer."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def oauth_error(error: str, status: int | None = None) -> Response:
    """The OAuth error body: 401 for `invalid_client`, 400 for the others (unless `status` says)."""
    return json_response(status or (401 if error == "invalid_client" else 400),
                         {"error": error, "error_description": OAUTH_ERRORS[error]})


def token_grant(call: Call) -> Response:
    """POST /oauth/tokens: 200 with the flat token, or the OAuth error."""
    grant = None
    try:
        params = _params(call.request)
        grant = _text(params, "grant_type")
        if grant not in GRANTS:  # password and implicit grants were removed in February 2025
            raise _Refused("unsupported_grant_type")
        client = _client(call.state, params, call.request.headers.get("authorization"), grant)
        token = _GRANTS[grant](call.state, client, params)
    except _Refused as refused:
        late = refused.error == "invalid_grant" and grant == "refresh_token" and \
            call.state.settings.refresh_refusal == "401"  # the variant: a refused refresh as Zendesk's CLI stubs it
        return oauth_error(refused.error, 401 if late else None)
    return json_response(200, _flat(call.state, token))


def _flat(state: State, token: LiveToken) -> dict[str, Any]:
    settings = state.settings
    if settings.grant_answers == "legacy":  # the variant: a legacy client's answer, as Zendesk's older docs show
        return {"access_token": token.token, "token_type": "bearer", "scope": " ".join(token.scopes)}
    return {"access_token": token.token, "token_type": "bearer", "scope": " ".join(token.scopes),
            "expires_in": settings.grant_access_ttl_seconds, "refresh_token": token.refresh_token,
            "refresh_token_expires_in": settings.grant_refresh_ttl_seconds}


def _params(request: Request) -> Params:
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refused("invalid_request") from None
    if "json" in request.headers.get("content-type", "").lower():
        try:
            data = json.loads(text) if text.strip() else {}
        except (ValueError, RecursionError):
            raise _Refused("invalid_request") from None
        if not isinstance(data, dict):
            raise _Refused("invalid_request")
        return data
    form = parse_qs(text, keep_blank_values=True)
    return {key: values[0] if len(values) == 1 else values for key, values in form.items()}


def _text(params: Params, key: str, required: bool = True) -> str | None:
    raw = params.get(key)
    if raw is None or raw == "":
        if required:
            raise _Refused("invalid_request")
        return None
    if not isinstance(raw, str):
        raise _Refused("invalid_request")
    return raw


def _client(state: State, params: Params, header: str | None, grant: str) -> Client:
    identifier: str | None
    secret: str | None
    if header:
        identifier, given = _basic(header)
        secret = given or None
    else:
        identifier, secret = _text(params, "client_id"), _text(params, "client_secret", False)
    client = next((c for c in state.clients.values() if c.identifier == identifier), None)
    if client is None:
        raise _Refused("invalid_client")
    if client.kind == "public":  # no secret to hold: client credentials are for confidential clients
        if grant == "client_credentials" or secret is not None:
            raise _Refused("invalid_client")
        return client
    lenient = state.settings.misbehave.accept_wrong_client_secret and secret is not None
    if not lenient and (secret is None or client.secret is None or not _same(secret, client.secret)):
        raise _Refused("invalid_client")
    return client


def _basic(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.strip().partition(" ")
    try:
        login, colon, secret = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        raise _Refused("invalid_client") from None
    if scheme.lower() != "basic" or not colon:
        raise _Refused("invalid_client")
    return login, secret


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _scopes(params: Params, allowed: tuple[str, ...] | None, default: tuple[str, ...]) -> tuple[str, ...]:
    raw = params.get("scope")
    if raw is None or raw == "":
        return default
    if isinstance(raw, list):  # the common mistake: the docs say the token is then Forbidden everywhere
        return (json.dumps(raw),)
    if not isinstance(raw, str):
        raise _Refused("invalid_request")
    scopes = tuple(raw.split())
    if scopes_out_of_bounds(list(scopes)):  # kept by no token: refused before anything is stored
        raise _Refused("invalid_scope")
    if not scopes or not all(covers(allowed if allowed is not None else scopes, s) for s in scopes):
        raise _Refused("invalid_scope")
    return scopes


def _client_credentials(state: State, client: Client, params: Params) -> LiveToken:
    scopes = _scopes(params, client.allowed_scopes, client.allowed_scopes or ("read",))
    return state.grant_token(client.user_id, client, scopes, "client_credentials")


def _refresh(state: State, client: Client, params: Params) -> LiveToken:
    old = state.by_refresh.get(_text(params, "refresh_token") or "")
    if old is None or old.gone or old.client_id != client.id or state.clock.has_passed(old.refresh_expires_at):
        raise _Refused("invalid_grant")
    scopes = _scopes(params, old.scopes, old.scopes)
    new = state.grant_token(old.user_id, client, scopes, "refresh_token")
    if state.settings.misbehave.refresh_without_rotation:  # the same refresh token, the old access kept
        del state.by_refresh[str(new.refresh_token)]
        new.refresh_token, new.refresh_expires_at = old.refresh_token, old.refresh_expires_at
        state.by_refresh[str(old.refresh_token)] = new
        return new
    if state.settings.revocation == "delayed":  # the variant: the replaced access token works a moment longer
        old.revoke_at = time.monotonic() + LATE_REVOKE_SECONDS
    else:
        old.revoked = True  # "deletes the previous access and refresh tokens"
    state.by_refresh.pop(str(old.refresh_token), None)
    return new


def _authorization_code(state: State, client: Client, params: Params) -> LiveToken:
    code = state.codes.pop(_text(params, "code") or "", None)  # single use, even when refused
    if code is None or code.client_id != client.id or state.clock.has_passed(code.expires_at):
        raise _Refused("invalid_grant")
    if code.redirect_uri is not None and _text(params, "redirect_uri", False) != code.redirect_uri:
        raise _Refused("invalid_grant")
    if code.challenge is not None and not _verified(code, _text(params, "code_verifier", False)):
        raise _Refused("invalid_grant")
    return state.grant_token(code.user_id, client, code.scopes, "authorization_code")


def _verified(code: Code, verifier: str | None) -> bool:
    if verifier is None:
        return False
    if code.method == "plain":
        return _same(verifier, str(code.challenge))
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return _same(base64.urlsafe_b64encode(digest).decode().rstrip("="), str(code.challenge))


_GRANTS = {"client_credentials": _client_credentials, "refresh_token": _refresh,
           "authorization_code": _authorization_code}


def issue_code(state: State, identifier: str, user_id: int | None, scope: str, redirect_uri: str | None,
               challenge: str | None, method: str) -> str:
    """The test-only door: an authorization code as if a user had consented in a browser.

    Raises `ValueError` naming the problem (unknown client or user, a public client without a
    PKCE challenge, a scope outside the client's allowed scopes, an unknown challenge method).
    """
    client = next((c for c in state.clients.values() if c.identifier == identifier), None)
    if client is None:
        raise ValueError(f"no OAuth client has the identifier {identifier!r}")
    user = client.user_id if user_id is None else user_id
    if user not in state.users:
        raise ValueError(f"no user has the id {user!r}")
    if method not in ("S256", "plain"):
        raise ValueError(f"code_challenge_method {method!r} is not S256 or plain")
    if client.kind == "public" and not challenge:
        raise ValueError(f"client {identifier!r} is public: a code for it needs a PKCE code_challenge")
    try:
        scopes = _scopes({"scope": scope}, client.allowed_scopes, client.allowed_scopes or ("read",))
    except _Refused:
        raise ValueError(f"scope {scope!r} is outside the allowed scopes of client {identifier!r}") from None
    code = secrets.token_urlsafe(24)
    state.codes[code] = Code(client.id, user, scopes, redirect_uri, challenge or None, method,
                             state.clock.stamp(CODE_TTL_SECONDS))
    return code


def test_only_code(call: Call) -> Response:
    """POST /test-only/authorization_codes (the emulator only): 201 `{"authorization_code": ...}`, as if a user
    had consented; the JSON body holds `client_id` (the identifier) and optionally `scope`,
    `user_id`, `redirect_uri`, `code_challenge` and `code_challenge_method`. A problem is 400
    `invalid_request` naming it."""
    try:
        body = json.loads(call.request.body.decode("utf-8") or "{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        user, text = body.get("user_id"), {k: v for k, v in body.items() if isinstance(v, str) and v}
        code = issue_code(call.state, str(body.get("client_id")), user if isinstance(user, int) else None,
                          text.get("scope", "read"), text.get("redirect_uri"), text.get("code_challenge"),
                          text.get("code_challenge_method", "S256"))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        return json_response(400, {"error": "invalid_request", "error_description": str(exc)[:200]})
    return json_response(201, {"authorization_code": code, "expires_in": CODE_TTL_SECONDS})
