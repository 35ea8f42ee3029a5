"""The mutable state of one emulator instance, and what an endpoint handler gets to act on it.

`State` holds the tokens (as `LiveToken`s), the settings in force, the request counter, the
request log and the recorded server errors; `reset()` returns it to the tenant as loaded.
A `Principal` is an authenticated caller; a `Call` bundles the request, the caller and the
state for one endpoint handler. Callers hold `App.lock` around every use; nothing here locks
by itself.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..tenant.model import Client, Settings, Tenant
from ..tenant.people import User
from .clock import Clock
from .messages import Request

__all__ = ["LATE_REVOKE_SECONDS", "RECORD_CHARS", "TOKEN_ID_BASE", "Call", "Code", "LiveToken", "Principal",
           "State"]

TOKEN_ID_BASE = 1_830_000_000_001
LOG_RECORDS, ERROR_RECORDS = 10_000, 100  # the request log and server-side errors kept
RECORD_CHARS = 4096  # of one request target or one error record
LATE_REVOKE_SECONDS = 1.5  # `revoke_current: delayed`: how long a revoked `current` token keeps working


@dataclass
class LiveToken:
    """An OAuth token as the server sees it now."""

    id: int
    user_id: int
    client_id: int
    token: str
    scopes: tuple[str, ...]
    created_at: str
    expires_at: str | None
    used_at: str | None = None
    revoked: bool = False
    revoke_at: float | None = None  # monotonic time a late revoke (`revoke_current: delayed`) takes effect
    refresh_token: str | None = None  # tokens from POST /oauth/tokens only
    refresh_expires_at: str | None = None
    grant: str | None = None  # the grant type that minted it (None: Create Token or the tenant)

    @property
    def gone(self) -> bool:
        """Revoked, or past a late revoke."""
        return self.revoked or (self.revoke_at is not None and time.monotonic() >= self.revoke_at)

    def summary(self) -> dict[str, Any]:
        """The dict `live_tokens()` and `tokens_created()` return."""
        return {"id": self.id, "client_id": self.client_id, "user_id": self.user_id,
                "scopes": list(self.scopes), "token": self.token,
                "created_at": self.created_at, "expires_at": self.expires_at,
                "revoked": self.gone}


class State:
    """Users and clients by id, live tokens, settings in force, request counter, log, errors."""

    def __init__(self, tenant: Tenant, clock: Clock) -> None:
        self.tenant, self.clock = tenant, clock
        self.users: dict[int, User] = {user.id: user for user in tenant.all_users}
        self.ordered_users: list[User] = list(tenant.all_users)
        self._by_roles: dict[frozenset[str], list[User]] = {}
        self.rendered: dict[tuple[int, str, bool], bytes] = {}  # users as JSON, by (id, base, extra)
        self.by_email = {user.email.lower(): user for user in tenant.all_users if user.email}
        self.api_tokens = frozenset(token for user in tenant.users for token in user.api_tokens)
        self.clients: dict[int, Client] = {c.id: c for c in sorted(tenant.clients,
                                                                   key=lambda c: c.id)}
        self.reset()

    def reset(self) -> None:
        """Back to the tenant as loaded: settings, tokens, request counter, log, errors."""
        self.settings: Settings = self.tenant.settings
        self.tokens: dict[int, LiveToken] = {}
        self.by_secret: dict[str, LiveToken] = {}
        for token in sorted(self.tenant.tokens, key=lambda t: t.id):
            self._add(LiveToken(token.id, token.user_id, token.client_id, token.token,
                                token.scopes, token.created_at, token.expires_at,
                                token.used_at, token.revoked))
        self.next_token_id = max([TOKEN_ID_BASE, *(tid + 1 for tid in self.tokens)])
        self.created: list[LiveToken] = []
        self.granted: list[LiveToken] = []  # minted by POST /oauth/tokens
        self.by_refresh: dict[str, LiveToken] = {}
        self.codes: dict[str, Code] = {}  # authorization codes from the test-only door
        self.clock.offset = dt.timedelta()
        self.requests = 0
        # Ring buffers: a long-running emulator keeps the latest records only, in steady memory.
        self.log: deque[tuple[str, str, int]] = deque(maxlen=LOG_RECORDS)
        self.errors: deque[str] = deque(maxlen=ERROR_RECORDS)

    def users_in(self, roles: frozenset[str]) -> list[User]:
        """The users (id order) with one of `roles`, or all without; made once per role set."""
        if not roles:
            return self.ordered_users
        found = self._by_roles.get(roles)
        if found is None:
            found = [user for user in self.ordered_users if user.role in roles]
            if len(self._by_roles) < 16:  # any text can be asked for: a few sets are remembered
                self._by_roles[roles] = found
        return found

    def _add(self, token: LiveToken) -> None:
        self.tokens[token.id] = token
        self.by_secret[token.token] = token

    def create_token(self, user: User, client: Client, scopes: tuple[str, ...]) -> LiveToken:
        """A new token for `user` on `client`; expiry follows `oauth_token_ttl_seconds`."""
        ttl = self.settings.oauth_token_ttl_seconds
        token = LiveToken(self.next_token_id, user.id, client.id, secrets.token_hex(32),
                          scopes, self.clock.stamp(),
                          None if ttl is None else self.clock.stamp(ttl))
        self.next_token_id += 1
        self._add(token)
        self.created.append(token)
        return token

    def grant_token(self, user_id: int, client: Client, scopes: tuple[str, ...], grant: str) -> LiveToken:
        """A token from POST /oauth/tokens: an access token and a refresh token, both expiring."""
        settings = self.settings
        token = LiveToken(self.next_token_id, user_id, client.id, secrets.token_hex(32), scopes,
                          self.clock.stamp(), self.clock.stamp(settings.grant_access_ttl_seconds),
                          refresh_token=secrets.token_hex(32), grant=grant,
                          refresh_expires_at=self.clock.stamp(settings.grant_refresh_ttl_seconds))
        self.next_token_id += 1
        self._add(token)
        assert token.refresh_token is not None
        self.by_refresh[token.refresh_token] = token
        self.granted.append(token)
        return token

    def usable(self, token: LiveToken | None) -> bool:
        """True for a token that is neither revoked nor expired."""
        if token is None or token.gone:
            return False
        return self.settings.misbehave.expired_tokens_work or not self.clock.has_passed(token.expires_at)

    def live_tokens(self) -> list[LiveToken]:
        """Every usable token, in id order."""
        return [token for token in self.tokens.values() if self.usable(token)]

    def visible_tokens(self) -> list[LiveToken]:
        """Tokens the API still shows: every token not revoked (expired ones included)."""
        return [token for token in self.tokens.values() if not token.gone]


@dataclass
class Code:
    """An authorization code issued through the test-only door (a real one needs a browser)."""

    client_id: int
    user_id: int
    scopes: tuple[str, ...]
    redirect_uri: str | None
    challenge: str | None
    method: str
    expires_at: str


@dataclass(frozen=True)
class Principal:
    """An authenticated user, how they authenticated, and the bearer token if any."""

    user: User
    method: str
    token: LiveToken | None = None


@dataclass(frozen=True)
class Call:
    """One authorised call to an endpoint handler."""

    state: State
    request: Request
    principal: Principal | None
    params: Mapping[str, str]
    base: str

    @property
    def prev_link(self) -> bool:
        """Whether the `first_page_prev: link` variant is on (links.prev on the first cursor page)."""
        return self.state.settings.first_page_prev == "link"

    @property
    def text_errors(self) -> bool:
        """Whether the `error_bodies: text` variant is on."""
        return self.state.settings.error_bodies == "text"

    @property
    def extra(self) -> bool:
        """Whether the `extra_fields` setting is on."""
        return self.state.settings.extra_fields

    def first(self, key: str) -> str | None:
        """The first value of query parameter `key`, or None."""
        values = self.request.query.get(key)
        return values[0] if values else None
