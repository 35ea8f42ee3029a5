"""Admin-only endpoints refuse other roles: an agent and an end user on List Clients and Create Token.

Each case authenticates as a non-admin user and expects 403 with the role body
`{"error": {"title": "Forbidden", "message": "You do not have access to this page. ..."}}`
(schema `error_403_role`). The exact body on the OAuth endpoints is inferred (reference §10
gap 3): the shape is the one Zendesk sends for roles on other Support endpoints.

Credentials: the agent's come from `ZENDESK_AGENT_OAUTH_TOKEN`, or `ZENDESK_AGENT_EMAIL` with
`ZENDESK_AGENT_API_TOKEN` (a case skips naming what is missing); the emulator supplies its own
agent and end user. A tenant run has no end-user credentials, so those cases skip there.
Create Token is sent with the configured client id and `["read"]`: the role refusal comes
before the id is read. A token minted by mistake (a 201) is revoked when the check ends.

Facts: F-15 (admins only: a success always fails) and F-16 (the role body, inferred on
these endpoints: on a real tenant another documented refusal is a deviation); the body's two
wordings (2025, 2026) are F-17.

Per profile: where the profile enables the method, the refusal is the 403 role body (verdict
`pass`); where it disables it, the user cannot authenticate at all, so the documented 401 of
that method is expected instead (verdict `expected-denied`). Password is not used here:
removed in 2026, it would only ever show the 401.
"""

from __future__ import annotations

import pytest

from zdconform.conformance.endpoints import CLIENTS_PATH

CASES = [
    pytest.param("agent", "oauth_token", "list_clients", id="agent-oauth-bearer-list-clients"),
    pytest.param("agent", "oauth_token", "create_token", id="agent-oauth-bearer-create-token"),
    pytest.param("agent", "api_token", "list_clients", id="agent-api-token-list-clients"),
    pytest.param("agent", "api_token", "create_token", id="agent-api-token-create-token"),
    pytest.param("end_user", "oauth_token", "list_clients", id="end-user-oauth-bearer-list-clients"),
    pytest.param("end_user", "oauth_token", "create_token", id="end-user-oauth-bearer-create-token"),
]
WHAT = {"list_clients": "List OAuth Clients", "create_token": "Create Token"}


def send(zd, endpoint, auth):
    if endpoint == "list_clients":
        return zd.client.get(CLIENTS_PATH, auth=auth)
    body = {"token": {"client_id": str(zd.configured_client_id()), "scopes": ["read"]}}
    return zd.attempt_create(auth, body)


@pytest.mark.zd_check("roles")
@pytest.mark.parametrize(("role", "method", "endpoint"), CASES)
def test_admin_only_endpoint_refuses_role(zd, role, method, endpoint):
    auth = zd.auth(method, role=role)
    response = send(zd, endpoint, auth)
    who = role.replace("_", " ")
    what = f"{WHAT[endpoint]} as an {who}"
    if zd.expected(method) == "denied":
        zd.denied(response, method=method, what=what)
        return
    zd.refused(response, 403, "error_403_role", what=what, method=method, security="F-15", shape="F-16", cause=(
        f"The tenant let an {who} use an admin-only endpoint ({WHAT[endpoint]} is for admins "
        "only): check the user's role and any custom role permissions."))
    if not zd.notes.deviations:
        zd.rests_on("F-17")  # the role body in one of its two recorded wordings
