"""The endpoint handlers: list clients, create/list/show/revoke tokens, list users, users/me.

Authentication, scopes and roles are checked before a handler runs (see `app`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from zdconform.emulator.call import Call, Request
from zdconform.emulator.tenant.model import Client
from zdconform.emulator.pagination import paginate
from zdconform.emulator.render import (
    anonymous_user,
    authenticity_token,
    client_json,
    token_json,
    user_json,
)
from zdconform.emulator.responses import (
    Response,
    bad_json,
    json_response,
    missing_parameter,
    no_content,
    not_found,
    record_invalid,
)
from zdconform.emulator.state import LiveToken, State

__all__ = ["create_token", "list_clients", "list_tokens", "list_users", "revoke_token",
           "show_me", "show_token"]

Details = dict[str, list[dict[str, str]]]


def _listing(call: Call, key: str, items: Sequence[Any],
             render: Callable[[Any, str, bool], dict[str, Any]]) -> Response:
    page = paginate(items, call.request.query, call.base + call.request.path)
    if isinstance(page, Response):
        return page
    rendered = [render(item, call.base, call.extra) for item in page.items]
    return json_response(200, {key: rendered, **page.envelope})


def list_clients(call: Call) -> Response:
    """GET /api/v2/oauth/clients (and /api/v2/users/me/oauth/clients)."""
    return _listing(call, "clients", list(call.state.clients.values()), client_json)


def list_users(call: Call) -> Response:
    """GET /api/v2/users, optionally filtered by `role` or `role[]`."""
    query = call.request.query
    roles = set(query.get("role", []) + query.get("role[]", []))
    users = [user for user in call.state.ordered_users if not roles or user.role in roles]
    return _listing(call, "users", users, user_json)


def show_me(call: Call) -> Response:
    """GET /api/v2/users/me; without credentials, the anonymous user."""
    if call.principal is None:
        return json_response(200, {"user": anonymous_user()})
    user = call.principal.user
    body = user_json(user, call.base, call.extra, end_user_view=user.role == "end-user")
    return json_response(200, {"user": body | {"authenticity_token": authenticity_token(user.id)}})


def list_tokens(call: Call) -> Response:
    """GET /api/v2/oauth/tokens: the caller's tokens, or everyone's with `all=true`."""
    assert call.principal is not None
    everyone = (call.first("all") or "").lower() in ("true", "1", "yes")
    client = call.first("client_id")
    tokens = [token for token in call.state.visible_tokens()
              if (everyone or token.user_id == call.principal.user.id)
              and (client is None or str(token.client_id) == client)]
    return _listing(call, "tokens", tokens, token_json)


def show_token(call: Call) -> Response:
    """GET /api/v2/oauth/tokens/{id|current}; the token is shown truncated."""
    token = _find_token(call)
    if token is None:
        return not_found()
    return json_response(200, {"token": token_json(token, call.base, call.extra)})


def revoke_token(call: Call) -> Response:
    """DELETE /api/v2/oauth/tokens/{id|current}: 204, and the token stops working."""
    token = _find_token(call)
    if token is None:
        return not_found()
    if not call.state.settings.misbehave.revoke_is_noop:
        token.revoked = True
    return no_content()


def _find_token(call: Call) -> LiveToken | None:
    assert call.principal is not None
    reference, user = call.params["id"], call.principal.user
    if reference == "current":
        return call.principal.token
    token = call.state.tokens.get(int(reference)) if reference.isdigit() else None
    if token is None or token.revoked:
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
        return missing_parameter("token")
    details: Details = {}
    client = _client(call.state, wrapper.get("client_id"), details)
    scopes = _scopes(wrapper.get("scopes"), details)
    if client is None or scopes is None:
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
    except (ValueError, UnicodeDecodeError):
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
    if isinstance(raw, str) and raw.strip().isdigit():
        client_id = int(raw.strip())
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
