"""Roles, scopes, missing records, unknown endpoints and Create Token's refusals."""

from __future__ import annotations

import pytest

ROLE_BODY = {"error": {"title": "Forbidden", "message": "You do not have access to this page. "
                       "Please contact the account owner of this help desk for further help."}}
CREATE = "/api/v2/oauth/tokens.json"
SEED_BODY = {"token": {"client_id": "50328", "scopes": ["read", "write"]}}


def scope_body(access: str) -> dict[str, str]:
    return {"error": "Forbidden",
            "description": f"You are missing the following required scopes: {access}"}


@pytest.mark.parametrize(("auth", "method", "path"), [
    pytest.param("agent-api-token", "GET", "/api/v2/oauth/clients.json", id="agent-list-clients"),
    pytest.param("agent-bearer", "GET", "/api/v2/oauth/clients", id="agent-bearer-list-clients"),
    pytest.param("end-user-bearer", "GET", "/api/v2/users/me/oauth/clients.json",
                 id="end-user-list-clients-alias"),
    pytest.param("agent-api-token", "POST", CREATE, id="agent-create-token"),
    pytest.param("end-user-bearer", "POST", CREATE, id="end-user-create-token"),
    pytest.param("agent-bearer", "GET", "/api/v2/oauth/tokens.json", id="agent-list-tokens"),
    pytest.param("end-user-bearer", "GET", "/api/v2/users.json", id="end-user-list-users"),
])
def test_roles_without_access_get_the_role_shaped_403(call, auth, method, path):
    response = call(method, path, auth, json=SEED_BODY if method == "POST" else None)
    assert response.status_code == 403
    assert response.json() == ROLE_BODY


def test_agents_may_list_users(call):
    assert call("GET", "/api/v2/users.json", "agent-api-token").status_code == 200


@pytest.mark.parametrize(("scopes", "method", "path", "missing"), [
    pytest.param(["read"], "POST", CREATE, "write", id="read-only-creates-token"),
    pytest.param(["read"], "DELETE", "/api/v2/oauth/tokens/current.json", "write",
                 id="read-only-revokes-current"),
    pytest.param(["write"], "GET", "/api/v2/users.json", "read", id="write-only-reads"),
    pytest.param(["users:read"], "GET", "/api/v2/oauth/clients.json", "read",
                 id="users-read-lists-clients"),
    pytest.param(["users:write"], "GET", "/api/v2/users.json", "read", id="users-write-reads"),
    pytest.param(["impersonate"], "GET", "/api/v2/users/me.json", "read", id="impersonate-only"),
    pytest.param(["read", "write", "read write"], "GET", "/api/v2/users.json", "read",
                 id="odd-scope-poisons-read"),
    pytest.param(["read", "tickets:bogus"], "GET", "/api/v2/users/me.json", "read",
                 id="odd-access-poisons"),
    pytest.param(["nosuchresource:read", "write"], "POST", CREATE, "write",
                 id="odd-resource-poisons-write"),
])
def test_missing_scopes_get_the_scope_shaped_403(call, new_token, scopes, method, path, missing):
    token = new_token(scopes)["full_token"]
    response = call(method, path, f"Bearer {token}", json=SEED_BODY if method == "POST" else None)
    assert response.status_code == 403
    assert response.json() == scope_body(missing)


@pytest.mark.parametrize(("scopes", "path"), [
    pytest.param(["users:read"], "/api/v2/users.json", id="users-read-lists-users"),
    pytest.param(["users"], "/api/v2/users/me.json", id="resource-alone-means-read-write"),
    pytest.param(["read"], "/api/v2/oauth/clients.json", id="read-lists-clients"),
    pytest.param(["tickets:read", "users:read"], "/api/v2/users/me", id="several-resources"),
])
def test_sufficient_scopes_are_allowed(call, new_token, scopes, path):
    token = new_token(scopes)["full_token"]
    assert call("GET", path, f"Bearer {token}").status_code == 200


def test_scope_is_checked_before_role(call):
    response = call("POST", CREATE, "read-only-bearer", json=SEED_BODY)
    assert response.json() == scope_body("write")


@pytest.mark.parametrize("path", [
    pytest.param("/api/v2/oauth/tokens/999.json", id="unknown-id"),
    pytest.param("/api/v2/oauth/tokens/abc", id="non-numeric-id"),
    pytest.param("/api/v2/oauth/tokens/1820000000006.json", id="revoked-token"),
    pytest.param("/api/v2/oauth/tokens/current.json", id="current-without-bearer"),
])
def test_missing_tokens_are_record_not_found(call, path):
    response = call("GET", path, "admin-api-token")
    assert response.status_code == 404
    assert response.content == b'{"error":"RecordNotFound","description":"Not found"}'


def test_other_users_tokens_are_not_found_for_non_admins(call):
    response = call("GET", "/api/v2/oauth/tokens/1820000000001.json", "agent-bearer")
    assert response.status_code == 404


@pytest.mark.parametrize(("method", "path"), [
    pytest.param("GET", "/api/v2/tickets.json", id="unknown-path"),
    pytest.param("PUT", "/api/v2/users.json", id="unknown-method"),
    pytest.param("GET", "/api/v2/users.xml", id="other-suffix"),
])
def test_unknown_endpoints_are_invalid_endpoint(call, method, path):
    response = call(method, path, "admin-api-token")
    assert response.status_code == 404
    assert response.json() == {"error": "InvalidEndpoint", "description": "Not found"}


def blank(field: str) -> list[dict[str, str]]:
    return [{"description": f"{field}: cannot be blank", "error": "BlankValue"}]


def invalid(field: str) -> list[dict[str, str]]:
    return [{"description": f"{field}: is invalid", "error": "InvalidValue"}]


def record_invalid(**details: list[dict[str, str]]) -> dict[str, object]:
    return {"error": "RecordInvalid", "description": "Record validation errors", "details": details}


MISSING_TOKEN = {"error": "ParameterMissing",
                 "description": "param is missing or the value is empty: token"}


@pytest.mark.parametrize(("body", "status", "expected"), [
    pytest.param({"client_id": 50328, "scopes": ["read"]}, 400, MISSING_TOKEN,
                 id="missing-token-wrapper"),
    pytest.param({"token": {}}, 400, MISSING_TOKEN, id="empty-token-wrapper"),
    pytest.param({"token": "50328"}, 400, MISSING_TOKEN, id="wrapper-not-an-object"),
    pytest.param([1, 2], 400, MISSING_TOKEN, id="body-not-an-object"),
    pytest.param({"token": {"client_id": 99999, "scopes": ["read"]}}, 422,
                 record_invalid(client_id=invalid("Client")), id="unknown-client-id"),
    pytest.param({"token": {"client_id": "my-app", "scopes": ["read"]}}, 422,
                 record_invalid(client_id=invalid("Client")), id="non-numeric-client-id"),
    pytest.param({"token": {"client_id": True, "scopes": ["read"]}}, 422,
                 record_invalid(client_id=invalid("Client")), id="boolean-client-id"),
    pytest.param({"token": {"scopes": ["read"]}}, 422,
                 record_invalid(client_id=blank("Client")), id="missing-client-id"),
    pytest.param({"token": {"client_id": 50328, "scopes": []}}, 422,
                 record_invalid(scopes=blank("Scopes")), id="empty-scopes"),
    pytest.param({"token": {"client_id": 50328}}, 422,
                 record_invalid(scopes=blank("Scopes")), id="missing-scopes"),
    pytest.param({"token": {"client_id": 50328, "scopes": "read write"}}, 422,
                 record_invalid(scopes=invalid("Scopes")), id="scopes-as-a-string"),
    pytest.param({"token": {"client_id": None, "scopes": None}}, 422,
                 record_invalid(client_id=blank("Client"), scopes=blank("Scopes")),
                 id="both-blank"),
])
def test_create_token_refusals(call, body, status, expected):
    response = call("POST", CREATE, "admin-api-token", json=body)
    assert (response.status_code, response.json()) == (status, expected)


def test_create_token_with_unparseable_json_is_400(call):
    response = call("POST", CREATE, "admin-api-token", data=b"{not json",
                    headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "InvalidJSON"


def test_create_token_ignores_a_body_not_declared_as_json(call):
    response = call("POST", CREATE, "admin-api-token", data=b'{"token":{"client_id":50328}}',
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert (response.status_code, response.json()) == (400, MISSING_TOKEN)


def test_refused_creates_make_no_token(emulator, call):
    call("POST", CREATE, "admin-api-token", json={"token": {"client_id": 99999,
                                                            "scopes": ["read"]}})
    assert emulator.tokens_created() == []
