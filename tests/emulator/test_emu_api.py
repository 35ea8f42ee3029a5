"""The Python API: exports, credentials, state helpers, isolation, concurrency, shutdown."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

import zdconform.emulator as package
from zdconform.emulator import DEFAULT_CREDENTIALS, ZendeskEmulator, default_tenant
from zdconform.exceptions import ProfileError, UsageError

from emu_support import ADMIN, AUTH, send

SEED = {"token": {"client_id": "50328", "scopes": ["read", "write"]}}


def test_exported_members():
    assert package.__all__ == sorted(package.__all__)
    assert set(package.__all__) == {"DEFAULT_CREDENTIALS", "FleetEmulator", "Tenant", "ZendeskEmulator",
                                    "default_tenant", "dump_tenant_yaml", "load_tenant",
                                    "tenant_to_dict"}


def test_default_credentials_are_obviously_fake_and_long_enough():
    creds = DEFAULT_CREDENTIALS
    people = [creds["admin"], creds["agent"], creds["end_user"]]
    tokens = [p["api_token"] for p in people if p["api_token"]] + [p["oauth_token"] for p in people]
    tokens += [creds[k] for k in ("read_only_oauth_token", "expired_oauth_token",
                                  "revoked_oauth_token")]
    assert all(token.startswith("fake") and len(token) >= 40 for token in tokens)
    assert all(p["password"].startswith("fakepass-") for p in people)
    assert (creds["subdomain"], creds["admin"]["id"], creds["oauth_client_id"],
            creds["oauth_client_name"]) == ("obscura", 293241756, 50328, "OAuth client for my app")


def test_builtin_tenant_is_big_and_realistic():
    tenant = default_tenant()
    users = tenant.all_users
    assert len(users) >= 250
    assert sum(len(str(user.id)) == 13 for user in users) > 0.9 * len(users)
    phones = [user.profile["phone"] for user in users]
    assert None in phones and any(phones)
    assert {client.kind for client in tenant.clients} == {"confidential", "public"}
    assert {u.role for u in users} == {"admin", "agent", "end-user"}
    assert tenant.settings.password_access is False and tenant.settings.api_token_access


def test_live_tokens_lists_usable_tokens_only(emulator):
    live = {token["id"]: token for token in emulator.live_tokens()}
    assert sorted(live) == [1820000000001, 1820000000002, 1820000000003, 1820000000004]
    assert live[1820000000001]["token"] == ADMIN["oauth_token"]
    assert set(live[1820000000001]) == {"id", "client_id", "user_id", "scopes", "token",
                                        "created_at", "expires_at"}


def test_tokens_created_tracks_creates_and_revokes(emulator, call, new_token):
    kept, revoked = new_token(), new_token()
    call("DELETE", f"/api/v2/oauth/tokens/{revoked['id']}.json", "admin-api-token")
    created = emulator.tokens_created()
    assert [(t["id"], t["token"], t["revoked"]) for t in created] == [
        (kept["id"], kept["full_token"], False), (revoked["id"], revoked["full_token"], True)]


def test_clear_resets_tokens_log_and_settings(emulator, call, new_token):
    new_token()
    emulator.configure(password_access=True)
    emulator.clear()
    assert (emulator.tokens_created(), emulator.request_log) == ([], [])
    assert call("GET", "/api/v2/users.json", "admin-password").status_code == 401


def test_request_log_records_method_path_and_status(emulator, call):
    call("GET", "/api/v2/users.json?per_page=2", "admin-api-token")
    call("GET", "/api/v2/oauth/clients")
    assert emulator.request_log == [("GET", "/api/v2/users.json?per_page=2", 200),
                                    ("GET", "/api/v2/oauth/clients", 401)]


@pytest.mark.parametrize(("settings", "error", "fragment"), [
    pytest.param({"password": True}, UsageError, "password_access", id="unknown-setting"),
    pytest.param({"rate_limit_per_minute": "lots"}, ProfileError, "rate_limit_per_minute",
                 id="wrong-type"),
    pytest.param({"faults": [{"kind": "boom"}]}, ProfileError, "faults[0].kind", id="bad-fault"),
    pytest.param({"misbehave": {"everything": True}}, ProfileError, "misbehave.everything",
                 id="bad-switch"),
])
def test_configure_refuses_bad_settings(emulator, settings, error, fragment):
    with pytest.raises(error, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        emulator.configure(**settings)


def test_check_raises_server_side_errors(emulator, call, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr("zdconform.emulator.api.app.authenticate", broken)
    assert call("GET", "/api/v2/users.json", "admin-api-token").status_code == 500
    with pytest.raises(AssertionError, match="RuntimeError: boom"):
        emulator.check()
    emulator.check()


def test_url_has_no_trailing_slash_and_needs_start():
    emulator = ZendeskEmulator()
    with pytest.raises(UsageError, match="not started"):
        _ = emulator.url
    with emulator:
        assert emulator.url.startswith("http://127.0.0.1:") and not emulator.url.endswith("/")


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "example.com"])
def test_non_loopback_hosts_are_refused(host):
    with pytest.raises(UsageError, match="refuses to listen"):
        ZendeskEmulator(host=host)


def test_allow_remote_lifts_the_refusal():
    assert ZendeskEmulator(host="192.0.2.10", allow_remote=True).host == "192.0.2.10"


def test_a_busy_port_is_a_usage_error(emulator):
    with pytest.raises(UsageError, match="cannot listen"):
        ZendeskEmulator(port=emulator.port).start()


def test_instances_keep_separate_state():
    with ZendeskEmulator() as first, ZendeskEmulator() as second:
        created = requests.post(f"{first.url}/api/v2/oauth/tokens.json", json=SEED, timeout=10,
                                headers={"Authorization": AUTH["admin-api-token"]})
        token = created.json()["token"]["full_token"]
        other = requests.get(f"{second.url}/api/v2/users/me.json", timeout=10,
                             headers={"Authorization": f"Bearer {token}"})
        assert (len(first.tokens_created()), second.tokens_created()) == (1, [])
        assert other.status_code == 401


def _worker(url: str, index: int) -> list[tuple[int, int]]:
    seen = []
    with requests.Session() as session:
        for step in range(50):
            if step % 10 == 0:
                response = send(session, url, "POST", "/api/v2/oauth/tokens.json",
                                "admin-api-token", json=SEED)
                seen.append((201, response.status_code))
            else:
                auth = "admin-bearer" if (index + step) % 2 else "agent-api-token"
                response = send(session, url, "GET", f"/api/v2/users.json?page={step % 3 + 1}",
                                auth)
                expected = 100 if step % 3 < 2 else 60
                seen.append((expected, len(response.json()["users"])))
    return seen


def test_concurrent_requests_are_all_answered_correctly():
    with ZendeskEmulator() as emulator, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(_worker, [emulator.url] * 8, range(8)))
        emulator.check()
        pairs = [pair for result in results for pair in result]
        assert len(pairs) == 400 and all(want == got for want, got in pairs)
        assert len({t["id"] for t in emulator.tokens_created()}) == 40
        assert len(emulator.request_log) == 400


def test_stop_closes_keep_alive_connections_and_threads():
    before = threading.active_count()
    emulator = ZendeskEmulator().start()
    port = emulator.port
    session = requests.Session()
    session.get(f"{emulator.url}/api/v2/users/me.json", timeout=10)
    emulator.stop()
    session.close()
    assert threading.active_count() == before
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass


def test_start_and_stop_are_idempotent():
    emulator = ZendeskEmulator()
    assert emulator.start() is emulator.start()
    emulator.stop()
    emulator.stop()
