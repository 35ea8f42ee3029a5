"""`Conformance`: what one check sees of the run (the `zd` fixture).

It hands out auth objects (skipping, with the variable's name, when a credential is
missing), a client for the target, the profile's expectation for each method, and mints
tokens that are revoked when the check ends. The run is seen through `CheckRun`, the part
of the run's state a check needs, so this module knows nothing of the run's assembly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

import pytest
import requests
from requests.auth import AuthBase

from ..exceptions import ConformanceFailure, TransportError, UsageError
from ..http.auth import auth_for
from ..http.client import ZendeskClient
from ..http.pacing import Pacer
from ..recording.scrub import SecretSet
from ..settings import AuthMethod, Credentials, Options, Profile, Secret, Target
from .checks import ChallengeMissing, Expected, body_of, check_allowed, check_denied, check_refused
from .deviations import may_deviate, record
from .endpoints import CLIENTS_PATH, DENIED, METHOD_IDS, TOKENS_PATH
from .facts import known, register
from .notes import CheckNotes
from .tokens import TokenLedger

__all__ = ["CheckRun", "Conformance", "method_params"]

SEED_CLIENT_NAME = "OAuth client for my app"
MAX_CLIENT_PAGES = 50  # 5,000 clients at Zendesk's 100 a page: no tenant has more integrations
# A method the profile disables: (security fact: it is refused, shape fact: how), see docs/facts.md.
DENIAL_FACTS = {"password": ("F-12", "F-13"), "api_token": ("F-14", "F-02"), "oauth_token": ("F-11", "F-05")}


def method_params(prefix: str = "") -> list[Any]:
    """`pytest.param` for each auth method, with ids such as `api-token` (after `prefix`)."""
    return [pytest.param(method, id=f"{prefix}{name}") for method, name in METHOD_IDS.items()]


class CheckRun(Protocol):
    """The part of the run's state a check uses (`runs.state.RunState` has it all)."""

    @property
    def options(self) -> Options: ...
    @property
    def target(self) -> Target: ...
    profile: Profile
    credentials: dict[str, Credentials]
    secrets: SecretSet
    ledger: TokenLedger
    base_url: str
    sleep: Callable[[float], None] | None
    pacer: Pacer
    probes: list[Any]  # expiry probes judged at the run's end (`expiry`)
    client_id: str | None  # the OAuth client id the run was given (a tenant's), if any
    client_id_var: str  # the variable that gives it, as messages name it


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

    # -- facts --------------------------------------------------------------------------
    def rests_on(self, *fact_ids: str) -> None:
        """Declare facts of the register (docs/facts.md) this check rests on."""
        for fact_id in known(fact_ids):
            if fact_id not in self.notes.facts:
                self.notes.facts.append(fact_id)

    # -- checks -------------------------------------------------------------------------
    def allowed(self, response: requests.Response, status: int, schema: str, *, method: str,
                what: str, facts: tuple[str, ...] = ()) -> Any:
        """Success with `status` and a body valid against `schema`; a bad body contradicts `facts`."""
        self._observe(response)
        self.rests_on(*facts)
        try:
            return check_allowed(response, status, schema, method=method, what=what, redact=self.redact)
        except ConformanceFailure:
            if response.status_code == status:
                self.notes.contradicted.extend(facts)
            raise

    def denied(self, response: requests.Response, *, method: str, what: str) -> Any:
        """A method the profile disables: refused (security) with its documented 401 (shape)."""
        self._observe(response)
        security, shape = DENIAL_FACTS.get(method, (None, None))
        return self._judge(lambda: check_denied(response, method=method, what=what, redact=self.redact),
                           response, security, shape, (401,), DENIED.get(method, ("-",))[0])

    def refused(self, response: requests.Response, status: int | tuple[int, ...], schema: str, *,
                what: str, cause: str, challenge: str | None = None, method: str = "-",
                security: str | None = None, shape: str | None = None, granted_ok: bool = False) -> Any:
        """A negative check: the documented refusal (status, body schema, challenge).

        `security` names the fact a success contradicts (always a failure); `shape` the fact the
        status, body and challenge rest on: on a real tenant, another documented refusal is a
        deviation when that fact is inferred, and so is a success when `granted_ok`.
        """
        self._observe(response)
        self.notes.expected = self.notes.expected or "refused"  # the evidence states what it expected
        self.record.setdefault("expected_refusal", {"status": list(status) if isinstance(status, tuple) else [status],
                                                    "schema": schema, "challenge": challenge})
        if "/users/me" in (getattr(response.request, "path_url", "") or ""):
            raise UsageError("zdconform: a check may not use users/me to prove a refusal: it answers 200 with an "
                             "anonymous user to a request without valid credentials (fact F-31). Probe a "
                             "protected endpoint such as List Users instead.")
        wanted = (status,) if isinstance(status, int) else tuple(status)
        return self._judge(lambda: check_refused(response, status, schema, what=what, cause=cause,
                                                 challenge=challenge, method=method, redact=self.redact),
                           response, security, shape, wanted, schema, granted_ok)

    def _judge(self, check: Callable[[], Any], response: requests.Response, security: str | None,
               shape: str | None, expected: tuple[int, ...], schema: str, granted_ok: bool = False) -> Any:
        self.rests_on(*(fact for fact in (security, shape) if fact))
        try:
            return check()
        except ChallengeMissing:  # refused as the fact says, only no challenge: a deviation on F-54
            if response.status_code != 401 or self.run.target.is_reference:
                raise
            self.rests_on("F-54")
            found = record(response, register()["F-54"], expected=expected, schema=schema, redact=self.redact)
            found |= {"expected": "a WWW-Authenticate challenge", "observed": "401 without WWW-Authenticate",
                      "message": "deviation: observed the 401 with the documented body but no WWW-Authenticate "
                                 "challenge; the reference infers one [fact F-54]"}
            self.notes.deviations.append(found)
            return body_of(response)
        except ConformanceFailure:
            fact = register().get(shape) if shape else None
            breach = response.ok and security is not None
            if breach or not may_deviate(fact, response, reference=self.run.target.is_reference,
                                         granted_ok=granted_ok, expected=expected):
                blamed = security if breach else shape or security
                self.notes.contradicted.extend([blamed] if blamed else [])
                raise
        assert fact is not None
        self.notes.deviations.append(record(response, fact, expected=expected, schema=schema, redact=self.redact))
        return body_of(response)

    def _observe(self, response: requests.Response) -> None:
        self.notes.statuses.append(response.status_code)

    # -- OAuth clients and tokens -----------------------------------------------------------
    def configured_client(self) -> str | int:
        """The OAuth client to use: the run's client id (a tenant's ZENDESK_OAUTH_CLIENT_ID, or its fleet
        variable), else the profile's, else the seed's name."""
        return self.run.client_id or self.run.profile.oauth_client or SEED_CLIENT_NAME

    def configured_client_id(self) -> str:
        """A client id for requests expected to be refused before the id is even read."""
        wanted = str(self.configured_client())
        return wanted if wanted.isdigit() else "50328"  # the seed's example id

    def attempt_create(self, auth: AuthBase, body: Any) -> requests.Response:
        """POST Create Token; any token it mints (even by mistake) is revoked after the check.

        The attempt is journalled first. If the connection drops before the answer is read,
        the token it may have minted is found and revoked before the one retry.
        """
        client_id, scopes = _token_field(body, "client_id"), _token_field(body, "scopes")
        ledger = self.run.ledger
        pending = ledger.intend(client_id, auth, scopes)
        try:
            response = self.client.post(TOKENS_PATH, json=body, auth=auth)
        except TransportError:
            from .recovery import recover_pending  # a live run's lost answer alone needs it

            outcome = recover_pending(self.client, ledger, pending)
            self.record["recovered_tokens"] = outcome.revoked
            if not outcome.resolved:  # the journal keeps it; the run's end tries again
                self.record["unresolved_create_token"] = outcome.line()
            pending = ledger.intend(client_id, auth, scopes)
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
        fix = (f"Check the id in {self.run.client_id_var}: it names no client of this tenant" if self.run.client_id
               else f"Set `oauth_client` in the tenant profile or {self.run.client_id_var}")
        pages = self.record.get("client_pages", 1)
        raise AssertionError(
            f"zdconform: OAuth client {wanted!r} is not among the {len(clients)} clients listed on {pages} page(s) "
            f"(first: {names}). {fix}.")

    def list_clients(self, auth: AuthBase, *, method: str) -> list[dict[str, Any]]:
        """Every OAuth client, page after page (`next_page`, or `links.next` while `meta.has_more`): a tenant
        with many integrations lists more than one page of 100 (fact F-53); at most `MAX_CLIENT_PAGES`."""
        response = self.client.get(CLIENTS_PATH, auth=auth)
        body = self.allowed(response, 200, "clients_list", method=method, what="List OAuth Clients", facts=("F-35",))
        clients, pages = list(body["clients"]), 1
        while (link := _next_page(body)) and pages < MAX_CLIENT_PAGES:
            self.rests_on("F-53")
            body = self.allowed(self.client.get(link, auth=auth), 200, "clients_list", method=method,
                                what=f"List OAuth Clients, page {pages + 1}", facts=("F-35", "F-53"))
            clients += body["clients"]
            pages += 1
        self.record["client_pages"] = pages
        return clients

    def mint_token(self, auth: AuthBase, *, method: str, scopes: list[str] | None = None) -> dict[str, Any]:
        """List clients, create a token for the configured one, and revoke it after the check."""
        client = self.find_client(self.list_clients(auth, method=method))
        scopes = scopes or list(self.run.profile.scopes)
        body = {"token": {"client_id": str(client["id"]), "scopes": scopes}}  # the seed's body
        response = self.attempt_create(auth, body)
        token = dict(self.allowed(response, 201, "token_response", method=method, what="Create Token",
                                  facts=("F-21",))["token"])
        self.record["token_expires_at"] = token.get("expires_at")
        self.record["token_client_id"] = token.get("client_id")  # a numeric id: findings name clients by it
        if isinstance(token.get("full_token"), str):  # masked wherever pytest shows it
            token["full_token"] = Secret(token["full_token"])
        return token

    def _remember(self, response: requests.Response, auth: AuthBase, client_id: Any, pending: str) -> None:
        try:
            token_id = int(response.json()["token"]["id"])
        except (ValueError, KeyError, TypeError):
            return  # the pending entry stays: `zdconform cleanup` will find the token
        self.run.ledger.add(token_id, auth, client_id=client_id, pending=pending)
        self._minted.append(token_id)

    def gone(self, token_id: Any) -> None:
        """A token this check minted, then saw refused (401) once it revoked or replaced it: gone,
        so not revoked again at the end (that revoke would only answer 404)."""
        if token_id in self._minted:
            self._minted.remove(token_id)
            self.run.ledger.forget(token_id)

    def keep(self, token_id: int, auth: AuthBase, *, pending: str | None = None, grant: bool = False,
             until_run_end: bool = False) -> None:
        """Revoke this token (minted some other way, e.g. by a grant) when the check ends, or
        `until_run_end` when the run ends; `pending` is the journal entry its request made."""
        self.run.ledger.add(token_id, auth, pending=pending, grant="oauth" if grant else None)
        if not until_run_end:
            self._minted.append(token_id)

    def close(self) -> list[int]:
        """Revoke the tokens this check minted; the ids that could not be revoked."""
        left = [tid for tid in self._minted if not self.run.ledger.revoke(self.client, tid)]
        self.client.close()
        return left


def _next_page(body: Any) -> str | None:
    """The next page's URL of a list: offset pagination's `next_page`, or cursor pagination's `links.next`."""
    if not isinstance(body, dict):
        return None
    if isinstance(body.get("next_page"), str) and body["next_page"]:
        return str(body["next_page"])
    meta, links = body.get("meta"), body.get("links")
    more = isinstance(meta, dict) and meta.get("has_more")
    if more and isinstance(links, dict) and isinstance(links.get("next"), str):
        return str(links["next"])
    return None


def _token_field(body: Any, key: str) -> Any:
    token = body.get("token") if isinstance(body, dict) else None
    return token.get(key) if isinstance(token, dict) else None
