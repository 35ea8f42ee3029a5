"""Credentials that must be refused, each with its documented 401 (body and challenge).

Every case sends one request to `GET /api/v2/users.json?page[size]=1` (Admins and Agents:
a protected endpoint, unlike `users/me`, which answers 200 with an anonymous user to a
request without credentials) and expects:

- Basic family: 401 `{"error": "Couldn't authenticate you"}` (schema `error_401_basic`) with
  `WWW-Authenticate: Basic realm=...`, for a wrong password, a wrong API token, an unknown
  email (with the real password or API token), an OAuth token sent as Basic
  (`{email}/token:{oauth token}`), a Basic value that is not base64 or has no colon, an
  unknown scheme and no Authorization header at all (the last three are inferred in the
  reference's gaps 4 and 5: the emulator answers them so).
- Bearer family: 401 `{"error": "invalid_token", ...}` (schema `error_401_bearer`) with
  `WWW-Authenticate: Bearer realm=...`, for an API token sent as Bearer, a bare `Bearer`,
  a revoked token (minted, revoked by id, then used) and an expired one.

Facts (docs/facts.md): each case rests on a security fact (the credential is refused at all:
F-01, F-03, F-04, F-06, F-07, F-11), whose contradiction always fails, and a shape fact (the
401 it gets: F-02, F-05 observed; F-08, F-09, F-10 inferred). On a real tenant, another
documented refusal where the shape fact is inferred (say the Basic 401 for a bare `Bearer`) is
a deviation: the check passes and the run reports it.

Per profile: none of these expectations depends on the tenant profile. A wrong password is
refused whether password access is on (the password is wrong) or off (the method is gone);
the same holds for API tokens and OAuth. The profile decides only *how* the revoked token is
minted (the admin's first method the profile enables); with none enabled that case skips.
What a case needs: wrong password and wrong API token need `ZENDESK_EMAIL` (the wrong value is
the real one with two characters changed, or a fixed wrong one when it is not set); unknown
email needs the real `ZENDESK_PASSWORD` / `ZENDESK_API_TOKEN`; the expired case needs an
expired token, which the emulator supplies and a tenant run takes from the optional
`ZENDESK_EXPIRED_OAUTH_TOKEN`; each case skips naming the variable otherwise.
"""

from __future__ import annotations

import pytest

from zdconform.conformance.endpoints import USERS_PATH
from zdconform.conformance.negative import admin_auth, revoke_by_id, still_refused_after_revoke, wrong_auth
from zdconform.http.auth import NoAuth, OAuthBearerAuth

PROBE = {"page[size]": 1}
BASIC = ("error_401_basic", "Basic")
BEARER = ("error_401_bearer", "Bearer")

CASES = [
    pytest.param("password", "wrong-password", BASIC, id="wrong-password"),
    pytest.param("password", "unknown-email-password", BASIC, id="unknown-email-password"),
    pytest.param("api_token", "wrong-api-token", BASIC, id="wrong-api-token"),
    pytest.param("api_token", "unknown-email-api-token", BASIC, id="unknown-email-api-token"),
    pytest.param("api_token", "api-token-as-bearer", BEARER, id="api-token-as-bearer"),
    pytest.param("oauth_token", "oauth-token-as-basic", BASIC, id="oauth-token-as-basic"),
    pytest.param("oauth_token", "revoked-token", BEARER, id="revoked-token"),
    pytest.param("oauth_token", "expired-token", BEARER, id="expired-token"),
    pytest.param("none", "malformed-basic", BASIC, id="malformed-basic"),
    pytest.param("none", "basic-without-colon", BASIC, id="basic-without-colon"),
    pytest.param("none", "empty-bearer", BEARER, id="empty-bearer"),
    pytest.param("none", "unknown-scheme", BASIC, id="unknown-scheme"),
    pytest.param("none", "no-authorization", BASIC, id="no-authorization"),
]

# (security fact: the credential is refused at all, shape fact: the 401 it gets), see docs/facts.md.
FACTS = {
    "wrong-password": ("F-01", "F-02"), "unknown-email-password": ("F-01", "F-02"),
    "wrong-api-token": ("F-01", "F-02"), "unknown-email-api-token": ("F-01", "F-02"),
    "api-token-as-bearer": ("F-07", "F-05"), "oauth-token-as-basic": ("F-06", "F-02"),
    "revoked-token": ("F-03", "F-05"), "expired-token": ("F-04", "F-05"),
    "malformed-basic": ("F-11", "F-09"), "basic-without-colon": ("F-11", "F-09"),
    "empty-bearer": ("F-11", "F-10"), "unknown-scheme": ("F-11", "F-09"), "no-authorization": ("F-11", "F-08"),
}

CAUSES = {
    "wrong-password": "The tenant accepted a wrong password: it authenticates anyone who knows "
                      "an admin's email. Turn password access off and report this to Zendesk.",
    "wrong-api-token": "The tenant accepted a wrong API token: check that API token access "
                       "validates the token.",
    "revoked-token": "A revoked OAuth token still works: revocation is not effective on this "
                     "tenant; revoke the token again and report this to Zendesk.",
    "expired-token": "An expired OAuth token still works: the tenant does not enforce expires_at.",
}


def credential_for(zd, case):
    if case == "no-authorization":
        return NoAuth()
    if case == "expired-token":
        return zd.auth("oauth_token", role="expired")
    if case == "revoked-token":
        return revoked_token(zd)
    return wrong_auth(zd, case)


def revoked_token(zd):
    method, admin = admin_auth(zd)
    token = zd.mint_token(admin, method=method)
    response = revoke_by_id(zd, token["id"])
    assert response.status_code == 204, (
        f"zdconform: revoking the token just minted answered {response.status_code}, not 204; "
        "the revoked-token case cannot run")
    return OAuthBearerAuth(token["full_token"])


@pytest.mark.zd_check("negative_auth")
@pytest.mark.parametrize(("method", "case", "refusal"), CASES)
def test_refused_credentials(zd, method, case, refusal):
    auth = credential_for(zd, case)
    schema, challenge = refusal
    probe = lambda: zd.client.get(USERS_PATH, params=PROBE, auth=auth)  # noqa: E731
    # a revocation may take a moment on a tenant: re-checked with backoff, as on every path
    response = still_refused_after_revoke(zd, probe, "by-id") if case == "revoked-token" else probe()
    cause = CAUSES.get(case, f"The tenant accepted a request with {case.replace('-', ' ')}.")
    if case == "revoked-token" and response.ok:
        zd.record["revoked_token_still_works"] = "by-id"
    security, shape = FACTS[case]
    zd.refused(response, 401, schema, challenge=challenge, what=f"List Users with {case.replace('-', ' ')}",
               cause=cause, method=method if method != "none" else "-", security=security, shape=shape)
