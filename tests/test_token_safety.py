"""A run never revokes a token it did not mint: the user's own token survives every interruption.

The user's `ZENDESK_OAUTH_TOKEN` is minted seconds before the run, as CI jobs do, for the same
client and scopes the suite asks for. The run is then interrupted while its first Create Token
is in flight (Ctrl-C, SIGTERM, SIGKILL followed by `zdconform cleanup`). Each time the user's
token still works and no token the run minted is left. Real suites in a fresh interpreter,
a real emulator over loopback targeted as a tenant URL.
"""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys

import pytest
import requests
from test_cleanup import _clean_env, _wait_for

from zdconform.cli import main as zdconform
from zdconform.emulator import DEFAULT_CREDENTIALS, ZendeskEmulator, default_tenant, tenant_to_dict
from zdconform.settings.project import journal_path

from _helpers import ROOT, SUITES

pytestmark = pytest.mark.e2e  # every test here starts a conformance run in a fresh interpreter

ADMIN = DEFAULT_CREDENTIALS["admin"]
# Every Create Token after the user's own (the first POST) answers 3 s late, after minting.
SLOW_ANSWER = [{"kind": "latency", "latency_ms": 3000, "methods": ["POST"], "paths": ["/api/v2/oauth/tokens"],
                "start": 2}]
# The run's first Create Token gets a 503 (nothing minted) and waits 5 s before trying again.
REFUSED_FIRST = [{"kind": "unavailable", "methods": ["POST"], "paths": ["/api/v2/oauth/tokens"], "start": 2,
                  "count": 1, "retry_after": 5}]


def tenant(faults):
    data = tenant_to_dict(default_tenant())
    data["settings"]["faults"] = faults
    return data


def users_token(emulator) -> dict:
    """What a CI job does just before the run: mint the token it hands the suite."""
    response = requests.post(f"{emulator.url}/api/v2/oauth/tokens.json", timeout=10,
                             json={"token": {"client_id": 50328, "scopes": ["read", "write"]}},
                             auth=(f"{ADMIN['email']}/token", ADMIN["api_token"]))
    assert response.status_code == 201
    return response.json()["token"]


def still_works(emulator, token: dict) -> bool:
    response = requests.get(f"{emulator.url}/api/v2/users/me.json", timeout=10,
                            headers={"Authorization": f"Bearer {token['full_token']}"})
    return response.status_code == 200


def left_by_the_run(emulator, users: dict) -> list[int]:
    created = {t["id"] for t in emulator.tokens_created()} - {users["id"]}
    return sorted(created & {t["id"] for t in emulator.live_tokens()})


def start(emulator, tmp_path, monkeypatch, users: dict):
    env = {"ZENDESK_EMAIL": ADMIN["email"], "ZENDESK_API_TOKEN": ADMIN["api_token"],
           "ZENDESK_OAUTH_TOKEN": users["full_token"]}
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # for `zdconform cleanup`, run in this process
    return subprocess.Popen([sys.executable, "-m", "pytest", str(SUITES), "-p", "no:cacheprovider", "-q",
                             f"--zd-target={emulator.url}", f"--zd-cassette-root={tmp_path / 'cassettes'}",
                             f"--zd-reports={tmp_path / 'reports'}", "-k", "test_create_token"],
                            env={**_clean_env(), **env}, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def journal(tmp_path, emulator):
    """The run's journal: in the project it runs in (the checkout), whatever its cassette root."""
    return journal_path(ROOT, f"127.0.0.1_{emulator.port}")


def pending(tmp_path, emulator) -> dict:
    path = journal(tmp_path, emulator)
    return json.loads(path.read_text())["pending"] if path.exists() else {}


@pytest.mark.parametrize("signum", [pytest.param(signal.SIGINT, id="ctrl-c"),
                                    pytest.param(signal.SIGTERM, id="sigterm")])
def test_a_signal_on_the_first_create_token_spares_the_users_token(tmp_path, monkeypatch, signum):
    with ZendeskEmulator(tenant=tenant(SLOW_ANSWER)) as emulator:
        users = users_token(emulator)
        proc = start(emulator, tmp_path, monkeypatch, users)
        _wait_for(lambda: len(emulator.tokens_created()) >= 2, proc)  # the run's first is minted
        proc.send_signal(signum)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 2, out
        assert still_works(emulator, users), out
        assert left_by_the_run(emulator, users) == [], out
        assert len(emulator.tokens_created()) == 2
    assert pending(tmp_path, emulator) == {}, "resolved: the one token it minted was revoked"


def test_sigkill_on_the_first_create_token_then_cleanup_spares_the_users_token(tmp_path, monkeypatch, capsys):
    with ZendeskEmulator(tenant=tenant(SLOW_ANSWER)) as emulator:
        users = users_token(emulator)
        proc = start(emulator, tmp_path, monkeypatch, users)
        _wait_for(lambda: len(emulator.tokens_created()) >= 2, proc)
        proc.kill()
        proc.communicate(timeout=30)
        assert len(pending(tmp_path, emulator)) == 1, "the lost answer is journalled"
        assert left_by_the_run(emulator, users), "a killed run leaves its token"
        folder = f"--journal={journal(tmp_path, emulator).parent}"
        assert zdconform(["cleanup", f"--target={emulator.url}", folder]) == 0
        out = capsys.readouterr().out
        assert "revoked token" in out and "1 token(s) revoked" in out, out
        assert still_works(emulator, users)
        assert left_by_the_run(emulator, users) == []
    assert pending(tmp_path, emulator) == {}


def test_sigkill_before_the_tenant_minted_then_cleanup_touches_nothing(tmp_path, monkeypatch, capsys):
    with ZendeskEmulator(tenant=tenant(REFUSED_FIRST)) as emulator:
        users = users_token(emulator)
        proc = start(emulator, tmp_path, monkeypatch, users)
        _wait_for(lambda: any(s == 503 for _, _, s in emulator.request_log) and pending(tmp_path, emulator),
                  proc)
        proc.kill()  # while it waits out the 503's Retry-After: its request minted nothing
        proc.communicate(timeout=30)
        folder = f"--journal={journal(tmp_path, emulator).parent}"
        assert zdconform(["cleanup", f"--target={emulator.url}", folder]) == 1
        assert "may still be in flight" in capsys.readouterr().out
        assert still_works(emulator, users) and len(emulator.tokens_created()) == 1
        assert len(pending(tmp_path, emulator)) == 1, "kept until it is resolved"
        # A minute later the request cannot be in flight any more: the entry resolves as nothing.
        path = journal(tmp_path, emulator)
        data = json.loads(path.read_text())
        old = (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for entry in data["pending"].values():
            entry["journalled_at"] = old
        path.write_text(json.dumps(data))
        assert zdconform(["cleanup", f"--target={emulator.url}", folder]) == 0
        assert "minted nothing" in capsys.readouterr().out
        assert still_works(emulator, users) and len(emulator.tokens_created()) == 1
    assert pending(tmp_path, emulator) == {}
