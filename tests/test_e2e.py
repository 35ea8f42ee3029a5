"""End to end: record the suites against the emulator, replay them offline, and attack the files.

Each test runs the real suites in a fresh interpreter (as `pytest` or `zdconform run` would)
against a real emulator over loopback, into a temporary cassette root. The recording the replay
tests attack is the session's one (`emulator_recording` in tests/conftest.py), made once.
"""

from __future__ import annotations

import base64
import json
import secrets
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import yaml

from zdconform.conformance.negative import near_miss
from zdconform.emulator import ZendeskEmulator, default_tenant, tenant_to_dict
from zdconform.recording.store import MANIFEST

from _helpers import run_suites

CHECKS = 56  # 3 list clients + 3 create token + 6 minted-token users walks + 2 existing-token walks
#   + 13 negative auth + 6 roles + 4 Create Token errors + 2 token lifecycles
#   + 5 client credentials + 1 refresh + 2 expiry + 2 scopes + 3 authorization code (the grant-type checks)
#   + 4 authentication fuzzing families


def record(root: Path, *extra: str, env=None):
    return run_suites("--zd-target=emulator", f"--zd-cassette-root={root}",
                      f"--zd-reports={root.parent / 'reports'}", *extra, env=env)


def replay(root: Path, *extra: str):
    return run_suites("--zd-target=replay", f"--zd-cassette-root={root}",
                      f"--zd-reports={root.parent / 'reports-replay'}", *extra)


pytestmark = pytest.mark.e2e


@pytest.fixture
def recorded(emulator_recording):
    """The session's one recording of the whole suite against the emulator: read it, or copy it to change it."""
    return emulator_recording


def cassette_files(root: Path) -> list[Path]:
    return sorted((root / "reference-emulator").rglob("*.yaml"))


def test_recording_writes_one_cassette_per_check_and_the_matrix(recorded):
    files = cassette_files(recorded)
    manifest = json.loads((recorded / "reference-emulator" / MANIFEST).read_text())
    # the password checks expected-denied still record their 401s; users walks with password skip
    assert len(files) == len(manifest["cassettes"]) == CHECKS - 2
    assert set(manifest["skipped"]) == {
        "test_users_bearer/test_users_with_minted_token[minted-with-email-password-offset].yaml",
        "test_users_bearer/test_users_with_minted_token[minted-with-email-password-cursor].yaml"}
    assert manifest["target"]["kind"] == "reference-emulator"
    assert "not a real Zendesk tenant" in manifest["target"]["description"]
    text = files[0].read_text()
    assert "reference-emulator.invalid" in text and "127.0.0.1" not in text


def test_replay_passes_offline_with_the_same_verdicts(recorded, tmp_path):
    result = replay(recorded)
    assert result.returncode == 0, result.output
    assert "54 passed, 2 skipped" in result.output
    assert "expected-denied" in result.output and "zdconform conformance matrix" in result.output


def test_rerecording_an_unchanged_emulator_gives_identical_files(recorded, tmp_path):
    again = tmp_path / "cassettes"
    assert record(again).returncode == 0
    first = {p.relative_to(recorded): p.read_bytes() for p in (recorded / "reference-emulator").rglob("*")
             if p.is_file() and p.name != MANIFEST}
    second = {p.relative_to(again): p.read_bytes() for p in (again / "reference-emulator").rglob("*")
              if p.is_file() and p.name != MANIFEST}
    assert first.keys() == second.keys()
    changed = [str(k) for k in first if first[k] != second[k]]
    assert changed == [], f"re-recording changed {changed}"


@pytest.mark.parametrize(("damage", "fragment"), [
    pytest.param(lambda p: p.unlink(), "is listed in MANIFEST.json but missing", id="deleted"),
    pytest.param(lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]), "modified after recording",
                 id="truncated"),
    pytest.param(lambda p: p.write_bytes(p.read_bytes().replace(b"200", b"201", 1)), "modified after recording",
                 id="edited"),
])
def test_damaged_cassette_fails_replay_naming_it(recorded, tmp_path, damage, fragment):
    root = tmp_path / "cassettes"
    _copy(recorded, root)
    victim = next(p for p in cassette_files(root) if "test_list_clients" in str(p) and "api-token" in p.name)
    damage(victim)
    result = replay(root)
    assert result.returncode == 1, result.output
    assert fragment in result.output and victim.name in result.output
    assert "1 error" in result.output or "1 failed" in result.output


def test_extra_cassette_is_refused(recorded, tmp_path):
    root = tmp_path / "cassettes"
    _copy(recorded, root)
    victim = next(p for p in cassette_files(root) if "create_token" in str(p) and "api-token" in p.name)
    copy = victim.with_name(victim.name.replace("api-token", "api-token-copy"))
    copy.write_bytes(victim.read_bytes())
    from zdconform.cli import main

    assert main(["verify", "--cassettes", str(root)]) == 1


def test_unmatched_request_names_cassette_and_closest(recorded, tmp_path):
    root = tmp_path / "cassettes"
    _copy(recorded, root)
    victim = next(p for p in cassette_files(root) if "test_list_clients" in str(p) and "api-token" in p.name)
    victim.write_text(victim.read_text().replace("/api/v2/oauth/clients.json", "/api/v2/oauth/clientz.json"))
    result = replay(root, "--zd-allow-unverified")
    assert result.returncode == 1
    assert victim.name in result.output and "clientz" in result.output.replace("\n", "")
    assert "Closest recorded requests" in result.output and "not in the recording of" in result.output


def test_secrets_never_reach_any_written_file(tmp_path):
    """Record against a tenant holding our own fresh secrets; search every file for each of them."""
    tenant = tenant_to_dict(default_tenant())
    admin = _admin(tenant)
    mine = {"password": "pw-" + secrets.token_hex(12), "api_token": secrets.token_hex(20),
            "oauth_token": secrets.token_hex(27), "client_secret": "cs-" + secrets.token_hex(24)}
    _set_admin_secrets(tenant, admin, mine)
    client = next(c for c in tenant["clients"] if c["id"] == 50328)
    client["secret"] = mine["client_secret"]
    tenant["settings"]["password_access"] = True  # exercise the password path end to end too
    profile = tmp_path / "profile.yaml"
    profile.write_text(yaml.safe_dump({"expect": {"password": "enabled", "api_token": "enabled",
                                                  "oauth": "enabled"}}))
    root = tmp_path / "cassettes"
    with ZendeskEmulator(tenant=tenant) as emulator:
        env = {"ZENDESK_EMAIL": admin["email"], "ZENDESK_PASSWORD": mine["password"],
               "ZENDESK_API_TOKEN": mine["api_token"], "ZENDESK_OAUTH_TOKEN": mine["oauth_token"],
               "ZENDESK_OAUTH_CLIENT_IDENTIFIER": client["identifier"],
               "ZENDESK_OAUTH_CLIENT_SECRET": mine["client_secret"]}
        result = run_suites(f"--zd-target={emulator.url}", f"--zd-cassette-root={root}",
                            f"--zd-reports={tmp_path / 'reports'}", f"--zd-profile={profile}", env=env)
        minted = [t["token"] for t in emulator.tokens_created()]
        granted = emulator.tokens_granted()
    assert result.returncode == 0, result.output
    assert "45 passed, 11 skipped" in result.output  # no agent, end user, expired token or person (for a code)
    assert len(minted) >= 6 and len(granted) >= 6
    minted += [t["token"] for t in granted] + [t["refresh_token"] for t in granted]
    wrong = {name: near_miss(value) for name, value in mine.items()}  # what the negative checks send
    needles = _encodings(admin["email"], mine, minted) + _encodings(admin["email"], wrong, [])
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "profile.yaml"]
    assert any(p.suffix == ".yaml" for p in written) and any(p.suffix == ".json" for p in written)
    hits = [(str(p), label) for p in written for needle, label in needles if needle in p.read_text(errors="replace")]
    assert hits == []
    assert admin["email"] not in "".join(p.read_text() for p in written if p.suffix == ".yaml"), \
        "the admin's email must be pseudonymized in recorded bodies"


def _encodings(email, mine, minted):
    out = []
    for name, value in [*mine.items(), *((f"minted #{i}", t) for i, t in enumerate(minted))]:
        out += [(value, f"{name} raw"), (quote(value, safe=""), f"{name} url"), (quote_plus(value), f"{name} form"),
                (base64.b64encode(value.encode()).decode(), f"{name} base64")]
    out.append((base64.b64encode(f"{email}:{mine['password']}".encode()).decode(), "basic password"))
    out.append((base64.b64encode(f"{email}/token:{mine['api_token']}".encode()).decode(), "basic api token"))
    return out


def _admin(tenant):
    return next(u for u in tenant["users"] if u["role"] == "admin")


def _set_admin_secrets(tenant, admin, mine):
    admin["password"] = mine["password"]
    admin["api_tokens"] = [mine["api_token"]]
    tenant["tokens"].append({"id": 9_000_001, "user_id": admin["id"], "client_id": 50328,
                                   "token": mine["oauth_token"], "scopes": ["read", "write"]})


def _copy(src: Path, dst: Path) -> None:
    import shutil

    shutil.copytree(src, dst)
