"""Credentials from the environment: the auth methods, and which variable holds which secret.

Secrets come only from environment variables, never from ini or profile files.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..exceptions import UsageError

__all__ = [
    "AUTH_METHODS",
    "AuthMethod",
    "CLIENT_ID_VAR",
    "CREDENTIAL_VARIABLES",
    "CREDENTIAL_VARS",
    "Credentials",
    "Secret",
]


class Secret(str):
    """A secret: the string itself wherever it is used, masked wherever it is shown (`repr`),
    so pytest's assertion rewriting and `-l` locals print `<secret: N characters>`."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<secret: {len(self)} characters>"

AuthMethod = Literal["oauth_token", "api_token", "password"]
AUTH_METHODS: tuple[AuthMethod, ...] = ("oauth_token", "api_token", "password")

# role -> method -> environment variable holding that secret
CREDENTIAL_VARS: dict[str, dict[str, str]] = {
    "admin": {
        "email": "ZENDESK_EMAIL",
        "password": "ZENDESK_PASSWORD",
        "api_token": "ZENDESK_API_TOKEN",
        "oauth_token": "ZENDESK_OAUTH_TOKEN",
    },
    "agent": {
        "email": "ZENDESK_AGENT_EMAIL",
        "password": "ZENDESK_AGENT_PASSWORD",
        "api_token": "ZENDESK_AGENT_API_TOKEN",
        "oauth_token": "ZENDESK_AGENT_OAUTH_TOKEN",
    },
    # optional: an OAuth token whose expires_at has passed, for the expired-token check
    "expired": {"oauth_token": "ZENDESK_EXPIRED_OAUTH_TOKEN"},
    # a confidential OAuth client, for the grant-type checks (POST /oauth/tokens)
    "oauth_client": {"client_identifier": "ZENDESK_OAUTH_CLIENT_IDENTIFIER",
                     "client_secret": "ZENDESK_OAUTH_CLIENT_SECRET"},
}
CREDENTIAL_VARIABLES = tuple(var for names in CREDENTIAL_VARS.values() for var in names.values())
# optional, no secret: the OAuth client's numeric id (else the profile's `oauth_client`, found with List Clients)
CLIENT_ID_VAR = "ZENDESK_OAUTH_CLIENT_ID"
_SECRET_FIELDS = ("password", "api_token", "oauth_token", "client_secret")


@dataclass(frozen=True)
class Credentials:
    """The secrets for one role, as read from the environment. repr never shows them."""

    role: str
    email: str | None = None
    password: str | None = None
    api_token: str | None = None
    oauth_token: str | None = None
    client_identifier: str | None = None  # an OAuth client's identifier (not a secret)
    client_secret: str | None = None
    source: Mapping[str, str] = field(default_factory=dict)  # field -> env var name

    def __post_init__(self) -> None:
        for name in _SECRET_FIELDS:
            value = getattr(self, name)
            if isinstance(value, str) and not isinstance(value, Secret):
                object.__setattr__(self, name, Secret(value))

    @classmethod
    def from_env(cls, role: str = "admin", env: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if env is None else env
        names = CREDENTIAL_VARS[role]
        values = {key: (env.get(var) or None) for key, var in names.items()}
        for key, value in values.items():
            _check_sendable(names[key], value, header=key == "oauth_token")
        return cls(role=role, source=names, **values)

    def missing_for(self, method: AuthMethod) -> list[str]:
        """The environment variables that must be set for `method`, empty when usable."""
        needed = {"oauth_token": ["oauth_token"], "api_token": ["email", "api_token"],
                  "password": ["email", "password"]}[method]
        return self.missing(*needed)

    def missing(self, *names: str) -> list[str]:
        """The environment variables of the fields `names` that are not set."""
        return [self.source.get(key, key) for key in names if not getattr(self, key)]

    def secrets(self) -> list[str]:
        return [v for v in (getattr(self, name) for name in _SECRET_FIELDS) if v]

    def __repr__(self) -> str:
        present = [k for k in ("email", "client_identifier", *_SECRET_FIELDS) if getattr(self, k)]
        return f"Credentials(role={self.role!r}, present={present})"


def _check_sendable(variable: str, value: str | None, *, header: bool) -> None:
    """Refuse a credential that cannot go into a request: a bearer token goes into the header as
    it is, so only visible ASCII; the others are base64-encoded as UTF-8, so no control character
    or undecodable byte. The message names the variable and never shows the value."""
    if value is None:
        return
    for index, char in enumerate(value):
        bad = (not "\x21" <= char <= "\x7e") if header else (char < "\x20" or "\ud800" <= char <= "\udfff")
        if bad:
            kind = "visible ASCII characters" if header else "text without control characters"
            raise UsageError(f"`{variable}` holds a character that cannot be sent (at position {index + 1} of "
                             f"{len(value)}; the value is not shown): it must be {kind}. Copy the credential "
                             "again from Zendesk, without spaces or line breaks.")
