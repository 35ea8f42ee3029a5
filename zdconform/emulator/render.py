"""JSON shapes of clients, tokens and users, in Zendesk's field order.

`base` is the absolute URL prefix for `url` fields: the request's Host, or `link_base_url`.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from zdconform.emulator.tenant.model import Client
from zdconform.emulator.tenant.people import PROFILE_TYPES, User, default_profile
from zdconform.emulator.state import LiveToken

__all__ = [
    "EXTRA_FIELDS",
    "anonymous_user",
    "authenticity_token",
    "client_json",
    "token_json",
    "user_json",
]

EXTRA_FIELDS: dict[str, Any] = {"zz_future_field": "added by the emulator's extra_fields",
                                "zz_future_object": {"enabled": True, "items": []}}
_END_USER_FIELDS = ("created_at", "updated_at", "time_zone", "iana_time_zone", "phone",
                    "shared_phone_number", "photo", "locale_id", "locale", "organization_id",
                    "verified")
SHOWN_TOKEN_CHARS = 10


def _extra(body: dict[str, Any], extra: bool) -> dict[str, Any]:
    return body | EXTRA_FIELDS if extra else body


def client_json(client: Client, base: str, extra: bool = False) -> dict[str, Any]:
    """An OAuth client; the secret shows only its first 10 characters."""
    secret = client.secret[:SHOWN_TOKEN_CHARS] if client.secret else client.secret
    return _extra({
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
        "token": token.token[:SHOWN_TOKEN_CHARS], "refresh_token": None,
        "scopes": list(token.scopes), "created_at": token.created_at,
        "expires_at": token.expires_at, "used_at": token.used_at,
        "refresh_token_expires_at": None,
    }
    if full:
        body["full_token"] = token.token
    return _extra(body, extra)


def user_json(user: User, base: str, extra: bool = False, end_user_view: bool = False
              ) -> dict[str, Any]:
    """A user as an admin or agent sees it, or the smaller end-user view of oneself."""
    profile = default_profile(user.role) | dict(user.profile)
    names = _END_USER_FIELDS if end_user_view else tuple(PROFILE_TYPES)
    body: dict[str, Any] = {"id": user.id, "url": f"{base}/api/v2/users/{user.id}.json",
                            "name": user.name, "email": user.email}
    for key in names:
        body[key] = profile[key]
        if key == "organization_id":
            body["role"] = user.role
    return _extra(body, extra)


def authenticity_token(user_id: int | None) -> str:
    """A stable per-user stand-in for the CSRF token `users/me` carries."""
    digest = hashlib.sha256(f"zdconform-emulator-authenticity-{user_id}".encode()).digest()
    return base64.b64encode(digest).decode("ascii")


def anonymous_user() -> dict[str, Any]:
    """What `GET /api/v2/users/me` answers without credentials. (choice)"""
    return {
        "id": None, "url": None, "name": "Anonymous user", "email": "invalid@example.com",
        "created_at": None, "updated_at": None, "time_zone": "America/New_York",
        "iana_time_zone": "America/New_York", "phone": None, "shared_phone_number": None,
        "photo": None, "locale_id": 1, "locale": "en-US", "organization_id": None,
        "role": "end-user", "verified": False, "authenticity_token": authenticity_token(None),
    }
