"""The grant-type endpoint `POST /oauth/tokens` as a check uses it: client credentials, refresh.

`Grants(zd)` sends grant requests for the confidential client of ZENDESK_OAUTH_CLIENT_IDENTIFIER
and ZENDESK_OAUTH_CLIENT_SECRET (skipping, with the variables named, when they are not set),
registers every token it receives as a secret of the run, and has every access token revoked
when the check ends: it is found by id (Show Token `current` with itself, else the admin's List
Tokens by its first 10 characters) and revoked by id, which deletes its refresh token with it.

Every grant request is journalled before it is sent, as Create Token is (`tokens`): a pending
entry (the client's identifier, the scopes, the tenant's time), then the minted token's id.
A run interrupted between the grant and its id still has the token revoked: by the end of the
run (`recovery.recover_all_pending`) or by `zdconform cleanup`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
import requests
from requests.auth import AuthBase

from ..http.auth import NoAuth, OAuthBearerAuth, auth_for
from ..settings import AUTH_METHODS, Secret
from .endpoints import CURRENT_TOKEN_PATH, GRANT_PATH, TOKENS_PATH

if TYPE_CHECKING:
    from .context import Conformance

__all__ = ["ACCESS_TTL", "GRANT_PATH", "REFRESH_TTL", "Grants", "outside_scope"]

ACCESS_TTL = (300, 172_800)  # expires_in bounds, seconds (fact F-45)
REFRESH_TTL = (604_800, 7_776_000)  # refresh_token_expires_in bounds
CANDIDATE_SCOPES = ("read", "write", "impersonate")
SHOWN = 10


def outside_scope(allowed: tuple[str, ...]) -> str | None:
    """A scope none of `allowed` covers (`impersonate` when the profile allows read and write)."""
    for scope in CANDIDATE_SCOPES:
        if scope not in allowed:
            return scope
    return None


class Grants:
    """Grant requests for one check, and the revocation of what they mint."""

    def __init__(self, zd: Conformance) -> None:
        self.zd = zd
        self._pending: dict[str, str] = {}  # a minted access token -> its journal entry

    def client(self) -> tuple[str, str]:
        """The confidential client's identifier and secret, or skip naming the missing variables."""
        creds = self.zd.run.credentials.get("oauth_client")
        missing = creds.missing("client_identifier", "client_secret") if creds else [
            "ZENDESK_OAUTH_CLIENT_IDENTIFIER", "ZENDESK_OAUTH_CLIENT_SECRET"]
        if creds is None or missing:
            pytest.skip(f"grant-type checks not run: set {' and '.join(missing)} (a confidential OAuth client)")
        assert creds.client_identifier is not None and creds.client_secret is not None
        return creds.client_identifier, creds.client_secret

    def allowed_scopes(self) -> tuple[str, ...]:
        """What the integration needs: the profile's `oauth.allowed_scopes`, else its `scopes`."""
        profile = self.zd.run.profile
        return profile.oauth_allowed_scopes or tuple(profile.scopes)

    def post(self, body: dict[str, Any], *, as_json: bool = False) -> requests.Response:
        """POST /oauth/tokens with `body` as a form (the OAuth default) or as JSON, journalled first."""
        ledger = self.zd.run.ledger  # the scopes asked for, when asked as a string: recovery matches them
        scope = body.get("scope")
        pending = ledger.intend(None, self._admin() or NoAuth(),  # no admin credential: recovery uses the run's
                                scope.split() if isinstance(scope, str) else (),
                                identifier=str(body.get("client_id") or "?"))
        # a lost answer (TransportError) leaves the entry pending: the run's end recovers the token
        sent = self.zd.client.post(GRANT_PATH, **({"json": body} if as_json else {"form": body}))
        self._harvest(sent)
        access = _json(sent).get("access_token") if sent.ok else None
        if isinstance(access, str) and access:
            self._pending[access] = pending
        else:
            ledger.settle(pending)  # refused: nothing minted
        return sent

    def client_credentials(self, scope: Any = None, *, identifier: str | None = None, secret: str | None = None,
                           as_json: bool = False) -> requests.Response:
        """A client credentials grant; `scope` a space-separated string (or, to probe, a list)."""
        own_id, own_secret = self.client()
        body: dict[str, Any] = {"grant_type": "client_credentials", "client_id": identifier or own_id,
                                "client_secret": own_secret if secret is None else secret}
        if scope is not None:
            body["scope"] = scope
        return self.post(body, as_json=as_json)

    def authorization_code(self, code: str, identifier: str, verifier: str) -> requests.Response:
        """An authorization code grant for a public client, proving its PKCE `code_verifier`."""
        return self.post({"grant_type": "authorization_code", "code": code, "client_id": identifier,
                          "code_verifier": verifier})

    def refresh(self, refresh_token: str) -> requests.Response:
        identifier, secret = self.client()
        return self.post({"grant_type": "refresh_token", "refresh_token": refresh_token,
                          "client_id": identifier, "client_secret": secret})

    def obtained(self, response: requests.Response, *, what: str, facts: tuple[str, ...] = ("F-39", "F-40"),
                 until_run_end: bool = False) -> dict[str, Any]:
        """The flat token of a 200 or 201 (fact F-40), its secrets masked; revoked after the check
        (or, `until_run_end`, at the run's end)."""
        status = response.status_code if response.status_code in (200, 201) else 200
        self.zd.notes.expected = self.zd.notes.expected or "allowed"  # the evidence states what it expected
        raw = _json(response).get("access_token") if response.ok else None  # registered before any check of it:
        token_id = self.keep(raw, until_run_end=until_run_end) if isinstance(raw, str) else None  # never left live
        token = dict(self.zd.allowed(response, status, "grant_token_response", method="oauth_client",
                                     what=what, facts=facts))
        for key in ("access_token", "refresh_token"):
            if isinstance(token.get(key), str):
                token[key] = Secret(token[key])
        if token_id is not None:
            token.setdefault("id", token_id)  # the grant's answer has none: found with the token itself
        return token

    def keep(self, access_token: str, *, until_run_end: bool = False) -> int | None:
        """Find the token's id and have it revoked (with its refresh token) when the check ends
        (or, `until_run_end`, when the run ends); the id, or None when it cannot be found."""
        if not access_token or any(c.isspace() for c in access_token):
            return None  # no token in the answer: nothing was minted
        bearer = OAuthBearerAuth(access_token)
        shown = self.zd.client.get(CURRENT_TOKEN_PATH, auth=bearer)
        token_id = _id_of(shown)
        revoker = self._admin() or bearer
        if token_id is None and revoker is not bearer:
            token_id = self._find(revoker, access_token)
        if token_id is None:  # the pending entry stays: the run's end and `zdconform cleanup` recover it
            self.zd.record.setdefault("unrevocable_grant_tokens", 0)
            self.zd.record["unrevocable_grant_tokens"] += 1
            return None
        self.zd.keep(token_id, revoker, pending=self._pending.pop(access_token, None), grant=True,
                     until_run_end=until_run_end)
        return token_id

    def _admin(self) -> AuthBase | None:
        creds = self.zd.run.credentials.get("admin")
        for method in AUTH_METHODS:
            if creds is not None and self.zd.run.profile.expects(method) == "enabled" and not creds.missing_for(method):
                return auth_for(method, creds)
        return None

    def _find(self, admin: AuthBase, access_token: str) -> int | None:
        listed = self.zd.client.get(TOKENS_PATH, params={"all": "true"}, auth=admin)
        tokens = _json(listed).get("tokens") if listed.status_code == 200 else None
        ids = [int(t["id"]) for t in tokens or [] if isinstance(t, dict) and isinstance(t.get("id"), int)
               and str(t.get("token")) == access_token[:SHOWN]]
        return max(ids, default=None)  # the newest: in a replay every shown token reads REDACTED

    def _harvest(self, response: requests.Response) -> None:
        body = _json(response)
        for key in ("access_token", "refresh_token"):
            if isinstance(body.get(key), str):
                self.zd.run.secrets.add(body[key], f"a grant's {key}")


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _id_of(response: requests.Response) -> int | None:
    token = _json(response).get("token") if response.status_code == 200 else None
    token_id = token.get("id") if isinstance(token, dict) else None
    return token_id if isinstance(token_id, int) else None
