"""Misbehaviour switches: each makes the emulator a broken tenant the suite must catch."""

from __future__ import annotations

import pytest
import requests
import yaml

from zdconform.emulator import ZendeskEmulator, default_tenant, dump_tenant_yaml

from emu_support import ADMIN, basic

WRONG_PASSWORD = basic(ADMIN["email"], "not-the-password")


@pytest.mark.parametrize(("settings", "auth"), [
    pytest.param({}, WRONG_PASSWORD, id="even-with-password-access-off"),
    pytest.param({"password_access": True}, WRONG_PASSWORD, id="password-access-on"),
    pytest.param({}, "admin-password", id="right-password-too"),
])
def test_accept_wrong_password(emulator, call, settings, auth):
    emulator.configure(misbehave={"accept_wrong_password": True}, **settings)
    assert call("GET", "/api/v2/oauth/clients.json", auth).status_code == 200


def test_accept_wrong_password_still_needs_a_known_email(emulator, call):
    emulator.configure(misbehave={"accept_wrong_password": True})
    assert call("GET", "/api/v2/users.json", basic("x@y.example", "z")).status_code == 401


@pytest.mark.parametrize(("auth", "method", "path", "status"), [
    pytest.param("agent-api-token", "GET", "/api/v2/oauth/clients.json", 200, id="agent-clients"),
    pytest.param("end-user-bearer", "GET", "/api/v2/users.json", 200, id="end-user-users"),
    pytest.param("agent-bearer", "POST", "/api/v2/oauth/tokens.json", 201, id="agent-creates"),
])
def test_agents_are_admins(emulator, call, auth, method, path, status):
    emulator.configure(misbehave={"agents_are_admins": True})
    body = {"token": {"client_id": 50328, "scopes": ["read"]}}
    assert call(method, path, auth, json=body if method == "POST" else None).status_code == status


@pytest.mark.parametrize("target", ["1820000000001", "current"])
def test_revoke_is_noop(emulator, call, target):
    emulator.configure(misbehave={"revoke_is_noop": True})
    assert call("DELETE", f"/api/v2/oauth/tokens/{target}.json", "admin-bearer").status_code == 204
    assert call("GET", "/api/v2/users.json", "admin-bearer").status_code == 200


def test_misbehave_switches_merge(emulator, call):
    emulator.configure(misbehave={"revoke_is_noop": True})
    emulator.configure(misbehave={"agents_are_admins": True})
    call("DELETE", "/api/v2/oauth/tokens/current.json", "agent-bearer")
    assert call("GET", "/api/v2/oauth/clients.json", "agent-bearer").status_code == 200


def test_clear_restores_good_behaviour(emulator, call):
    emulator.configure(misbehave={"agents_are_admins": True}, password_access=True)
    emulator.clear()
    assert call("GET", "/api/v2/oauth/clients.json", "agent-api-token").status_code == 403
    assert call("GET", "/api/v2/users.json", "admin-password").status_code == 401


def test_misbehave_from_a_tenant_dict():
    text = dump_tenant_yaml(default_tenant())
    text = text.replace("revoke_is_noop: false", "revoke_is_noop: true")
    with ZendeskEmulator(yaml.safe_load(text)) as emulator:
        url = f"{emulator.url}/api/v2/oauth/tokens/current.json"
        headers = {"Authorization": f"Bearer {ADMIN['oauth_token']}"}
        assert requests.delete(url, headers=headers, timeout=10).status_code == 204
        assert requests.get(url, headers=headers, timeout=10).status_code == 200
