"""The OAuth token lifecycle: create, show, list, revoke, expire."""

from __future__ import annotations

import pytest
import requests

from zdconform.emulator import ZendeskEmulator

from emu_support import ADMIN, AGENT, AUTH

CREATE = "/api/v2/oauth/tokens.json"
TOKEN_KEYS = ["url", "id", "user_id", "client_id", "token", "refresh_token", "scopes",
              "created_at", "expires_at", "used_at", "refresh_token_expires_at"]


@pytest.mark.parametrize("client_id", [
    pytest.param("50328", id="string-as-in-the-seed"),
    pytest.param(50328, id="integer"),
])
def test_create_token_answers_201_with_the_full_token(call, client_id):
    body = {"token": {"client_id": client_id, "scopes": ["read", "write"]}}
    response = call("POST", CREATE, "admin-api-token", json=body)
    token = response.json()["token"]
    assert response.status_code == 201
    assert list(token) == [*TOKEN_KEYS, "full_token"]
    assert (token["client_id"], token["user_id"], token["scopes"]) == (
        50328, ADMIN["id"], ["read", "write"])
    assert len(token["full_token"]) == 64 and token["token"] == token["full_token"][:10]
    assert (token["expires_at"], token["refresh_token"]) == (None, None)
    assert response.headers["Location"] == token["url"]


def test_the_full_token_is_never_shown_again(call, new_token):
    token = new_token()
    shown = call("GET", f"/api/v2/oauth/tokens/{token['id']}.json", "admin-api-token").json()
    listed = call("GET", "/api/v2/oauth/tokens.json", "admin-api-token").text
    assert "full_token" not in shown["token"] and shown["token"]["token"] == token["token"]
    assert token["full_token"] not in listed and "full_token" not in listed


def test_new_tokens_authenticate_as_bearer(call, new_token):
    token = new_token()["full_token"]
    response = call("GET", "/api/v2/users.json", f"Bearer {token}")
    assert response.status_code == 200 and len(response.json()["users"]) == 100


def test_token_ids_are_sequential_from_a_fixed_base(new_token):
    assert [new_token()["id"] for _ in range(3)] == [1830000000001, 1830000000002, 1830000000003]


def test_current_shows_the_calling_token_truncated(call):
    token = call("GET", "/api/v2/oauth/tokens/current.json", "admin-bearer").json()["token"]
    assert token["id"] == 1820000000001 and token["token"] == ADMIN["oauth_token"][:10]


def test_list_tokens_shows_only_the_callers_tokens_without_all(call):
    tokens = call("GET", "/api/v2/oauth/tokens.json", "admin-api-token").json()["tokens"]
    assert {token["user_id"] for token in tokens} == {ADMIN["id"]}


def test_list_tokens_filters_by_client_id(call):
    path = "/api/v2/oauth/tokens.json?all=true&client_id=50329"
    assert call("GET", path, "admin-api-token").json()["tokens"] == []


@pytest.mark.parametrize("reference", ["by-id", "current"])
def test_revoked_tokens_answer_401_afterwards(emulator, call, new_token, reference):
    token = new_token()
    bearer = f"Bearer {token['full_token']}"
    target = token["id"] if reference == "by-id" else "current"
    response = call("DELETE", f"/api/v2/oauth/tokens/{target}.json", bearer)
    assert (response.status_code, response.content) == (204, b"")
    assert "Content-Type" not in response.headers
    assert call("GET", "/api/v2/users.json", bearer).status_code == 401
    assert token["id"] not in [live["id"] for live in emulator.live_tokens()]


def test_revoked_tokens_are_no_longer_shown(call, new_token):
    token = new_token()
    call("DELETE", f"/api/v2/oauth/tokens/{token['id']}", "admin-api-token")
    assert call("GET", f"/api/v2/oauth/tokens/{token['id']}", "admin-api-token").status_code == 404


def test_agents_may_revoke_their_own_token(call):
    response = call("DELETE", "/api/v2/oauth/tokens/1820000000002.json", "agent-bearer")
    assert response.status_code == 204
    assert call("GET", "/api/v2/users.json", "agent-bearer").status_code == 401


def test_agents_may_not_revoke_an_admins_token(call):
    response = call("DELETE", "/api/v2/oauth/tokens/1820000000001.json", "agent-api-token")
    assert response.status_code == 404
    assert call("GET", "/api/v2/users/me.json", "admin-bearer").status_code == 200


def test_expired_tokens_are_still_listed(call):
    path = "/api/v2/oauth/tokens/1820000000005.json"
    token = call("GET", path, "admin-api-token").json()["token"]
    assert token["expires_at"] == "2024-01-15T08:30:00Z"


def test_ttl_zero_tokens_expire_at_once(emulator, call, new_token):
    emulator.configure(oauth_token_ttl_seconds=0)
    token = new_token()
    assert token["expires_at"] == token["created_at"]
    assert call("GET", "/api/v2/users.json", f"Bearer {token['full_token']}").status_code == 401


def test_ttl_sets_expires_at_from_the_frozen_clock():
    with ZendeskEmulator(frozen_time="2024-05-01T12:00:00Z") as emulator:
        emulator.configure(oauth_token_ttl_seconds=1800)
        response = requests.post(f"{emulator.url}/api/v2/oauth/tokens.json", timeout=10,
                                 headers={"Authorization": AUTH["admin-api-token"]},
                                 json={"token": {"client_id": 50328, "scopes": ["read"]}})
        token = response.json()["token"]
    assert (token["created_at"], token["expires_at"]) == ("2024-05-01T12:00:00Z",
                                                          "2024-05-01T12:30:00Z")


def test_created_tokens_with_odd_scopes_are_accepted(new_token):
    assert new_token(["read write"])["scopes"] == ["read write"]


def test_an_agent_token_shows_its_owner(call):
    token = call("GET", "/api/v2/oauth/tokens/current", "agent-bearer").json()["token"]
    assert token["user_id"] == AGENT["id"]
