"""Authentication: each method's success, and each failure's exact body and challenge."""

from __future__ import annotations

import pytest

from emu_support import ADMIN, AGENT, END_USER, basic

ME = "/api/v2/users/me.json"
BASIC_BODY = b'{"error":"Couldn\'t authenticate you"}'
BASIC_CHALLENGE = 'Basic realm="Web Password"'
BEARER_BODY = (b'{"error":"invalid_token","error_description":"The access token provided is '
               b'expired, revoked, malformed or invalid for other reasons."}')
BEARER_CHALLENGE = ('Bearer realm="Zendesk::OAuth Bearer Token Authentication", '
                    'error="invalid_token", error_description="The access token provided is '
                    'expired, revoked, malformed or invalid for other reasons."')


@pytest.mark.parametrize(("auth", "user_id"), [
    pytest.param("admin-api-token", ADMIN["id"], id="admin-api-token"),
    pytest.param("admin-bearer", ADMIN["id"], id="admin-bearer"),
    pytest.param("agent-api-token", AGENT["id"], id="agent-api-token"),
    pytest.param("agent-bearer", AGENT["id"], id="agent-bearer"),
    pytest.param("end-user-bearer", END_USER["id"], id="end-user-bearer"),
    pytest.param("read-only-bearer", ADMIN["id"], id="read-only-bearer-may-read"),
    pytest.param(basic(f"{END_USER['email']}/token", ADMIN["api_token"]), END_USER["id"],
                 id="api-token-is-account-wide"),
    pytest.param(basic(f"{ADMIN['email'].upper()}/token", ADMIN["api_token"]), ADMIN["id"],
                 id="email-case-insensitive"),
])
def test_each_method_authenticates_as_its_user(call, auth, user_id):
    response = call("GET", ME, auth)
    assert response.status_code == 200
    assert response.json()["user"]["id"] == user_id


@pytest.mark.parametrize("auth", ["admin-password", "agent-password", "end-user-password"])
def test_password_authenticates_when_password_access_is_on(emulator, call, auth):
    emulator.configure(password_access=True)
    assert call("GET", ME, auth).status_code == 200


@pytest.mark.parametrize(("auth", "settings"), [
    pytest.param("admin-password", {}, id="password-access-off-by-default"),
    pytest.param(basic(ADMIN["email"], "wrong"), {"password_access": True}, id="wrong-password"),
    pytest.param(basic("nobody@obscura.example", "x"), {"password_access": True},
                 id="unknown-email"),
    pytest.param(basic(f"{ADMIN['email']}/token", "f" * 40), {}, id="wrong-api-token"),
    pytest.param(basic("nobody@obscura.example/token", ADMIN["api_token"]), {},
                 id="api-token-unknown-email"),
    pytest.param("admin-api-token", {"api_token_access": False}, id="api-token-access-off"),
    pytest.param(basic(ADMIN["oauth_token"], ""), {}, id="oauth-token-sent-as-basic"),
    pytest.param(basic(ADMIN["email"], ADMIN["api_token"]), {"password_access": True},
                 id="api-token-as-password"),
    pytest.param(None, {}, id="no-authorization-header"),
    pytest.param("Token abc", {}, id="unknown-scheme"),
    pytest.param("Basic !!!not-base64!!!", {}, id="basic-not-base64"),
    pytest.param("Basic " + "bm9jb2xvbg==", {}, id="basic-without-colon"),
])
def test_basic_failures_answer_couldnt_authenticate(emulator, call, auth, settings):
    emulator.configure(**settings)
    response = call("GET", "/api/v2/users.json", auth)
    assert response.status_code == 401
    assert response.content == BASIC_BODY
    assert response.headers["WWW-Authenticate"] == BASIC_CHALLENGE
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize(("auth", "settings"), [
    pytest.param("Bearer " + "0" * 64, {}, id="unknown-token"),
    pytest.param("revoked-bearer", {}, id="revoked-token"),
    pytest.param("expired-bearer", {}, id="expired-token"),
    pytest.param(f"Bearer {ADMIN['api_token']}", {}, id="api-token-sent-as-bearer"),
    pytest.param("Bearer ", {}, id="empty-token"),
    pytest.param("Bearer two words", {}, id="malformed-token"),
    pytest.param("admin-bearer", {"oauth_access": False}, id="oauth-access-off"),
])
def test_bearer_failures_answer_invalid_token(emulator, call, auth, settings):
    emulator.configure(**settings)
    response = call("GET", "/api/v2/users.json", auth)
    assert response.status_code == 401
    assert response.content == BEARER_BODY
    assert response.headers["WWW-Authenticate"] == BEARER_CHALLENGE


def test_basic_401_body_is_37_bytes(call):
    response = call("GET", "/api/v2/users.json")
    assert response.headers["Content-Length"] == "37"


def test_users_me_without_credentials_is_the_anonymous_user(call):
    response = call("GET", ME)
    assert response.status_code == 200
    user = response.json()["user"]
    assert (user["id"], user["name"], user["role"]) == (None, "Anonymous user", "end-user")


def test_users_me_with_bad_credentials_is_401(call):
    assert call("GET", ME, basic(f"{ADMIN['email']}/token", "nope")).status_code == 401


def test_users_me_of_an_end_user_is_the_end_user_view(call):
    user = call("GET", ME, "end-user-bearer").json()["user"]
    assert "moderator" not in user and user["role"] == "end-user"
    assert "authenticity_token" in user


def test_bearer_use_sets_used_at(emulator, call):
    call("GET", ME, "read-only-bearer")
    shown = call("GET", "/api/v2/oauth/tokens/1820000000004.json", "admin-api-token").json()
    assert shown["token"]["used_at"] is not None
