"""The mutable state of one emulator instance, reset to its tenant by `reset()`.

Callers hold `ZendeskEmulator`'s lock around every use; nothing here locks by itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from zdconform.emulator.clock import Clock
from zdconform.emulator.faults import FaultPlan
from zdconform.emulator.tenant.model import Client, Settings, Tenant
from zdconform.emulator.tenant.people import User
from zdconform.emulator.ratelimit import RateLimiter

__all__ = ["TOKEN_ID_BASE", "LiveToken", "State"]

TOKEN_ID_BASE = 1_830_000_000_001


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

    def summary(self) -> dict[str, Any]:
        """The dict `live_tokens()` and `tokens_created()` return."""
        return {"id": self.id, "client_id": self.client_id, "user_id": self.user_id,
                "scopes": list(self.scopes), "token": self.token,
                "created_at": self.created_at, "expires_at": self.expires_at,
                "revoked": self.revoked}


class State:
    """Tokens, request counters, rate-limit window, armed faults, request log, errors."""

    def __init__(self, tenant: Tenant, clock: Clock) -> None:
        self.tenant, self.clock = tenant, clock
        self.users: dict[int, User] = {user.id: user for user in tenant.all_users}
        self.ordered_users: list[User] = list(tenant.all_users)
        self.by_email = {user.email.lower(): user for user in tenant.all_users if user.email}
        self.api_tokens = frozenset(token for user in tenant.users for token in user.api_tokens)
        self.clients: dict[int, Client] = {c.id: c for c in sorted(tenant.clients,
                                                                   key=lambda c: c.id)}
        self.reset()

    def reset(self) -> None:
        """Back to the tenant as loaded: settings, tokens, counters, faults, log, errors."""
        self.settings: Settings = self.tenant.settings
        self.tokens: dict[int, LiveToken] = {}
        self.by_secret: dict[str, LiveToken] = {}
        for token in sorted(self.tenant.tokens, key=lambda t: t.id):
            self._add(LiveToken(token.id, token.user_id, token.client_id, token.token,
                                token.scopes, token.created_at, token.expires_at,
                                token.used_at, token.revoked))
        self.next_token_id = max([TOKEN_ID_BASE, *(tid + 1 for tid in self.tokens)])
        self.created: list[LiveToken] = []
        self.requests = 0
        self.limiter = RateLimiter()
        self.faults = FaultPlan(self.settings.faults)
        self.log: list[tuple[str, str, int]] = []
        self.errors: list[str] = []

    def apply_settings(self, settings: Settings) -> None:
        """Switch settings at run time; changed faults are re-armed from their start."""
        if settings.faults != self.settings.faults:
            self.faults = FaultPlan(settings.faults)
        self.settings = settings

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

    def usable(self, token: LiveToken | None) -> bool:
        """True for a token that is neither revoked nor expired."""
        return token is not None and not token.revoked and not self.clock.has_passed(
            token.expires_at)

    def live_tokens(self) -> list[LiveToken]:
        """Every usable token, in id order."""
        return [token for token in self.tokens.values() if self.usable(token)]

    def visible_tokens(self) -> list[LiveToken]:
        """Tokens the API still shows: every token not revoked (expired ones included)."""
        return [token for token in self.tokens.values() if not token.revoked]
