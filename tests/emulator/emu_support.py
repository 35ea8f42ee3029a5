"""Shared constants and helpers for the emulator's tests (imported as `emu_support`)."""

from __future__ import annotations

import base64
from typing import Any

import requests

from zdconform.emulator import DEFAULT_CREDENTIALS

CREDS = DEFAULT_CREDENTIALS
ADMIN, AGENT, END_USER = CREDS["admin"], CREDS["agent"], CREDS["end_user"]


def basic(login: str, secret: str) -> str:
    """An Authorization header value for HTTP Basic."""
    return "Basic " + base64.b64encode(f"{login}:{secret}".encode()).decode()


AUTH = {
    "admin-password": basic(ADMIN["email"], ADMIN["password"]),
    "admin-api-token": basic(f"{ADMIN['email']}/token", ADMIN["api_token"]),
    "admin-bearer": f"Bearer {ADMIN['oauth_token']}",
    "agent-password": basic(AGENT["email"], AGENT["password"]),
    "agent-api-token": basic(f"{AGENT['email']}/token", AGENT["api_token"]),
    "agent-bearer": f"Bearer {AGENT['oauth_token']}",
    "end-user-password": basic(END_USER["email"], END_USER["password"]),
    "end-user-bearer": f"Bearer {END_USER['oauth_token']}",
    "read-only-bearer": f"Bearer {CREDS['read_only_oauth_token']}",
    "expired-bearer": f"Bearer {CREDS['expired_oauth_token']}",
    "revoked-bearer": f"Bearer {CREDS['revoked_oauth_token']}",
}


def send(session: requests.Session, base: str, method: str, path: str,
         auth: str | None = None, **kwargs: Any) -> requests.Response:
    """One request; `auth` is a name from AUTH or a literal Authorization value."""
    headers = dict(kwargs.pop("headers", {}))
    if auth is not None:
        headers["Authorization"] = AUTH.get(auth, auth)
    return session.request(method, base + path, headers=headers, timeout=10, **kwargs)
