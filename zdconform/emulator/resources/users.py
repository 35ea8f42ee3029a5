"""The users endpoints: list users and users/me, with Zendesk's user and anonymous-user shapes.

Authentication, scopes and roles are checked before a handler runs (see `api.app`). Users are
rendered in Zendesk's field order; `base` is the absolute URL prefix for `url` fields.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from ..tenant.people import PROFILE_TYPES, User, default_profile
from .messages import Response, encode, json_response, with_extra
from .pagination import encoded_listing
from .state import Call

__all__ = ["anonymous_user", "authenticity_token", "list_users", "show_me", "user_json"]

RENDERED_LIMIT = 200_000  # users kept rendered per emulator
_END_USER_FIELDS = ("created_at", "updated_at", "time_zone", "iana_time_zone", "phone",
                    "shared_phone_number", "photo", "locale_id", "locale", "organization_id",
                    "verified")


def list_users(call: Call) -> Response:
    """GET /api/v2/users, optionally filtered by `role` or `role[]`."""
    query = call.request.query
    users = call.state.users_in(frozenset(query.get("role", []) + query.get("role[]", [])))  # O(page)
    rendered = call.state.rendered

    def encoded(user: User) -> bytes:  # each user rendered once per base URL: users do not change
        key = (user.id, call.base, call.extra)
        if key not in rendered:
            if len(rendered) >= RENDERED_LIMIT:
                rendered.clear()
            rendered[key] = encode(user_json(user, call.base, call.extra))
        return rendered[key]

    return encoded_listing("users", users, query, call.base + call.request.path, encoded, call.prev_link)


def show_me(call: Call) -> Response:
    """GET /api/v2/users/me; without credentials, the anonymous user."""
    if call.principal is None:
        return json_response(200, {"user": anonymous_user()})
    user = call.principal.user
    body = user_json(user, call.base, call.extra, end_user_view=user.role == "end-user")
    return json_response(200, {"user": body | {"authenticity_token": authenticity_token(user.id)}})


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
    return with_extra(body, extra)


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
