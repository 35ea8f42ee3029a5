"""No secret or minted token reaches the terminal or any file, at any verbosity, in any encoding.

A live run against a misbehaving emulator (revoked tokens keep working, agents act as admins,
a wrong client secret is accepted, so checks fail with tokens in their locals) under
`-l -vv --tb=long --log-cli-level=DEBUG` with a DEBUG log file: the terminal, junit.xml, the
log file and every file written (cassettes, reports) are searched for each credential, the
OAuth client's secret, each token Create Token minted and each access and refresh token the
grants minted, raw, as a Basic credential (base64), URL-encoded, JSON-escaped and base64.
The same for a fleet run on two xdist workers (`zdconform run --fleet -n 2`), one tenant broken.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from _fleet import fleet_env, tokens_of, write_fleet
from test_cleanup import _clean_env

from zdconform.emulator import DEFAULT_CREDENTIALS, FleetEmulator, ZendeskEmulator, default_tenant, tenant_to_dict

from _helpers import ROOT, SUITES, emulator_env

pytestmark = pytest.mark.e2e  # a conformance run and the zdconform command, each in a fresh interpreter

ADMIN, AGENT, CLIENT = DEFAULT_CREDENTIALS["admin"], DEFAULT_CREDENTIALS["agent"], DEFAULT_CREDENTIALS["oauth_client"]
ENV = emulator_env()
LOUD = ["-l", "-vv", "--tb=long", "--log-cli-level=DEBUG", "-rA"]


def encodings(label: str, secret: str) -> dict[str, str]:
    raw = secret.encode()
    return {f"{label} (raw)": secret, f"{label} (base64)": base64.b64encode(raw).decode().rstrip("="),
            f"{label} (URL-encoded)": quote(secret, safe=""), f"{label} (form-encoded)": quote_plus(secret),
            f"{label} (JSON-escaped)": json.dumps(secret)[1:-1]}


def known_secrets(minted: list[str], granted: list[str] = ()) -> dict[str, str]:
    found: dict[str, str] = encodings("OAuth client secret", CLIENT["client_secret"])
    for role, creds in (("admin", ADMIN), ("agent", AGENT)):
        for name in ("password", "api_token", "oauth_token"):
            found |= encodings(f"{role} {name}", creds[name])
        found |= encodings(f"{role} API token Basic", f"{creds['email']}/token:{creds['api_token']}")
        found |= encodings(f"{role} password Basic", f"{creds['email']}:{creds['password']}")
    for name in ("password", "api_token", "oauth_token"):  # the authentication fuzzing's mutations of them
        secret = ADMIN[name]
        for label, value in (("[:-1]", secret[:-1]), ("[1:]", secret[1:]), (".swapcase()", secret.swapcase()),
                             (".upper()", secret.upper()), (" + '€'", secret + "€")):
            found |= encodings(f"admin {name}{label}", value)
        found |= encodings(f"admin {name} Basic, mutated", f"{ADMIN['email']}/token:{secret[:-1]}")
    for number, token in enumerate(minted):
        found |= encodings(f"minted token {number}", token)
    for number, token in enumerate(granted):
        found |= encodings(f"grant token {number}", token)
    return found


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    return sorted(label for label, value in secrets.items() if value in text)


def written_files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text(encoding="utf-8", errors="replace")
            for p in folder.rglob("*") if p.is_file()}


MISBEHAVE = {"revoke_is_noop": True, "agents_are_admins": True, "accept_wrong_password": True,
             "accept_wrong_client_secret": True, "accept_token_prefix": True, "case_insensitive_tokens": True,
             "second_authorization_wins": True, "non_ascii_header_500": True}


def test_a_loud_failing_live_run_prints_and_writes_no_secret(tmp_path):
    data = tenant_to_dict(default_tenant())
    data["settings"]["misbehave"] = dict(MISBEHAVE)
    with ZendeskEmulator(tenant=data) as emulator:
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", str(SUITES), "-p", "no:cacheprovider", *LOUD,
             f"--junitxml={tmp_path / 'out' / 'junit.xml'}", f"--zd-target={emulator.url}",
             f"--log-file={tmp_path / 'out' / 'run.log'}", "--log-file-level=DEBUG",
             f"--zd-cassette-root={tmp_path / 'out' / 'cassettes'}", f"--zd-reports={tmp_path / 'out' / 'reports'}"],
            env={**_clean_env(), **ENV}, cwd=ROOT, capture_output=True, text=True, timeout=300)
        minted = [t["token"] for t in emulator.tokens_created()]
        granted = [t[key] for t in emulator.tokens_granted() for key in ("token", "refresh_token") if t[key]]
    terminal = proc.stdout + proc.stderr
    assert proc.returncode == 1 and " failed" in terminal, terminal[-3000:]
    assert len(minted) >= 5 and "DEBUG" in terminal, "the run must have minted and logged loudly"
    assert len(granted) >= 16, "the grants must have minted access and refresh tokens"
    secrets = known_secrets(minted, granted)
    assert leaks(terminal, secrets) == []
    files = written_files(tmp_path / "out")
    assert "junit.xml" in files and "reports/evidence.json" in files and "run.log" in files
    assert any(name.startswith("cassettes/") and "test_oauth_grants" in name for name in files)
    verdicts = {r["check_id"]: r["verdict"] for r in json.loads(files["reports/results.json"])["results"]}
    assert verdicts["grant_client_credentials[wrong-secret]"] == "fail", "a grant check fails, tokens in its locals"
    assert verdicts["auth_fuzz[oauth_token]"] == verdicts["auth_fuzz[header]"] == "fail", "mutations in its locals"
    assert {name: leaks(text, secrets) for name, text in files.items() if leaks(text, secrets)} == {}


def test_a_loud_failing_fleet_run_on_two_workers_prints_and_writes_no_secret(tmp_path):
    """The same, for `zdconform run --fleet` on two xdist workers: one tenant misbehaves, one does not;
    the workers' output, each tenant's reports, the fleet's, the cassettes and the log are searched."""
    broken, sound = tenant_to_dict(default_tenant()), tenant_to_dict(default_tenant())
    broken["subdomain"], sound["subdomain"] = "broken", "sound"
    broken["settings"]["misbehave"] = dict(MISBEHAVE)
    out = tmp_path / "out"
    with FleetEmulator([broken, sound]) as emulator:
        proc = subprocess.run(
            [sys.executable, "-m", "zdconform", "run", "--fleet", str(write_fleet(tmp_path / "fleet", emulator)),
             "--reports", str(out / "reports"), f"--zd-cassette-root={out / 'cassettes'}", "-p", "no:cacheprovider",
             "-n", "2", *LOUD, f"--log-file={out / 'run.log'}", "--log-file-level=DEBUG"],
            env={**_clean_env(), **fleet_env()}, cwd=ROOT, capture_output=True, text=True, timeout=600)
        created, granted = {}, {}
        for name in emulator.names:
            by_token, by_grant = tokens_of(emulator, name)
            created[name] = [t.token for t in by_token]
            granted[name] = [value for t in by_grant for value in (t.token, t.refresh_token) if value]
    terminal = proc.stdout + proc.stderr
    assert proc.returncode == 1 and "broken" in terminal, terminal[-3000:]
    assert "DEBUG" in terminal and "response   = <Response" in terminal, "the run must have logged loudly, with locals"
    assert all(len(created[n]) >= 5 and len(granted[n]) >= 8 for n in emulator.names), "each tenant must mint"
    secrets = known_secrets(created["broken"] + created["sound"], granted["broken"] + granted["sound"])
    assert leaks(terminal, secrets) == []
    files = written_files(out)
    assert {"reports/fleet.json", "reports/tenants/broken/junit.xml", "reports/tenants/sound/evidence.html",
            "run.log"} <= set(files), sorted(files)
    assert any(name.startswith("cassettes/sound/") for name in files), sorted(files)
    results = json.loads(files["reports/tenants/broken/results.json"])["results"]
    assert {r["check_id"]: r["verdict"] for r in results}["grant_client_credentials[wrong-secret]"] == "fail"
    assert {name: leaks(text, secrets) for name, text in files.items() if leaks(text, secrets)} == {}


def test_a_target_url_with_credentials_is_refused_and_never_echoed(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "junit.xml").write_text("<previous run/>")
    password = "Sup3r-Secret-Pw-77"
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "zdconform"), "run", f"--target=https://fake.user:{password}@acme.zendesk.com",
         f"--reports={reports}", "-vv", "-l", "--log-cli-level=DEBUG"],
        env=_clean_env(), cwd=ROOT, capture_output=True, text=True, timeout=120)
    terminal = proc.stdout + proc.stderr
    assert proc.returncode not in (0, 1), terminal
    assert "carries credentials" in terminal and "Traceback" not in terminal
    assert password not in terminal and quote(password) not in terminal
    assert all(password not in text for text in written_files(tmp_path).values())
    assert (reports / "junit.xml").read_text() == "<previous run/>", "a rejected run leaves reports/ as it was"
