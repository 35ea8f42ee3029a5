"""Tokens minted by grants (`POST /oauth/tokens`) are journalled before use and always revoked.

A run is interrupted while a client credentials grant's answer is on its way (the tenant has
minted the access and refresh tokens, the suite has not read them): Ctrl-C has the run's end
recover and revoke them; SIGKILL leaves a pending journal entry that `zdconform cleanup`
resolves. A check that fails after its grant has its token revoked as it ends. Each time the
user's own ZENDESK_OAUTH_TOKEN still works. Real suites in a fresh interpreter, a real
emulator over loopback targeted as a tenant URL.
"""

from __future__ import annotations

import signal
import subprocess
import sys

import pytest
from test_cleanup import _clean_env, _wait_for
from test_token_safety import journal, pending, still_works, tenant, users_token

from zdconform.cli import main as zdconform
from zdconform.emulator import DEFAULT_CREDENTIALS, ZendeskEmulator

from _helpers import ADHOC_CONFTEST, ROOT, SUITES

pytestmark = pytest.mark.e2e  # every test here starts a conformance run in a fresh interpreter

ADMIN, CLIENT = DEFAULT_CREDENTIALS["admin"], DEFAULT_CREDENTIALS["oauth_client"]
# Every grant answers 3 s late, after the tenant minted its tokens.
SLOW_GRANT = [{"kind": "latency", "latency_ms": 3000, "methods": ["POST"], "paths": ["/oauth/tokens"]}]
ONE_GRANT = "test_client_credentials and form"

ADHOC_TESTS = '''
import pytest
from zdconform.conformance.grants import Grants

@pytest.mark.zd_check("grant_client_credentials")
def test_fails_after_a_grant(zd):
    grants = Grants(zd)
    token = grants.obtained(grants.client_credentials("read"), what="a grant")
    grants.obtained(grants.refresh(token["refresh_token"]), what="a refresh")
    assert False, "deliberate failure after two grants"
'''


def env_for(users: dict) -> dict[str, str]:
    return {"ZENDESK_EMAIL": ADMIN["email"], "ZENDESK_API_TOKEN": ADMIN["api_token"],
            "ZENDESK_OAUTH_TOKEN": users["full_token"],
            "ZENDESK_OAUTH_CLIENT_IDENTIFIER": CLIENT["client_identifier"],
            "ZENDESK_OAUTH_CLIENT_SECRET": CLIENT["client_secret"]}


def granted_left(emulator) -> list[int]:
    granted = {t["id"] for t in emulator.tokens_granted()}
    return sorted(granted & {t["id"] for t in emulator.live_tokens()})


def start(emulator, tmp_path, monkeypatch, users: dict, *extra: str):
    env = env_for(users)
    for name, value in env.items():
        monkeypatch.setenv(name, value)  # for `zdconform cleanup`, run in this process
    return subprocess.Popen([sys.executable, "-m", "pytest", str(SUITES), "-p", "no:cacheprovider", "-q",
                             f"--zd-target={emulator.url}", f"--zd-cassette-root={tmp_path / 'cassettes'}",
                             f"--zd-reports={tmp_path / 'reports'}", "-k", ONE_GRANT, *extra],
                            env={**_clean_env(), **env}, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def test_ctrl_c_while_a_grant_answer_is_in_flight_revokes_its_tokens(tmp_path, monkeypatch):
    with ZendeskEmulator(tenant=tenant(SLOW_GRANT)) as emulator:
        users = users_token(emulator)
        proc = start(emulator, tmp_path, monkeypatch, users)
        _wait_for(lambda: emulator.tokens_granted(), proc)  # minted; the answer is 3 s away
        assert len(pending(tmp_path, emulator)) == 1, "the grant is journalled before it is sent"
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 2, out
        assert len(emulator.tokens_granted()) == 1
        assert granted_left(emulator) == [], out
        assert still_works(emulator, users), out
    assert pending(tmp_path, emulator) == {}, "resolved: the token the grant minted was revoked"


def test_sigkill_while_a_grant_answer_is_in_flight_then_cleanup(tmp_path, monkeypatch, capsys):
    with ZendeskEmulator(tenant=tenant(SLOW_GRANT)) as emulator:
        users = users_token(emulator)
        proc = start(emulator, tmp_path, monkeypatch, users)
        _wait_for(lambda: emulator.tokens_granted(), proc)
        proc.kill()
        proc.communicate(timeout=30)
        entries = pending(tmp_path, emulator)
        assert len(entries) == 1 and granted_left(emulator), "a killed run leaves its grant's token, journalled"
        entry = next(iter(entries.values()))
        assert entry["client_identifier"] == CLIENT["client_identifier"]
        assert CLIENT["client_secret"] not in journal(tmp_path, emulator).read_text()
        folder = f"--journal={journal(tmp_path, emulator).parent}"
        assert zdconform(["cleanup", f"--target={emulator.url}", folder]) == 0
        out = capsys.readouterr().out
        assert "revoked token" in out and "1 token(s) revoked" in out, out
        assert granted_left(emulator) == []
        assert still_works(emulator, users)
    assert pending(tmp_path, emulator) == {}


def test_a_check_failing_after_its_grants_revokes_every_token_they_minted(tmp_path):
    (tmp_path / "conftest.py").write_text(ADHOC_CONFTEST)
    (tmp_path / "test_adhoc.py").write_text(ADHOC_TESTS)
    with ZendeskEmulator(tenant=tenant([])) as emulator:
        users = users_token(emulator)
        proc = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path), "-p", "no:cacheprovider",
                               f"--zd-target={emulator.url}", f"--zd-cassette-root={tmp_path / 'cassettes'}",
                               f"--zd-reports={tmp_path / 'reports'}"], env={**_clean_env(), **env_for(users)},
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert "1 failed" in proc.stdout, proc.stdout + proc.stderr
        assert len(emulator.tokens_granted()) == 2, "a grant and its refresh"
        assert granted_left(emulator) == []
        assert still_works(emulator, users)
