"""Tenant variants: each plausible real answer where the facts are unsure, and its default.

Every variant's body is also one the schemas accept (a correct tenant is never reported broken).
"""

from __future__ import annotations

import time

import pytest
import yaml

from zdconform.conformance.schemas import validate
from zdconform.emulator import ZendeskEmulator, default_tenant, tenant_to_dict
from zdconform.exceptions import ProfileError

from emu_support import ADMIN, basic

TOKENS = "/api/v2/oauth/tokens.json"
USERS = "/api/v2/users.json?page[size]=1"
CLIENT = 50328


@pytest.mark.parametrize(("variant", "body", "challenge"), [
    pytest.param("bearer", "invalid_token", "Bearer realm=", id="default-bearer"),
    pytest.param("basic", "Couldn't authenticate you", "Basic realm=", id="basic"),
])
def test_empty_bearer(emulator, call, variant, body, challenge):
    emulator.configure(empty_bearer=variant)
    response = call("GET", USERS, "Bearer")
    assert (response.status_code, response.json()["error"]) == (401, body)
    assert response.headers["WWW-Authenticate"].startswith(challenge)


@pytest.mark.parametrize(("wording", "scope", "role"), [
    pytest.param("2025", "You are missing the following required scopes: write", "You do not have access",
                 id="2025"),
    pytest.param("2026", "Missing the following required scopes: write", "Access to this resource is restricted",
                 id="2026"),
])
def test_forbidden_wording(emulator, call, wording, scope, role):
    emulator.configure(forbidden_wording=wording)
    body = {"token": {"client_id": CLIENT, "scopes": ["read"]}}
    scoped = call("POST", TOKENS, "read-only-bearer", json=body)
    by_role = call("GET", "/api/v2/oauth/clients.json", "agent-api-token")
    assert scoped.json()["description"] == scope and validate(scoped.json(), "error_403_scope") == []
    assert by_role.json()["error"]["message"].startswith(role) and validate(by_role.json(), "error_403_role") == []


@pytest.mark.parametrize(("body", "status", "text"), [
    pytest.param({"client_id": CLIENT}, 400, "Required parameter missing: token", id="missing-wrapper"),
    pytest.param({"token": {"client_id": 1, "scopes": []}}, 422, "Client: is invalid; Scopes: cannot be blank",
                 id="record-invalid"),
])
def test_text_error_bodies(emulator, call, body, status, text):
    emulator.configure(error_bodies="text")
    response = call("POST", TOKENS, "admin-api-token", json=body)
    assert (response.status_code, response.text) == (status, text)
    assert response.headers["Content-Type"].startswith("text/plain")
    assert validate(response.text, "error_4xx_generic") == [] and validate(response.text, "error_4xx_json") != []


def test_empty_scopes_accepted_mint_a_token_that_can_do_nothing(emulator, call):
    body = {"token": {"client_id": CLIENT, "scopes": []}}
    assert call("POST", TOKENS, "admin-api-token", json=body).status_code == 422  # the default refuses
    emulator.configure(empty_scopes="accept")
    created = call("POST", TOKENS, "admin-api-token", json=body)
    assert created.status_code == 201 and created.json()["token"]["scopes"] == []
    assert call("GET", USERS, f"Bearer {created.json()['token']['full_token']}").status_code == 403


def test_revoke_current_delayed_keeps_the_token_briefly(emulator, call, new_token):
    emulator.configure(revoke_current="delayed")
    bearer = f"Bearer {new_token()['full_token']}"
    assert call("DELETE", "/api/v2/oauth/tokens/current.json", bearer).status_code == 204
    assert call("GET", USERS, bearer).status_code == 200
    time.sleep(1.6)  # LATE_REVOKE_SECONDS is 1.5
    assert call("GET", USERS, bearer).status_code == 401


def test_revoke_current_immediate_by_default(call, new_token):
    bearer = f"Bearer {new_token()['full_token']}"
    assert call("DELETE", "/api/v2/oauth/tokens/current.json", bearer).status_code == 204
    assert call("GET", USERS, bearer).status_code == 401


@pytest.mark.parametrize(("variant", "record", "endpoint"), [
    pytest.param("record", b'{"error":"RecordNotFound","description":"Not found"}',
                 b'{"error":"InvalidEndpoint","description":"Not found"}', id="record"),
    pytest.param("endpoint", b'{"error":"InvalidEndpoint","description":"Not found"}',
                 b'{"error":"InvalidEndpoint","description":"Not found"}', id="endpoint"),
    pytest.param("empty", b"", b"", id="empty"),
])
def test_not_found_shapes(emulator, call, variant, record, endpoint):
    emulator.configure(not_found=variant)
    missing = call("GET", "/api/v2/oauth/tokens/999.json", "admin-api-token")
    unknown = call("GET", "/api/v2/nowhere.json", "admin-api-token")
    assert (missing.status_code, missing.content, unknown.status_code, unknown.content) == (404, record, 404, endpoint)
    assert validate(missing.json() if record else "", "error_404") == []


def test_rate_limit_families_can_disagree(emulator, call):
    agreeing = call("GET", USERS, "admin-api-token").headers
    assert agreeing["ratelimit-remaining"] == agreeing["X-Rate-Limit-Remaining"]
    emulator.configure(rate_limit_agree=False)
    headers = call("GET", USERS, "admin-api-token").headers
    assert int(headers["ratelimit-remaining"]) == int(headers["X-Rate-Limit-Remaining"]) - 1
    assert headers["ratelimit-reset"] == "60"


@pytest.mark.parametrize(("variant", "prev"), [pytest.param("null", False, id="null"),
                                                pytest.param("link", True, id="link")])
def test_first_cursor_page_prev(emulator, call, variant, prev):
    emulator.configure(first_page_prev=variant)
    body = call("GET", USERS, "admin-api-token").json()
    assert (body["links"]["prev"] is not None) is prev
    assert validate(body, "users_list") == []


def test_an_endpoint_429_is_json_and_leaves_budget(emulator, call):
    emulator.configure(faults=[{"kind": "rate_limit", "body": "json", "paths": ["/api/v2/users"]}])
    response = call("GET", USERS, "admin-api-token")
    assert (response.status_code, response.json()["error"]) == (429, "APIRateLimitExceeded")
    assert int(response.headers["X-Rate-Limit-Remaining"]) > 0 and response.headers["Retry-After"]
    assert validate(response.json(), "error_429") == []


@pytest.mark.parametrize("auth", [pytest.param(None, id="no-credentials"),
                                  pytest.param(basic(ADMIN["email"], "wrong"), id="wrong-password"),
                                  pytest.param(basic(ADMIN["email"], ADMIN["password"]), id="right-password")])
def test_users_me_ignores_a_password_and_answers_the_anonymous_user(call, auth):
    response = call("GET", "/api/v2/users/me.json", auth)
    assert response.status_code == 200 and response.json()["user"]["id"] is None
    assert validate(response.json(), "user_response") == []


def test_users_me_still_refuses_a_wrong_api_token(call):
    assert call("GET", "/api/v2/users/me.json", basic(f"{ADMIN['email']}/token", "wrong")).status_code == 401


def test_a_variant_takes_its_yaml_integer_and_refuses_an_unknown_value():
    tenant = tenant_to_dict(default_tenant())
    tenant["settings"].update(yaml.safe_load("forbidden_wording: 2026\nnot_found: empty"))
    assert ZendeskEmulator(tenant=tenant).tenant.settings.forbidden_wording == "2026"
    tenant["settings"]["empty_bearer"] = "none"
    with pytest.raises(ProfileError, match="settings.empty_bearer.*'bearer', 'basic'"):
        ZendeskEmulator(tenant=tenant)
