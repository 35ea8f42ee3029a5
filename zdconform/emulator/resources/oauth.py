"""The OAuth endpoints: list clients; create, list, show and revoke tokens; their JSON shapes.

Authentication, scopes and roles are checked before a handler runs (see `api.app`). Objects
are rendered in Zendesk's field order; `base` is the absolute URL prefix for `url` fields.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..tenant.model import Client
from .messages import (
    Request,
    Response,
    bad_json,
    json_response,
    missing_parameter,
    no_content,
    not_found,
    record_invalid,
    text_error,
    with_extra,
)
from .pagination import listing
from .scopes import MAX_SCOPE_LENGTH, MAX_SCOPES, scopes_out_of_bounds
from .state import LATE_REVOKE_SECONDS, Call, LiveToken, State

__all__ = ["SHOWN_TOKEN_CHARS", "client_json", "create_token", "list_clients", "list_tokens",
           "revoke_token", "show_token", "token_json"]

SHOWN_TOKEN_CHARS = 10
MAX_ID_DIGITS = 19  # ids are 64-bit integers: a longer "id" is no record's (404), never a 500
Details = dict[str, list[dict[str, str]]]


def client_json(client: Client, base: str, extra: bool = False) -> dict[str, Any]:
    """An OAuth client; the secret shows only its first 10 characters."""
    secret = client.secret[:SHOWN_TOKEN_CHARS] if client.secret else client.secret
    return with_extra({
        "url": f"{base}/api/v2/oauth/clients/{client.id}.json", "id": client.id,
        "user_id": client.user_id, "name": client.name, "identifier": client.identifier,
        "company": client.company, "description": client.description,
        "redirect_uri": list(client.redirect_uri), "secret": secret, "kind": client.kind,
        "global": client.global_, "logo_url": client.logo_url,
        "created_at": client.created_at, "updated_at": client.updated_at,
    }, extra)


def token_json(token: LiveToken, base: str, extra: bool = False, full: bool = False
               ) -> dict[str, Any]:
    """An OAuth token; `token` truncated to 10 characters, `full_token` only when `full`."""
    body = {
        "url": f"{base}/api/v2/oauth/tokens/{token.id}.json", "id": token.id,
        "user_id": token.user_id, "client_id": token.client_id,
        "token": token.token[:SHOWN_TOKEN_CHARS],
        "refresh_token": token.refresh_token[:SHOWN_TOKEN_CHARS] if token.refresh_token else None,
        "scopes": list(token.scopes), "created_at": token.created_at,
        "expires_at": token.expires_at, "used_at": token.used_at,
        "refresh_token_expires_at": token.refresh_expires_at,
    }
    if full:
        body["full_token"] = token.token
    return with_extra(body, extra)


def list_clients(call: Call) -> Response:
    """GET /api/v2/oauth/clients (and /api/v2/users/me/oauth/clients)."""
    return listing("clients", list(call.state.clients.values()), call.request.query,
                   call.base + call.request.path,
                   lambda client: client_json(client, call.base, call.extra), call.prev_link)


def list_tokens(call: Call) -> Response:
    """GET /api/v2/oauth/tokens: the caller's tokens, or everyone's with `all=true`."""
    assert call.principal is not None
    everyone = (call.first("all") or "").lower() in ("true", "1", "yes")
    client = call.first("client_id")
    tokens = [token for token in call.state.visible_tokens()
              if (everyone or token.user_id == call.principal.user.id)
              and (client is None or str(token.client_id) == client)]
    return listing("tokens", tokens, call.request.query, call.base + call.request.path,
                   lambda token: token_json(token, call.base, call.extra), call.prev_link)


def show_token(call: Call) -> Response:
    """GET /api/v2/oauth/tokens/{id|current}; the token is shown truncated."""
    token = _find_token(call)
    if token is None:
        return not_found(call.state.settings.not_found)
    return json_response(200, {"token": token_json(token, call.base, call.extra)})


def revoke_token(call: Call) -> Response:
    """DELETE /api/v2/oauth/tokens/{id|current}: 204, and the token stops working."""
    token = _find_token(call)
    if token is None:
        return not_found(call.state.settings.not_found)
    current = call.params["id"] == "current"
    settings = call.state.settings
    late = settings.revoke_current == "delayed" if current else settings.revocation == "delayed"
    if call.state.settings.misbehave.revoke_is_noop:
        return no_content()
    if late and token.revoke_at is None:
        token.revoke_at = time.monotonic() + LATE_REVOKE_SECONDS  # as users reported of current.json
    elif not late:
        token.revoked = True
    return no_content()


def _find_token(call: Call) -> LiveToken | None:
    assert call.principal is not None
    reference, user = call.params["id"], call.principal.user
    if reference == "current":
        return call.principal.token
    number = record_id(reference)
    token = call.state.tokens.get(number) if number is not None else None
    if token is None or token.gone:
        return None
    return token if user.role == "admin" or token.user_id == user.id else None


def create_token(call: Call) -> Response:
    """POST /api/v2/oauth/tokens: 201 with `full_token`, the only time it is shown."""
    assert call.principal is not None
    payload = _json_body(call.request)
    if isinstance(payload, Response):
        return payload
    wrapper = payload.get("token") if isinstance(payload, dict) else None
    if not isinstance(wrapper, dict) or not wrapper:
        return text_error(400, "Required parameter missing: token") if call.text_errors else missing_parameter("token")
    if scopes_out_of_bounds(wrapper.get("scopes")):
        return json_response(400, {"error": "InvalidValue", "description": f"Scopes: at most {MAX_SCOPES} scopes, "
                                   f"each at most {MAX_SCOPE_LENGTH} characters"})
    details: Details = {}
    client = _client(call.state, wrapper.get("client_id"), details)
    empty_ok = call.state.settings.empty_scopes == "accept" and wrapper.get("scopes") == []
    scopes = () if empty_ok else _scopes(wrapper.get("scopes"), details)
    if client is None or scopes is None:
        if call.text_errors:
            return text_error(422, "; ".join(p["description"] for ps in details.values() for p in ps))
        return record_invalid(details)
    token = call.state.create_token(call.principal.user, client, scopes)
    body = token_json(token, call.base, call.extra, full=True)
    return json_response(201, {"token": body}, [("Location", body["url"])])


def _json_body(request: Request) -> Any:
    """The parsed body; a body not declared as JSON is ignored, as Rails ignores it."""
    if "json" not in request.headers.get("content-type", "").lower():
        return {}
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested deeper than any real body
        return bad_json()


def _problem(field: str, blank: bool) -> list[dict[str, str]]:
    if blank:
        return [{"description": f"{field}: cannot be blank", "error": "BlankValue"}]
    return [{"description": f"{field}: is invalid", "error": "InvalidValue"}]


def _client(state: State, raw: Any, details: Details) -> Client | None:
    if raw is None or raw == "":
        details["client_id"] = _problem("Client", blank=True)
        return None
    client_id = raw if isinstance(raw, int) and not isinstance(raw, bool) else None
    if isinstance(raw, str):
        client_id = record_id(raw.strip())
    client = state.clients.get(client_id) if client_id is not None else None
    if client is None:
        details["client_id"] = _problem("Client", blank=False)
    return client


def _scopes(raw: Any, details: Details) -> tuple[str, ...] | None:
    if raw is None or raw == [] or raw == "":
        details["scopes"] = _problem("Scopes", blank=True)
        return None
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        details["scopes"] = _problem("Scopes", blank=False)
        return None
    return tuple(raw)


def record_id(text: str) -> int | None:
    """A record id in a path or a body: ASCII digits, at most 19 of them (a 64-bit id); else None."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS else None
