"""`Conformance`: what one check sees of the run (the `zd` fixture).

It hands out auth objects (skipping, with the variable's name, when a credential is
missing), a client for the target, the profile's expectation for each method, and mints
tokens that are revoked when the check ends. The run is seen through `CheckRun`, the part
of the run's state a check needs, so this module knows nothing of the run's assembly.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any, Protocol

import pytest
import requests
from requests.auth import AuthBase

from ..exceptions import TransportError
from ..http.auth import auth_for
from ..http.client import ZendeskClient
from ..http.pacing import Pacer
from ..recording.files import utcnow
from ..recording.scrub import SecretSet
from ..settings import AuthMethod, Credentials, Options, Profile, Target
from .checks import Expected, check_allowed, check_denied, check_refused
from .endpoints import CLIENTS_PATH, METHOD_IDS, TOKENS_PATH
from .notes import CheckNotes
from .tokens import TokenLedger, recover_pending

__all__ = ["CheckRun", "Conformance", "method_params"]

SEED_CLIENT_NAME = "OAuth client for my app"


def method_params(prefix: str = "") -> list[Any]:
    """`pytest.param` for each auth method, with ids such as `api-token` (after `prefix`)."""
    return [pytest.param(method, id=f"{prefix}{name}") for method, name in METHOD_IDS.items()]


class CheckRun(Protocol):
    """The part of the run's state a check uses (`run.RunState` has it all)."""

    options: Options
    target: Target
    profile: Profile
    credentials: dict[str, Credentials]
    secrets: SecretSet
    ledger: TokenLedger
    base_url: str
    sleep: Callable[[float], None] | None
    pacer: Pacer


class Conformance:
    """The run as one check sees it."""

    def __init__(self, run: CheckRun, notes: CheckNotes) -> None:
        self.run = run
        self.notes = notes
        self.record = notes.details  # what a suite adds about this check, kept whole
        self.client = ZendeskClient(run.base_url, sleep=run.sleep or time.sleep, pacer=run.pacer)
        if run.target.kind == "replay":
            self.client.session.trust_env = False  # no network in replay: skip proxy/netrc lookups
        self._minted: list[int] = []

    # -- credentials ----------------------------------------------------------------------
    def auth(self, method: AuthMethod, role: str = "admin") -> AuthBase:
        """The auth object for `method`, or skip the check naming the missing variable."""
        creds = self.run.credentials.get(role)
        if creds is None:
            pytest.skip(f"{method} of the {role.replace('_', ' ')} not checked: target "
                        f"{self.run.target.slug} has no {role} credentials (only the emulator supplies them)")
        missing = creds.missing_for(method)
        if missing:
            pytest.skip(f"{method} not checked: set {' and '.join(missing)} to check it")
        return auth_for(method, creds)

    def expected(self, method: AuthMethod) -> Expected:
        expected: Expected = "allowed" if self.run.profile.expects(method) == "enabled" else "denied"
        self.notes.expected = expected
        return expected

    def redact(self, text: str) -> str:
        return self.run.secrets.replace(text)

    # -- checks -------------------------------------------------------------------------
    def allowed(self, response: requests.Response, status: int, schema: str, *, method: str,
                what: str) -> Any:
        self._observe(response)
        return check_allowed(response, status, schema, method=method, what=what, redact=self.redact)

    def denied(self, response: requests.Response, *, method: str, what: str) -> Any:
        self._observe(response)
        return check_denied(response, method=method, what=what, redact=self.redact)

    def refused(self, response: requests.Response, status: int | tuple[int, ...], schema: str, *,
                what: str, cause: str, challenge: str | None = None, method: str = "-") -> Any:
        """A negative check: the documented refusal (status, body schema, challenge)."""
        self._observe(response)
        self.notes.expected = self.notes.expected or "refused"  # the evidence states what it expected
        self.record.setdefault("expected_refusal", {"status": list(status) if isinstance(status, tuple) else [status],
                                                    "schema": schema, "challenge": challenge})
        return check_refused(response, status, schema, what=what, cause=cause, challenge=challenge,
                             method=method, redact=self.redact)

    def _observe(self, response: requests.Response) -> None:
        self.notes.statuses.append(response.status_code)

    # -- OAuth clients and tokens -----------------------------------------------------------
    def configured_client(self) -> str | int:
        """The OAuth client to use: ZENDESK_OAUTH_CLIENT_ID, else the profile's, else the seed's name."""
        env_id = os.environ.get("ZENDESK_OAUTH_CLIENT_ID") if self.run.target.kind == "tenant" else None
        return env_id or self.run.profile.oauth_client or SEED_CLIENT_NAME

    def configured_client_id(self) -> str:
        """A client id for requests expected to be refused before the id is even read."""
        wanted = str(self.configured_client())
        return wanted if wanted.isdigit() else "50328"  # the seed's example id

    def attempt_create(self, auth: AuthBase, body: Any) -> requests.Response:
        """POST Create Token; any token it mints (even by mistake) is revoked after the check.

        The attempt is journalled first. If the connection drops before the answer is read,
        the token it may have minted is found and revoked before the one retry.
        """
        client_id = _client_id_of(body)
        ledger, started = self.run.ledger, utcnow()
        pending = ledger.intend(client_id, auth)
        try:
            response = self.client.post(TOKENS_PATH, json=body, auth=auth)
        except TransportError:
            self.record["recovered_tokens"] = recover_pending(self.client, auth, ledger, pending,
                                                              client_id, started)
            pending = ledger.intend(client_id, auth)
            response = self.client.post(TOKENS_PATH, json=body, auth=auth)
        if response.status_code == 201:
            self._remember(response, auth, client_id, pending)
        else:
            ledger.settle(pending)
        return response

    def find_client(self, clients: list[dict[str, Any]]) -> dict[str, Any]:
        wanted = self.configured_client()
        for client in clients:
            if str(client.get("id")) == str(wanted) or client.get("name") == wanted:
                return client
        names = ", ".join(repr(c.get("name")) for c in clients[:10]) or "none"
        raise AssertionError(
            f"zdconform: OAuth client {wanted!r} is not among the {len(clients)} clients listed "
            f"(first: {names}). Set `oauth_client` in the tenant profile or ZENDESK_OAUTH_CLIENT_ID.")

    def list_clients(self, auth: AuthBase, *, method: str) -> list[dict[str, Any]]:
        response = self.client.get(CLIENTS_PATH, auth=auth)
        return list(self.allowed(response, 200, "clients_list", method=method,
                                 what="List OAuth Clients")["clients"])

    def mint_token(self, auth: AuthBase, *, method: str, scopes: list[str] | None = None) -> dict[str, Any]:
        """List clients, create a token for the configured one, and revoke it after the check."""
        client = self.find_client(self.list_clients(auth, method=method))
        scopes = scopes or list(self.run.profile.scopes)
        body = {"token": {"client_id": str(client["id"]), "scopes": scopes}}  # the seed's body
        response = self.attempt_create(auth, body)
        token = self.allowed(response, 201, "token_response", method=method, what="Create Token")["token"]
        self.record["token_expires_at"] = token.get("expires_at")
        return dict(token)

    def _remember(self, response: requests.Response, auth: AuthBase, client_id: Any, pending: str) -> None:
        try:
            token_id = int(response.json()["token"]["id"])
        except (ValueError, KeyError, TypeError):
            return  # the pending entry stays: `zdconform cleanup` will find the token
        self.run.ledger.add(token_id, auth, client_id=client_id, pending=pending)
        self._minted.append(token_id)

    def close(self) -> list[int]:
        """Revoke the tokens this check minted; the ids that could not be revoked."""
        left = [tid for tid in self._minted if not self.run.ledger.revoke(self.client, tid)]
        self.client.close()
        return left


def _client_id_of(body: Any) -> Any:
    token = body.get("token") if isinstance(body, dict) else None
    return token.get("client_id") if isinstance(token, dict) else None
