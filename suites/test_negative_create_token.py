"""Create Token (`POST /api/v2/oauth/tokens.json`) with a body or a token it must refuse.

All cases authenticate as the admin with the first method the profile enables and the
environment supplies (OAuth, then API token, then password); with none, they skip.

- `unknown-client-id`: a `client_id` that List Clients does not list;
- `missing-token-wrapper`: `{"client_id": ..., "scopes": [...]}` without the `token` object;
- `empty-scopes`: `{"token": {"client_id": ..., "scopes": []}}`.
  Zendesk's answer to these three is not documented (reference §10 gap 2; facts F-22, F-23,
  F-24, all inferred). The expectation is the reference emulator's documented choice
  (`EMULATOR_CHOICE`: 422 RecordInvalid, 400 ParameterMissing, 422 RecordInvalid) with a JSON
  error body (schema `error_4xx_json`), exact against the reference emulator. On a real tenant
  another refusal with a documented body (another status among 400/404/409/422, a text body,
  a 404 body) is a recorded deviation, and so is a 201 for empty scopes (Create Token "returns
  an access token even if you specify an invalid scope"; the token is revoked). A 201 for an
  unknown client or a missing wrapper fails: the tenant does not validate the body.
- `read-only-token`: a token minted with scopes `["read"]`, then used as Bearer to Create
  Token: 403 with the scope body (schema `error_403_scope`). A success is a security
  violation (F-18); the write variant of the body is inferred (F-20). Skipped when the profile
  disables OAuth (the token could not be used at all).

Any token minted by mistake (a 201) is revoked when the check ends, as is the read-only one.
"""

from __future__ import annotations

import pytest

from zdconform.conformance.negative import admin_auth
from zdconform.http.auth import OAuthBearerAuth

EMULATOR_CHOICE = {"unknown-client-id": 422, "missing-token-wrapper": 400, "empty-scopes": 422}
SHAPE_FACTS = {"unknown-client-id": "F-22", "missing-token-wrapper": "F-23", "empty-scopes": "F-24"}


def unknown_client_id(clients):
    ids = {int(c["id"]) for c in clients}
    candidate = 999_999_999
    while candidate in ids:
        candidate += 1
    return str(candidate)


def bad_body(case, clients, client_id):
    if case == "unknown-client-id":
        return {"token": {"client_id": unknown_client_id(clients), "scopes": ["read"]}}
    if case == "missing-token-wrapper":
        return {"client_id": client_id, "scopes": ["read"]}
    return {"token": {"client_id": client_id, "scopes": []}}


@pytest.mark.zd_check("token_errors")
@pytest.mark.parametrize("case", list(EMULATOR_CHOICE))
def test_refuses_bad_body(zd, case):
    method, auth = admin_auth(zd)
    zd.notes.method = method
    clients = zd.list_clients(auth, method=method)
    body = bad_body(case, clients, str(zd.find_client(clients)["id"]))
    response = zd.attempt_create(auth, body)
    zd.rests_on("F-21", "F-25")
    what = f"Create Token with {case.replace('-', ' ')}"
    zd.refused(response, EMULATOR_CHOICE[case], "error_4xx_json", what=what, method=method,
               shape=SHAPE_FACTS[case], granted_ok=case == "empty-scopes",
               cause=f"Create Token minted a token despite the {case.replace('-', ' ')}; "
                     "it has been revoked. The tenant does not validate the request body.")
    zd.record["observed_status"] = response.status_code


@pytest.mark.zd_check("token_errors")
@pytest.mark.parametrize("method", [pytest.param("oauth_token", id="read-only-token")])
def test_read_only_token_cannot_create_token(zd, method):
    if zd.run.profile.expects(method) == "disabled":
        pytest.skip("the profile expects OAuth disabled: a read-only token could not be used at all")
    minted_with, auth = admin_auth(zd)
    token = zd.mint_token(auth, method=minted_with, scopes=["read"])
    body = {"token": {"client_id": str(token["client_id"]), "scopes": ["read"]}}
    response = zd.attempt_create(OAuthBearerAuth(token["full_token"]), body)
    zd.refused(response, 403, "error_403_scope", what="Create Token with a read-only token", method=method,
               security="F-18", shape="F-20",
               cause="A token with only the `read` scope created a token: the tenant does not enforce "
                     "OAuth scopes on writes.")
    if not zd.notes.deviations:
        zd.rests_on("F-19")  # the scope body in one of its two recorded wordings
