"""The grant-type endpoint `POST /oauth/tokens`: client credentials, refresh rotation, PKCE codes.

Tokens are obtained and refreshed with requests-oauthlib (`BackendApplicationClient`,
`OAuth2Session.refresh_token`, `fetch_token` with a PKCE verifier), a client nobody here wrote,
and used on `/api/v2/users.json`. The malformed requests each get an OAuth error body, never a 500.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
import requests
from oauthlib.oauth2 import BackendApplicationClient
from requests_oauthlib import OAuth2Session

from zdconform.emulator import ZendeskEmulator
from zdconform.exceptions import UsageError

from emu_support import CREDS

CLIENT, SECRET = CREDS["oauth_client"]["client_identifier"], CREDS["oauth_client"]["client_secret"]
PUBLIC = CREDS["public_client_identifier"]
REDIRECT = "com.example.obscura:/oauth2redirect"
FLAT = ["access_token", "token_type", "scope", "expires_in", "refresh_token", "refresh_token_expires_in"]


@pytest.fixture(autouse=True)
def _plain_http(monkeypatch):
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the emulator speaks HTTP on loopback


def grant_url(emulator):
    return f"{emulator.url}/oauth/tokens"


def backend_session(emulator, scope=("read", "write")):
    session = OAuth2Session(client=BackendApplicationClient(client_id=CLIENT))
    session.fetch_token(grant_url(emulator), client_id=CLIENT, client_secret=SECRET, scope=list(scope),
                        include_client_id=True)
    return session


def users(emulator, token):
    return requests.get(f"{emulator.url}/api/v2/users.json", params={"per_page": 1},
                        headers={"Authorization": f"Bearer {token}"})


def post(emulator, **kwargs):
    return requests.post(grant_url(emulator), **kwargs)


def test_client_credentials_with_requests_oauthlib(emulator):
    session = backend_session(emulator)
    assert list(session.token)[:6] == FLAT
    assert session.token["token_type"] == "bearer" and session.token["expires_in"] == 1800
    assert session.token["refresh_token_expires_in"] == 2_592_000
    assert session.get(f"{emulator.url}/api/v2/users.json").status_code == 200


def test_client_credentials_over_basic_auth_and_json(emulator):
    response = post(emulator, data={"grant_type": "client_credentials", "scope": "read"}, auth=(CLIENT, SECRET))
    assert response.status_code == 200 and response.json()["scope"] == "read"
    response = post(emulator, json={"grant_type": "client_credentials", "client_id": CLIENT,
                                    "client_secret": SECRET, "scope": "users:read"})
    assert response.status_code == 200, response.text
    assert users(emulator, response.json()["access_token"]).status_code == 200


def test_refresh_rotates_with_requests_oauthlib(emulator):
    session = backend_session(emulator)
    old = dict(session.token)
    new = session.refresh_token(grant_url(emulator), client_id=CLIENT, client_secret=SECRET, include_client_id=True)
    assert new["refresh_token"] != old["refresh_token"] and new["access_token"] != old["access_token"]
    assert session.get(f"{emulator.url}/api/v2/users.json").status_code == 200
    assert users(emulator, old["access_token"]).status_code == 401  # the old access token is deleted
    again = post(emulator, data={"grant_type": "refresh_token", "refresh_token": old["refresh_token"],
                                 "client_id": CLIENT, "client_secret": SECRET})
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_expiry_with_the_clock_door(emulator):
    session = backend_session(emulator)
    emulator.advance_clock(1799)
    assert session.get(f"{emulator.url}/api/v2/users.json").status_code == 200
    emulator.advance_clock(1)
    response = session.get(f"{emulator.url}/api/v2/users.json")
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"


def test_refresh_token_expires_too(emulator):
    session = backend_session(emulator)
    emulator.advance_clock(2_592_000)
    response = post(emulator, data={"grant_type": "refresh_token", "refresh_token": session.token["refresh_token"]},
                    auth=(CLIENT, SECRET))
    assert response.json()["error"] == "invalid_grant"


def test_ttls_follow_the_tenant_settings_within_the_documented_bounds(emulator):
    emulator.configure(grant_access_ttl_seconds=300, grant_refresh_ttl_seconds=604_800)
    token = backend_session(emulator).token
    assert (token["expires_in"], token["refresh_token_expires_in"]) == (300, 604_800)
    with pytest.raises(UsageError, match="grant_access_ttl_seconds"):
        emulator.configure(grant_access_ttl_seconds=299)
    with pytest.raises(UsageError, match="grant_refresh_ttl_seconds"):
        emulator.configure(grant_refresh_ttl_seconds=7_776_001)


def pkce():
    verifier = "v" * 43 + "erifier-0123456789"
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_authorization_code_with_pkce_for_a_public_client(emulator):
    verifier, challenge = pkce()
    code = emulator.issue_authorization_code(PUBLIC, scope="read", redirect_uri=REDIRECT, code_challenge=challenge)
    session = OAuth2Session(client_id=PUBLIC, redirect_uri=REDIRECT)
    token = session.fetch_token(grant_url(emulator), code=code, code_verifier=verifier, include_client_id=True)
    assert token["scope"] == ["read"]
    assert session.get(f"{emulator.url}/api/v2/users.json").status_code == 200
    reused = post(emulator, data={"grant_type": "authorization_code", "code": code, "client_id": PUBLIC,
                                  "code_verifier": verifier, "redirect_uri": REDIRECT})
    assert reused.json()["error"] == "invalid_grant"  # a code is good for one exchange


@pytest.mark.parametrize(("change", "error"), [
    pytest.param({"code_verifier": "not-the-verifier"}, "invalid_grant", id="wrong-verifier"),
    pytest.param({"code_verifier": None}, "invalid_grant", id="no-verifier"),
    pytest.param({"redirect_uri": "https://elsewhere.example/cb"}, "invalid_grant", id="other-redirect"),
    pytest.param({"client_id": "obscura_reporting"}, "invalid_client", id="other-client-no-secret"),
    pytest.param({"code": "never-issued"}, "invalid_grant", id="unknown-code"),
])
def test_authorization_code_refusals(emulator, change, error):
    verifier, challenge = pkce()
    code = emulator.issue_authorization_code(PUBLIC, redirect_uri=REDIRECT, code_challenge=challenge)
    body = {"grant_type": "authorization_code", "code": code, "client_id": PUBLIC, "code_verifier": verifier,
            "redirect_uri": REDIRECT} | change
    response = post(emulator, data={k: v for k, v in body.items() if v is not None})
    assert response.json()["error"] == error


def test_an_authorization_code_lasts_120_seconds(emulator):
    verifier, challenge = pkce()
    code = emulator.issue_authorization_code(PUBLIC, code_challenge=challenge)
    emulator.advance_clock(120)
    response = post(emulator, data={"grant_type": "authorization_code", "code": code, "client_id": PUBLIC,
                                    "code_verifier": verifier})
    assert response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(("kwargs", "problem"), [
    pytest.param({"client_identifier": "nobody"}, "no OAuth client", id="unknown-client"),
    pytest.param({"client_identifier": PUBLIC}, "needs a PKCE", id="public-without-challenge"),
    pytest.param({"client_identifier": CLIENT, "scope": "impersonate"}, "outside the allowed", id="scope"),
    pytest.param({"client_identifier": CLIENT, "code_challenge_method": "S512"}, "S256 or plain", id="method"),
    pytest.param({"client_identifier": CLIENT, "user_id": 1}, "no user", id="unknown-user"),
])
def test_the_code_door_refuses_what_no_consent_could_give(emulator, kwargs, problem):
    with pytest.raises(UsageError, match=problem):
        emulator.issue_authorization_code(**kwargs)


FORM = {"grant_type": "client_credentials", "client_id": CLIENT, "client_secret": SECRET}


@pytest.mark.parametrize(("request_kwargs", "status", "error"), [
    pytest.param({"data": FORM | {"client_secret": "wrong"}}, 401, "invalid_client", id="wrong-secret"),
    pytest.param({"data": FORM | {"client_id": "nobody"}}, 401, "invalid_client", id="unknown-client"),
    pytest.param({"data": {"grant_type": "client_credentials", "client_id": PUBLIC}}, 401, "invalid_client",
                 id="public-client"),
    pytest.param({"data": {k: v for k, v in FORM.items() if k != "client_secret"}}, 401, "invalid_client",
                 id="no-secret"),
    pytest.param({"data": FORM | {"scope": "impersonate"}}, 400, "invalid_scope", id="outside-allowed-scopes"),
    pytest.param({"data": FORM | {"scope": "tickets:bogus"}}, 400, "invalid_scope", id="malformed-scope"),
    pytest.param({"data": FORM | {"grant_type": "password"}}, 400, "unsupported_grant_type", id="password-grant"),
    pytest.param({"data": FORM | {"grant_type": "implicit"}}, 400, "unsupported_grant_type", id="implicit"),
    pytest.param({"data": {k: v for k, v in FORM.items() if k != "grant_type"}}, 400, "invalid_request",
                 id="no-grant-type"),
    pytest.param({"data": FORM | {"grant_type": ["client_credentials", "refresh_token"]}}, 400, "invalid_request",
                 id="two-grant-types"),
    pytest.param({"data": "{not json", "headers": {"Content-Type": "application/json"}}, 400, "invalid_request",
                 id="bad-json"),
    pytest.param({"data": "[1, 2]", "headers": {"Content-Type": "application/json"}}, 400, "invalid_request",
                 id="json-not-an-object"),
    pytest.param({"json": FORM | {"client_secret": 12345}}, 400, "invalid_request", id="secret-not-a-string"),
    pytest.param({"data": b"\xff\xfe\x00", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
                 400, "invalid_request", id="not-utf8"),
    pytest.param({"data": "grant_type=refresh_token", "auth": (CLIENT, SECRET)}, 400, "invalid_request",
                 id="refresh-without-token"),
    pytest.param({"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": "Basic %%%"}}, 401,
                 "invalid_client", id="unreadable-basic"),
    pytest.param({"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": "Bearer x"}}, 401,
                 "invalid_client", id="bearer-is-no-client-auth"),
])
def test_malformed_or_refused_grants_get_the_oauth_error(emulator, request_kwargs, status, error):
    response = post(emulator, **request_kwargs)
    assert (response.status_code, response.json()["error"]) == (status, error)
    assert set(response.json()) == {"error", "error_description"}
    emulator.check()  # nothing went wrong on the server thread


def test_a_scope_array_gives_a_token_forbidden_everywhere(emulator):
    response = post(emulator, json=FORM | {"scope": ["read", "write"]})
    assert response.status_code == 200
    refused = users(emulator, response.json()["access_token"])
    assert refused.status_code == 403 and refused.json()["error"] == "Forbidden"


def test_scope_omitted_means_the_clients_allowed_scopes(emulator):
    assert post(emulator, data=FORM).json()["scope"] == "read write"


@pytest.mark.parametrize(("switch", "probe"), [
    pytest.param("accept_wrong_client_secret", "wrong-secret", id="accept-wrong-client-secret"),
    pytest.param("refresh_without_rotation", "rotation", id="refresh-without-rotation"),
    pytest.param("expired_tokens_work", "expiry", id="expired-tokens-work"),
])
def test_misbehaviour_switches_for_grants(emulator, switch, probe):
    emulator.configure(misbehave={switch: True})
    if probe == "wrong-secret":
        assert post(emulator, data=FORM | {"client_secret": "wrong"}).status_code == 200
        return
    session = backend_session(emulator)
    old = dict(session.token)
    if probe == "rotation":
        new = session.refresh_token(grant_url(emulator), client_id=CLIENT, client_secret=SECRET,
                                    include_client_id=True)
        assert new["refresh_token"] == old["refresh_token"]
        assert users(emulator, old["access_token"]).status_code == 200
        return
    emulator.advance_clock(3600)
    assert users(emulator, old["access_token"]).status_code == 200


@pytest.fixture
def frozen():
    with ZendeskEmulator(frozen_time="2026-11-01T12:00:00Z") as emu:
        yield emu


def test_clear_resets_the_clock_and_forgets_codes(frozen):
    _, challenge = pkce()
    frozen.advance_clock(90)
    code = frozen.issue_authorization_code(PUBLIC, code_challenge=challenge)
    frozen.clear()
    assert post(frozen, data={"grant_type": "authorization_code", "code": code, "client_id": PUBLIC}).json()[
        "error"] == "invalid_grant"
    assert backend_session(frozen).get(f"{frozen.url}/api/v2/oauth/tokens/current.json").json()["token"][
        "created_at"] == "2026-11-01T12:00:00Z"
    with pytest.raises(UsageError, match="forward"):
        frozen.advance_clock(-1)


def test_grant_tokens_are_listed_and_revocable(frozen):
    token = backend_session(frozen).token
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    shown = requests.get(f"{frozen.url}/api/v2/oauth/tokens/current.json", headers=bearer).json()["token"]
    assert shown["refresh_token"] == token["refresh_token"][:10] and shown["expires_at"] == "2026-11-01T12:30:00Z"
    assert requests.delete(f"{frozen.url}/api/v2/oauth/tokens/current.json", headers=bearer).status_code == 204
    after = post(frozen, data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
                 auth=(CLIENT, SECRET))
    assert after.json()["error"] == "invalid_grant"  # revoking the access token deletes its refresh token
    assert not [t for t in frozen.live_tokens() if t["id"] >= 1_830_000_000_001]
