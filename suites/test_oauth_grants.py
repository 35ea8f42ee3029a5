"""The OAuth grant flows that replace API tokens: `POST /oauth/tokens` (no `/api/v2`).

- `grant_client_credentials`: the confidential client of ZENDESK_OAUTH_CLIENT_IDENTIFIER and
  ZENDESK_OAUTH_CLIENT_SECRET gets a token with the asked scopes (a space-separated string, as a
  form and as JSON) that works as Bearer on List Users; a wrong secret, an unknown client and a
  public client are refused (F-41, security; the `invalid_client` body F-42 is inferred).
- `grant_refresh`: a refresh gives a new pair; the replaced refresh token is refused and the
  replaced access token stops working (F-43, security; F-44, F-05).
- `grant_expiry`: `expires_in` and `refresh_token_expires_in` within the documented bounds (F-45);
  a token past its expiry is refused (F-04). The emulator's clock is moved past `expires_in`. On a
  live tenant the check runs first and keeps its token to the run's end: if the run outlasted
  the token, it is tried there (a success fails the run, naming F-04); otherwise the check is
  reported not exercised, with both lifetimes (`zdconform.conformance.expiry`).
- `grant_authorization_code`: a code for the public client, from the reference emulator's
  test-only door `POST /test-only/authorization_codes` (a real code needs a person signing in in
  a browser, so a live tenant skips it), exchanged with the right PKCE verifier gives a working
  token; a wrong verifier and the same code again are refused with 400 invalid_grant (F-51,
  security; F-52).
- `grant_scopes`: a scope outside the client's allowed scopes (the first of read, write,
  impersonate the profile's `oauth.allowed_scopes` leave out) is 400 `invalid_scope` (F-46, F-47);
  the scope sent as a JSON array, the common integration mistake, gives a token that is
  Forbidden everywhere (F-48).

Every access token a check obtains is revoked by id when the check ends, with its refresh token.
Missing client variables skip the checks, naming them.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

import pytest

from zdconform.conformance.endpoints import USERS_PATH
from zdconform.conformance.expiry import PROBE_CHECK, ExpiryProbe
from zdconform.conformance.grants import ACCESS_TTL, REFRESH_TTL, Grants, outside_scope
from zdconform.conformance.negative import still_refused_after_revoke
from zdconform.http.auth import OAuthBearerAuth

INVALID_CLIENT = "oauth_error"


def _json(response):
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def grants_for(zd):
    zd.notes.method = "oauth_client"
    return Grants(zd)


def list_users(zd, token):
    return zd.client.get(USERS_PATH, params={"page[size]": 1}, auth=OAuthBearerAuth(token))


def mint(zd, grants, what="client credentials grant", until_run_end=False, **kwargs):
    return grants.obtained(grants.client_credentials(" ".join(grants.allowed_scopes()), **kwargs), what=what,
                           until_run_end=until_run_end)


def public_identifier(zd, grants):
    admin = grants._admin()
    if admin is None:
        pytest.skip("no admin credential to list the OAuth clients and find a public one")
    clients = zd.list_clients(admin, method="oauth_client")
    public = [c for c in clients if c.get("kind") == "public" and isinstance(c.get("identifier"), str)]
    if not public:
        pytest.skip("not exercised: the tenant lists no public OAuth client")
    return public[0]["identifier"]


@pytest.mark.zd_check("grant_client_credentials")
@pytest.mark.parametrize("case", [
    pytest.param("form", id="confidential-form"),
    pytest.param("json", id="confidential-json"),
    pytest.param("wrong-secret", id="wrong-secret"),
    pytest.param("unknown-client", id="unknown-client"),
    pytest.param("public-client", id="public-client"),
])
def test_client_credentials(zd, case):
    grants = grants_for(zd)
    asked = grants.allowed_scopes()
    if case in ("form", "json"):
        token = mint(zd, grants, as_json=case == "json")
        granted = set(str(token.get("scope", "")).split())
        assert granted == set(asked), (
            f"zdconform: the client credentials grant asked for scope {' '.join(asked)!r} "
            f"and got {token.get('scope')!r}")
        zd.record["server_to_server"] = True
        zd.record["token_expires_in"] = token.get("expires_in")
        zd.allowed(list_users(zd, token["access_token"]), 200, "users_list", method="oauth_client",
                   what="List Users with the client credentials token", facts=("F-32",))
        return
    identifier, secret = grants.client()
    if case == "wrong-secret":
        kwargs, cause = {"secret": "zdconform-wrong-secret-0000"}, "accepts a wrong client secret"
    elif case == "unknown-client":
        kwargs, cause = {"identifier": "zdconform-unknown-client"}, "accepts an unknown client identifier"
    else:
        kwargs, cause = {"identifier": public_identifier(zd, grants), "secret": ""}, \
            "lets a public client (which holds no secret) use the client credentials grant"
    response = grants.client_credentials(" ".join(asked), **kwargs)
    if response.ok:
        grants.keep(str(_json(response).get("access_token", "")))
    zd.refused(response, (400, 401), INVALID_CLIENT, what=f"a client credentials grant ({case})",
               cause=f"The grant endpoint {cause}: it minted a token. Only a confidential client with its "
                     "own secret may obtain server-to-server tokens.", security="F-41", shape="F-42")


@pytest.mark.zd_check("grant_refresh")
@pytest.mark.parametrize("case", [pytest.param("rotation", id="rotation")])
def test_refresh_rotation(zd, case):
    grants = grants_for(zd)
    first = mint(zd, grants)
    if not first.get("refresh_token"):
        pytest.skip("not exercised: the client credentials grant returned no refresh token to rotate")
    second = grants.obtained(grants.refresh(first["refresh_token"]), what="refresh_token grant",
                             facts=("F-39", "F-40", "F-43"))
    same = second.get("refresh_token") == first["refresh_token"]  # compared outside the assert: no secret shown
    if zd.run.target.kind != "replay":  # a replay reads every token as REDACTED
        zd.record["refresh_rotated"] = not same
        if same:
            zd.notes.contradicted.append("F-43")
            pytest.fail("zdconform: the tenant does not rotate refresh tokens: the refresh returned the same "
                        "refresh token (fact F-43: a refresh returns a new one and deletes the old pair).")
    again = grants.refresh(first["refresh_token"])
    if again.ok:
        grants.keep(str(_json(again).get("access_token", "")))
    zd.refused(again, (400, 401), "oauth_error", what="a refresh with the replaced refresh token", security="F-43",
               shape="F-44", cause="The tenant does not rotate refresh tokens: the replaced refresh token still works.")
    replaced = still_refused_after_revoke(zd, lambda: list_users(zd, first["access_token"]), "refresh")
    zd.refused(replaced, 401, "error_401_bearer", challenge="Bearer", method="oauth_token",
               what="List Users with the access token a refresh replaced", security="F-43", shape="F-05",
               cause="The tenant does not rotate refresh tokens: the access token a refresh replaced still works.")
    if replaced.status_code == 401:
        zd.gone(first.get("id"))  # refused since the refresh replaced it: revoking it would answer 404


def probe_at_run_end(zd, grants):
    """On a tenant (this check runs first): keep the token to the run's end, where it is tried if expired."""
    token = mint(zd, grants, until_run_end=True)
    if zd.run.target.kind == "replay":  # the request at the run's end is in no cassette: it cannot be replayed
        pytest.skip("not exercised in a replay: the live run that recorded this check tried its token at that "
                    "run's end; that run's evidence holds the verdict")
    expires_in = token.get("expires_in")
    if not isinstance(expires_in, int) or expires_in <= 0:
        pytest.skip(f"not exercised: the grant's expires_in is {expires_in!r}, so the token has no expiry to check")
    probe = ExpiryProbe(PROBE_CHECK, token["access_token"], expires_in, zd.run.ledger.clock_offset or 0.0)
    zd.run.probes.append(probe)
    zd.record["expiry_probe"] = probe.details()
    pytest.skip(f"not exercised yet: the token minted at the start of the run expires at {probe.expires_at}; "
                "the run's end tries it if the run lasted that long, else reports this part not exercised")


@pytest.mark.zd_check("grant_expiry")
@pytest.mark.parametrize("case", [pytest.param("bounds", id="expires-in-bounds"),
                                  pytest.param("expired", id="expired-token-refused")])
def test_expiry(zd, case):
    grants = grants_for(zd)
    if case == "expired" and zd.run.store.label.get("kind") == "tenant":  # a tenant, live or its recording replayed
        probe_at_run_end(zd, grants)
    token = mint(zd, grants)
    zd.rests_on("F-45")
    expires_in, refresh_in = token.get("expires_in"), token.get("refresh_token_expires_in")
    zd.record["token_expires_in"] = expires_in
    if expires_in is None:  # a legacy client (F-56): reported as tokens that never expire, nothing to bound
        zd.rests_on("F-56")
        pytest.skip("not exercised: the grant's answer carries no expires_in (a legacy client, fact F-56): its "
                    "tokens never expire, which the migration findings report")
    if case == "bounds":
        assert isinstance(expires_in, int) and ACCESS_TTL[0] <= expires_in <= ACCESS_TTL[1], (
            f"zdconform: expires_in is {expires_in!r}, outside the documented {ACCESS_TTL[0]} to {ACCESS_TTL[1]} s")
        assert refresh_in is None or REFRESH_TTL[0] <= refresh_in <= REFRESH_TTL[1], (
            f"zdconform: refresh_token_expires_in is {refresh_in!r}, outside {REFRESH_TTL[0]} to {REFRESH_TTL[1]} s")
        return
    if zd.run.emulator is not None:
        zd.run.emulator.advance_clock(expires_in)
    zd.refused(list_users(zd, token["access_token"]), 401, "error_401_bearer", challenge="Bearer", method="oauth_token",
               what="List Users with an access token past its expires_in", security="F-04", shape="F-05",
               cause="The tenant keeps an expired token alive: the token still works after its expires_in.")


@pytest.mark.zd_check("grant_scopes")
@pytest.mark.parametrize("case", [pytest.param("outside", id="outside-allowed-scopes"),
                                  pytest.param("array", id="scope-array-mistake")])
def test_scopes(zd, case):
    grants = grants_for(zd)
    allowed = grants.allowed_scopes()
    if case == "outside":
        outside = outside_scope(allowed)
        if outside is None:
            pytest.skip(f"not exercised: the profile's allowed scopes ({' '.join(allowed)}) leave nothing to probe")
        response = grants.client_credentials(outside)
        if response.ok:
            zd.record["granted_outside_scope"] = outside
            grants.keep(str(_json(response).get("access_token", "")))
            if not zd.run.profile.oauth_allowed_scopes:  # no limit declared: a finding, not a violation
                zd.record["allowed_scopes_undeclared"] = True
                return
        zd.refused(response, 400, "oauth_error", what=f"a client credentials grant asking for `{outside}`",
                   security="F-46", shape="F-47",
                   cause=f"The client's allowed scopes are wider than the profile's ({' '.join(allowed)}): it "
                         f"granted `{outside}`. Narrow the client's allowed scopes in Admin Center.")
        return
    response = grants.client_credentials(list(allowed), as_json=True)
    if not response.ok:
        zd.record["scope_array"] = f"refused with {response.status_code}"
        zd.refused(response, (400, 401), "oauth_error", what="a grant with the scope as a JSON array", shape="F-49",
                   cause="The tenant refused the array with an unexpected body.")
        return
    token = grants.obtained(response, what="a grant with the scope as a JSON array")
    used = list_users(zd, token["access_token"])
    zd.record["scope_array"] = ("token forbidden everywhere" if used.status_code == 403
                                else f"token answered {used.status_code}")
    zd.refused(used, 403, "error_403", what="List Users with a token whose scope was sent as an array", shape="F-48",
               cause="A scope sent as an array gave a token that works: the docs say it is Forbidden everywhere.")


TEST_ONLY_CODES = "/test-only/authorization_codes"  # exists on the reference emulator only


def challenge(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def door_code(zd, identifier, verifier):
    """An authorization code from the emulator's test-only door, as if a person had consented."""
    response = zd.client.post(TEST_ONLY_CODES, json={"client_id": identifier, "scope": "read",
                                                     "code_challenge": challenge(verifier),
                                                     "code_challenge_method": "S256"})
    assert response.status_code == 201, f"zdconform: the emulator's test-only door answered {response.status_code}"
    return response.json()["authorization_code"]


@pytest.mark.zd_check("grant_authorization_code")
@pytest.mark.parametrize("case", [pytest.param("right", id="pkce-right-verifier"),
                                  pytest.param("wrong", id="pkce-wrong-verifier"),
                                  pytest.param("reused", id="code-reused")])
def test_authorization_code_with_pkce(zd, case):
    grants = grants_for(zd)
    if not zd.run.target.is_reference:
        pytest.skip("not exercised on a live tenant: an authorization code needs a person signing in in a browser; "
                    "the reference emulator's test-only door checks the exchange")
    identifier = public_identifier(zd, grants)
    verifier = secrets.token_urlsafe(48)
    code = door_code(zd, identifier, verifier)
    if case == "wrong":
        response = grants.authorization_code(code, identifier, secrets.token_urlsafe(48))
        if response.ok:
            grants.keep(str(_json(response).get("access_token", "")))
        zd.refused(response, 400, "oauth_error", what="an authorization code with a wrong PKCE code_verifier",
                   security="F-51", shape="F-52",
                   cause="The tenant exchanged an authorization code for a wrong PKCE code_verifier: whoever "
                         "intercepts a code can use it.")
        return
    token = grants.obtained(grants.authorization_code(code, identifier, verifier),
                            what="an authorization code grant with PKCE", facts=("F-39", "F-40", "F-51"))
    if case == "right":
        zd.allowed(list_users(zd, token["access_token"]), 200, "users_list", method="oauth_client",
                   what="List Users with the authorization code's token", facts=("F-32",))
        return
    again = grants.authorization_code(code, identifier, verifier)
    if again.ok:
        grants.keep(str(_json(again).get("access_token", "")))
    zd.refused(again, 400, "oauth_error", what="the same authorization code exchanged again", security="F-51",
               shape="F-52", cause="The tenant exchanged an authorization code twice: a code is single use.")
