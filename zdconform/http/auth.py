"""The three ways to authenticate to the Zendesk API, as `requests.auth.AuthBase` objects.

    OAuthBearerAuth(token)              Authorization: Bearer <token>
    ApiTokenAuth(email, api_token)      Authorization: Basic base64("{email}/token:{api_token}")
    PasswordAuth(email, password)       Authorization: Basic base64("{email}:{password}")
    NoAuth()                            no Authorization header at all (negative checks)

Each object precomputes its header in `__init__`; calling it only sets that header. `repr` and
`str` never show a secret (the email's local part is masked too), equality is by value, and
`secrets()` lists every string that must never be written anywhere: the raw secret, the
`user:pass` string, its base64 form and their URL-encoded forms, for the leak gate.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import ClassVar
from urllib.parse import quote, quote_plus

from requests import PreparedRequest
from requests.auth import AuthBase

from ..exceptions import UsageError

__all__ = [
    "METHODS",
    "ApiTokenAuth",
    "NoAuth",
    "OAuthBearerAuth",
    "PasswordAuth",
    "ZendeskAuth",
    "auth_for",
    "mask_email",
]

METHODS = ("oauth_token", "api_token", "password")


def mask_email(email: str) -> str:
    """`fakeuser@example.com` -> `f***@example.com`; anything without `@` -> `***`."""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if at else "***"


def _basic_header(userpass: str) -> str:
    return "Basic " + base64.b64encode(userpass.encode("utf-8")).decode("ascii")


def _with_encodings(*values: str) -> tuple[str, ...]:
    """Each value, then its URL-encoded forms where they differ; order kept, no repeats."""
    found: dict[str, None] = {}
    for value in values:
        for form in (value, quote(value, safe=""), quote_plus(value)):
            found.setdefault(form, None)
    return tuple(found)


def _require(cls: str, name: str, value: str, *, no_space: bool = False) -> None:
    """Reject an empty or whitespace-bearing credential without ever echoing its value."""
    if not isinstance(value, str) or not value:
        raise UsageError(f"`{cls}` needs a non-empty `{name}` string; got {type(value).__name__}.")
    if no_space and any(ch.isspace() for ch in value):
        raise UsageError(
            f"`{cls}`: the `{name}` contains whitespace (value not shown). Tokens never do: check "
            "the environment variable for a stray newline or space and set it again."
        )


class ZendeskAuth(AuthBase):
    """Base of the auth methods: one precomputed `Authorization` value, compared by value."""

    method: ClassVar[str] = ""

    def __init__(self, header: str | None) -> None:
        self._header = header

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        r.headers["Authorization"] = self._header  # type: ignore[assignment]
        return r

    def __eq__(self, other: object) -> bool:
        if type(self) is not type(other):
            return NotImplemented
        assert isinstance(other, ZendeskAuth)
        return self._header == other._header

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._header))

    def secrets(self) -> tuple[str, ...]:
        """Every secret string this object carries, raw and in each encoding it is sent in."""
        return ()


class NoAuth(ZendeskAuth):
    """Sends no `Authorization` header at all (and stops `requests` falling back to netrc)."""

    method = "none"

    def __init__(self) -> None:
        super().__init__(None)

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        r.headers.pop("Authorization", None)
        return r

    def __repr__(self) -> str:
        return "NoAuth()"


class OAuthBearerAuth(ZendeskAuth):
    """`Authorization: Bearer <token>` with an OAuth access token."""

    method = "oauth_token"

    def __init__(self, token: str) -> None:
        _require("OAuthBearerAuth", "token", token, no_space=True)
        super().__init__(f"Bearer {token}")
        self._token = token

    def __repr__(self) -> str:
        return "OAuthBearerAuth(token='***')"

    def secrets(self) -> tuple[str, ...]:
        return _with_encodings(self._token)


class _BasicAuth(ZendeskAuth):
    """Basic auth of `user:secret`, where only `secret` (and the pair) is confidential."""

    secret_name: ClassVar[str] = "secret"

    def __init__(self, email: str, secret: str, userpass: str) -> None:
        super().__init__(_basic_header(userpass))
        self.email = email
        self._secret = secret
        self._userpass = userpass

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(email={mask_email(self.email)!r}, "
            f"{self.secret_name}='***')"
        )

    def secrets(self) -> tuple[str, ...]:
        encoded = self._header.removeprefix("Basic ") if self._header else ""
        return _with_encodings(self._secret, self._userpass, encoded)


class ApiTokenAuth(_BasicAuth):
    """Basic auth of `{email}/token:{api_token}` with a Zendesk API token."""

    method = "api_token"
    secret_name = "api_token"

    def __init__(self, email: str, api_token: str) -> None:
        _require("ApiTokenAuth", "email", email, no_space=True)
        _require("ApiTokenAuth", "api_token", api_token, no_space=True)
        super().__init__(email, api_token, f"{email}/token:{api_token}")


class PasswordAuth(_BasicAuth):
    """Basic auth of `{email}:{password}` (removed by Zendesk in January 2026)."""

    method = "password"
    secret_name = "password"

    def __init__(self, email: str, password: str) -> None:
        _require("PasswordAuth", "email", email, no_space=True)
        _require("PasswordAuth", "password", password)
        if ":" in email:
            raise UsageError("`PasswordAuth`: the `email` may not contain `:` (Basic splits on it).")
        super().__init__(email, password, f"{email}:{password}")


_NEEDS: dict[str, tuple[str, ...]] = {
    "oauth_token": ("oauth_token",),
    "api_token": ("email", "api_token"),
    "password": ("email", "password"),
}


def _credential(credentials: object, key: str, env_prefix: str) -> str:
    """One credential from a mapping or an object with attributes; a clear error if absent."""
    if isinstance(credentials, Mapping):
        value = credentials.get(key)
    else:
        value = getattr(credentials, key, None)
    if not value:
        raise UsageError(
            f"The `{key}` credential is missing: set the environment variable "
            f"`{env_prefix}{key.upper()}`, or skip this auth method."
        )
    return str(value)


def auth_for(method: str, credentials: object, *, env_prefix: str = "ZENDESK_") -> ZendeskAuth:
    """The auth object for `method` ("oauth_token", "api_token" or "password").

    `credentials` is a mapping (or an object with attributes) holding `email`, `password`,
    `api_token` and/or `oauth_token`; `env_prefix` names the variables in error messages
    (for example `ZENDESK_AGENT_` for the agent's credentials).
    """
    if method not in _NEEDS:
        raise UsageError(f"Unknown auth `method` {method!r}: use one of {', '.join(METHODS)}.")
    values = [_credential(credentials, key, env_prefix) for key in _NEEDS[method]]
    if method == "oauth_token":
        return OAuthBearerAuth(*values)
    if method == "api_token":
        return ApiTokenAuth(*values)
    return PasswordAuth(*values)
