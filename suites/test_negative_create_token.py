"""Create Token (`POST /api/v2/oauth/tokens.json`) with a body or a token it must refuse.

All cases authenticate as the admin with the first method the profile enables and the
environment supplies (OAuth, then API token, then password); with none, they skip.

- `unknown-client-id`: a `client_id` that List Clients does not list;
- `missing-token-wrapper`: `{"client_id": ..., "scopes": [...]}` without the `token` object;
- `empty-scopes`: `{"token": {"client_id": ..., "scopes": []}}`.
  Zendesk's answer to these three is not documented (reference §10 gap 2). The body must be
  a 4xx error body (schema `error_4xx_generic`). The status must be the reference emulator's
  documented choice when the target is the emulator (`EMULATOR_CHOICE`: 422 RecordInvalid,
  400 ParameterMissing, 422 RecordInvalid); against a tenant any of 400, 404 or 422 passes and
  the check records the observed status, and whether it differs from the emulator's choice.
- `read-only-token`: a token minted with scopes `["read"]`, then used as Bearer to Create
  Token: 403 with the scope body (schema `error_403_scope`). Skipped when the profile
  disables OAuth (the token could not be used at all).

Any token minted by mistake (a 201) is revoked when the check ends, as is the read-only one.
"""

from __future__ import annotations

import pytest

from zdconform.conformance.negative import admin_auth
from zdconform.http.auth import OAuthBearerAuth

EMULATOR_CHOICE = {"unknown-client-id": 422, "missing-token-wrapper": 400, "empty-scopes": 422}
TENANT_STATUSES = (400, 404, 422)


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
    reference = zd.run.target.is_reference
    wanted = EMULATOR_CHOICE[case] if reference else TENANT_STATUSES
    zd.refused(response, wanted, "error_4xx_generic", what=f"Create Token with {case.replace('-', ' ')}",
               method=method, cause=f"Create Token minted a token despite the {case.replace('-', ' ')}; "
                                    "it has been revoked. The tenant does not validate the request body.")
    zd.record["observed_status"] = response.status_code
    if not reference and response.status_code != EMULATOR_CHOICE[case]:
        zd.record["differs_from_emulator_choice"] = EMULATOR_CHOICE[case]


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
               cause="A token with only the `read` scope created a token: the tenant does not enforce "
                     "OAuth scopes on writes.")
