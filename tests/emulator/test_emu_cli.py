"""The command line: `python -m zdconform.emulator`, as users and other tools start it."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import requests
import yaml

from zdconform.emulator.__main__ import main

from emu_support import AUTH

LISTENING = re.compile(r"^listening on (http://127\.0\.0\.1:\d+)$")


def run(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zdconform.emulator", *args],
                          capture_output=True, text=True, timeout=timeout)


@contextmanager
def serving(*args: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen([sys.executable, "-m", "zdconform.emulator", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().strip() if process.stdout else ""
        found = LISTENING.match(line)
        assert found, f"first line was {line!r}"
        yield process, found.group(1)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


@pytest.mark.e2e
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_serves_until_a_signal_then_exits_0(signum):
    with serving() as (process, url):
        response = requests.get(f"{url}/api/v2/users/me.json", timeout=10,
                                headers={"Authorization": AUTH["admin-api-token"]})
        assert response.status_code == 200
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0


@pytest.mark.e2e
def test_non_loopback_hosts_are_refused_with_exit_2():
    result = run("--host", "0.0.0.0")
    assert result.returncode == 2 and result.stdout == ""
    assert "--allow-remote" in result.stderr and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.e2e
def test_dump_tenant_round_trips_through_tenant(tmp_path):
    dumped = run("--dump-tenant")
    path = tmp_path / "tenant.yaml"
    path.write_text(dumped.stdout)
    again = run("--tenant", str(path), "--dump-tenant")
    assert (dumped.returncode, again.returncode) == (0, 0)
    assert again.stdout == dumped.stdout


@pytest.mark.e2e
def test_a_tenant_file_sets_the_behaviour(tmp_path):
    data = yaml.safe_load(run("--dump-tenant").stdout)
    data["settings"]["password_access"] = True
    path = tmp_path / "tenant.yaml"
    path.write_text(yaml.safe_dump(data))
    with serving("--tenant", str(path)) as (process, url):
        response = requests.get(f"{url}/api/v2/users.json", timeout=10,
                                headers={"Authorization": AUTH["admin-password"]})
        assert response.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


@pytest.mark.e2e
def test_a_malformed_tenant_exits_2_naming_the_field(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text("users:\n  - {id: 1, name: A, email: a@x.example, role: owner}\n")
    result = run("--tenant", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "acme.yaml" in result.stderr and "`users[0].role`" in result.stderr
    assert "'admin', 'agent', 'end-user'" in result.stderr


@pytest.mark.parametrize(("argv", "fragment"), [
    pytest.param(["--frozen-time", "yesterday"], "not an ISO 8601 instant", id="frozen-time"),
    pytest.param(["--tenant", "/nonexistent/tenant.yaml"], "cannot be read", id="missing-file"),
    pytest.param(["--port", "http"], "invalid int value", id="port-not-a-number"),
    pytest.param(["--port", "70000"], "cannot listen", id="port-out-of-range"),
])
def test_bad_arguments_exit_2_in_one_paragraph(capsys, argv, fragment):
    assert main(argv) == 2
    assert fragment in capsys.readouterr().err


def test_main_dumps_the_tenant_in_process(capsys):
    assert main(["--dump-tenant"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["subdomain"] == "obscura"


@pytest.mark.e2e
def test_frozen_time_stamps_new_tokens():
    with serving("--frozen-time", "2024-05-01T12:00:00Z") as (process, url):
        response = requests.post(f"{url}/api/v2/oauth/tokens.json", timeout=10,
                                 headers={"Authorization": AUTH["admin-api-token"]},
                                 json={"token": {"client_id": "50328", "scopes": ["read"]}})
        assert response.json()["token"]["created_at"] == "2024-05-01T12:00:00Z"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_help_exits_0(capsys):
    assert main(["--help"]) == 0
    assert "--dump-tenant" in capsys.readouterr().out


@pytest.mark.e2e
@pytest.mark.parametrize("attempt", range(5))
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_right_after_the_first_line_still_exits_0(signum, attempt):
    """Whoever reads `listening on ...` may signal at once: the handlers must already be in."""
    with serving() as (process, _url):
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0
