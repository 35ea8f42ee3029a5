"""The seed document's flow, driven by clients written by other people: requests, urllib, curl."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.request

import pytest

from emu_support import ADMIN, AUTH

SEED_BODY = '{"token": {"client_id": "50328", "scopes": ["read", "write"]}}'
curl_installed = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def needs_curl(test):
    """A test that runs curl: it starts a process, so it is `e2e` too."""
    return pytest.mark.e2e(curl_installed(test))


def test_the_seed_flow_with_requests(call):
    clients = call("GET", "/api/v2/oauth/clients.json", "admin-api-token").json()["clients"]
    mine = next(client for client in clients if client["name"] == "OAuth client for my app")
    assert (mine["id"], mine["user_id"]) == (50328, 293241756)
    created = call("POST", "/api/v2/oauth/tokens.json", "admin-api-token", data=SEED_BODY,
                   headers={"Content-Type": "application/json"})
    token = created.json()["token"]
    assert (created.status_code, token["scopes"]) == (201, ["read", "write"])
    users = call("GET", "/api/v2/users.json", f"Bearer {token['full_token']}")
    assert users.status_code == 200 and users.json()["count"] >= 250


def test_the_seed_flow_with_urllib(emulator):
    request = urllib.request.Request(f"{emulator.url}/api/v2/oauth/tokens.json",
                                     data=SEED_BODY.encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              "Authorization": AUTH["admin-api-token"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        token = json.load(response)["token"]["full_token"]
    me = urllib.request.Request(f"{emulator.url}/api/v2/users/me.json",
                                headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(me, timeout=10) as response:
        assert json.load(response)["user"]["id"] == ADMIN["id"]


def curl(*args: str) -> tuple[int, str]:
    """Run curl as the seed writes it, plus --silent and a trailing status line."""
    result = subprocess.run(["curl", *args, "--silent", "--write-out", "\n%{http_code}"],
                            capture_output=True, text=True, timeout=20, check=True)
    body, _, status = result.stdout.rpartition("\n")
    return int(status), body


@needs_curl
def test_seed_curl_list_clients_with_an_api_token(emulator):
    status, body = curl(f"{emulator.url}/api/v2/oauth/clients.json", "-v",
                        "-u", f"{ADMIN['email']}/token:{ADMIN['api_token']}")
    assert status == 200 and json.loads(body)["clients"][0]["id"] == 50328


@needs_curl
@pytest.mark.parametrize(("password_access", "status"), [
    pytest.param(False, 401, id="present-day-password-access-off"),
    pytest.param(True, 200, id="legacy-password-access-on"),
])
def test_seed_curl_list_clients_with_a_password(emulator, password_access, status):
    emulator.configure(password_access=password_access)
    got, _ = curl(f"{emulator.url}/api/v2/oauth/clients.json", "-v",
                  "-u", f"{ADMIN['email']}:{ADMIN['password']}")
    assert got == status


@needs_curl
def test_seed_curl_create_token_then_use_it(emulator):
    status, body = curl(f"{emulator.url}/api/v2/oauth/tokens.json", "-d", SEED_BODY,
                        "-H", "Content-Type: application/json", "-X", "POST", "-v",
                        "-u", f"{ADMIN['email']}/token:{ADMIN['api_token']}")
    token = json.loads(body)["token"]
    assert (status, token["scopes"]) == (201, ["read", "write"])
    status, body = curl(f"{emulator.url}/api/v2/users.json",
                        "-H", f"Authorization: Bearer {token['full_token']}")
    assert status == 200 and len(json.loads(body)["users"]) == 100
