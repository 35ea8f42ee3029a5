"""A run's lifecycle, end to end: plan, checks, commit.

- A run refused before its checks (a replay folder's typo, a preflight, a bad emulator tenant, fleet
  file, signing key or profile) changes nothing: after a good run, reports/ and cassettes/ stay
  byte-identical.
- A re-record commits its cassette folder whole: one with fewer credentials than the last leaves
  a folder that `verify`, replay and `merge` accept.
- An emulator run with another tenant file records under `cassettes/emulator-<name>/`, naming the
  file and its SHA-256; the reference recording is left as it was.

Each run is a fresh interpreter against the bundled emulator on loopback, as a user's would be.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zdconform.emulator import ZendeskEmulator, default_tenant, tenant_to_dict
from zdconform.settings.credentials import CREDENTIAL_VARS

from _evidence_support import copy_reference
from _helpers import ROOT, child_env, emulator_env, run_suites

pytestmark = pytest.mark.e2e


def zdconform(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = child_env()
    return subprocess.run([sys.executable, "-m", "zdconform", *args], env={**clean, **(env or {})}, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def snapshot(*folders: Path) -> dict[str, str]:
    """Every file (hidden ones too) under `folders`, by path, with its SHA-256; and every folder."""
    found: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            found[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "folder"
    return found


@pytest.fixture
def project(tmp_path: Path) -> dict[str, Path]:
    """A cassette root holding a copy of the reference recording, and the reports of a good replay of it."""
    cassettes, reports = tmp_path / "cassettes", tmp_path / "reports"
    copy_reference(cassettes)
    good = run_suites(f"--zd-cassette-root={cassettes}", f"--zd-reports={reports}")
    assert good.returncode == 0, good.output
    assert {p.name for p in reports.iterdir()} >= {"junit.xml", "evidence.json", "evidence.html", "results.json"}
    return {"cassettes": cassettes, "reports": reports, "tmp": tmp_path}


def _bad_files(tmp: Path) -> dict[str, Path]:
    files = {"tenant.yaml": "users: [unclosed\n", "fleet.yaml": "tenants:\n  - name: Bad Name!\n",
             "profile.yaml": "expect:\n  password: maybe\n"}
    for name, text in files.items():
        (tmp / name).write_text(text)
    return {name: tmp / name for name in files}


REFUSALS = {
    "replay-folder-typo": (["--zd-replay-from=refrence-emulator"], {}),
    "cassette-root-without-recordings": (["--zd-cassette-root={tmp}/empty"], {}),
    "preflight-unreachable": (["--zd-target=http://127.0.0.1:9"], emulator_env()),
    "bad-emulator-tenant": (["--zd-target=emulator", "--zd-emulator-tenant={tmp}/tenant.yaml"], {}),
    "missing-emulator-tenant": (["--zd-target=emulator", "--zd-emulator-tenant={tmp}/no-such.yaml"], {}),
    "bad-fleet-file": (["--zd-fleet={tmp}/fleet.yaml"], {}),
    "bad-signing-key": (["--zd-target=emulator"], {"ZDCONFORM_SIGNING_KEY": "not a key"}),
    "bad-profile": (["--zd-target=emulator", "--zd-profile={tmp}/profile.yaml"], {}),
}


@pytest.mark.parametrize("name", REFUSALS)
def test_a_refused_run_after_a_good_one_changes_nothing(project, name):
    tmp, cassettes, reports = project["tmp"], project["cassettes"], project["reports"]
    _bad_files(tmp)
    args, env = REFUSALS[name]
    before = snapshot(cassettes, reports)
    common = [f"--zd-cassette-root={cassettes}", f"--zd-reports={reports}"]
    refused = run_suites(*common, *(a.format(tmp=tmp) for a in args), env=env)
    assert refused.returncode not in (0, 1, 5), refused.output  # refused: a usage error or a preflight's code
    assert "Traceback" not in refused.output, refused.output
    assert snapshot(cassettes, reports) == before, refused.output


def _slug(url: str) -> str:
    return url.split("://", 1)[1].replace(":", "_")


def test_a_rerecord_with_fewer_credentials_leaves_a_folder_verify_replay_and_merge_accept(tmp_path):
    cassettes, full_reports, fewer_reports = tmp_path / "cassettes", tmp_path / "full", tmp_path / "fewer"
    without_agent = {k: v for k, v in emulator_env().items()
                     if k not in CREDENTIAL_VARS["agent"].values()}
    with ZendeskEmulator() as emulator:
        common = (f"--zd-target={emulator.url}", f"--zd-cassette-root={cassettes}")
        full = run_suites(*common, f"--zd-reports={full_reports}", env=emulator_env())
        assert full.returncode == 0, full.output
        folder = cassettes / _slug(emulator.url)
        recorded = {p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml")}
        fewer = run_suites(*common, f"--zd-reports={fewer_reports}", env=without_agent)
        assert fewer.returncode == 0, fewer.output
    now = {p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml")}
    manifest = json.loads((folder / "MANIFEST.json").read_text())
    assert now < recorded and now == set(manifest["cassettes"])  # the agent's checks' files are gone
    assert any("roles" in key for key in manifest["skipped"])
    assert not (cassettes / ".staging").exists()
    verified = zdconform("verify", "--target", folder.name, "--cassettes", str(cassettes))
    assert verified.returncode == 0 and "0 problem(s)" in verified.stdout, verified.stdout + verified.stderr
    replay = run_suites(f"--zd-replay-from={folder.name}", f"--zd-cassette-root={cassettes}",
                        f"--zd-reports={tmp_path / 'replay'}")
    assert replay.returncode == 0, replay.output
    merged = zdconform("merge", str(fewer_reports), "--out", str(tmp_path / "merged"))
    assert merged.returncode in (0, 1) and "Traceback" not in merged.stderr, merged.stdout + merged.stderr
    assert (tmp_path / "merged" / "fleet.json").is_file(), merged.stdout + merged.stderr


def test_an_emulator_run_with_another_tenant_file_records_under_its_own_name(tmp_path):
    cassettes, reports = tmp_path / "cassettes", tmp_path / "reports"
    reference = copy_reference(cassettes)
    before = snapshot(reference)
    tenant_file = tmp_path / "Acme Copy.yaml"
    tenant_file.write_text(yaml.safe_dump(tenant_to_dict(default_tenant())))
    result = run_suites("--zd-target=emulator", f"--zd-emulator-tenant={tenant_file}",
                        f"--zd-cassette-root={cassettes}", f"--zd-reports={reports}")
    assert result.returncode == 0, result.output
    assert snapshot(reference) == before
    own = cassettes / "emulator-acme-copy"
    label = json.loads((own / "MANIFEST.json").read_text())["target"]
    digest = hashlib.sha256(tenant_file.read_bytes()).hexdigest()
    assert label["kind"] == "emulator" and label["emulator_tenant"] == {"file": "Acme Copy.yaml", "sha256": digest}
    evidence = json.loads((reports / "evidence.json").read_text())
    assert evidence["target"]["kind"] == "emulator" and evidence["target"]["emulator_tenant"]["sha256"] == digest
    page = (reports / "evidence.html").read_text()
    assert "EMULATOR serving Acme Copy.yaml" in page and "REAL ZENDESK TENANT" not in page
    verified = zdconform("verify", "--target", own.name, "--cassettes", str(cassettes))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_fleet_tenant_refused_by_its_preflight_fails_alone_and_the_others_run(tmp_path):
    from _fleet import fleet_env, write_fleet

    from zdconform.emulator import FleetEmulator

    tenants = [{**tenant_to_dict(default_tenant()), "subdomain": name} for name in ("alpha", "beta")]
    with FleetEmulator(tenants) as emulator:
        fleet_file = write_fleet(tmp_path / "fleet", emulator)
        data = yaml.safe_load(fleet_file.read_text())
        for tenant in data["tenants"]:
            tenant["credentials"]["oauth_client_id"] = "FLEET_CLIENT_ID"  # the seed's client, by its id
        data["tenants"].append({**data["tenants"][0], "name": "down", "url": "http://127.0.0.1:9"})
        fleet_file.write_text(yaml.safe_dump(json.loads(json.dumps(data)), sort_keys=False))  # no aliases
        env = {**fleet_env(), "FLEET_CLIENT_ID": "50328", "ZENDESK_OAUTH_CLIENT_ID": "1"}  # the shell's: no tenant's
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDCONFORM_", "FLEET_"))}
        reports, cassettes = tmp_path / "reports", tmp_path / "cassettes"
        run = subprocess.run([sys.executable, "-m", "zdconform", "run", "--fleet", str(fleet_file),
                              "--reports", str(reports), f"--zd-cassette-root={cassettes}", "-p", "no:cacheprovider"],
                             cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=600)
    output = run.stdout + run.stderr
    assert run.returncode == 1 and "Traceback" not in output, output
    lines = {line.split(":", 1)[0].split()[-1]: line for line in output.splitlines()
             if line.startswith(("ok ", "FAIL "))}
    assert lines["alpha"].startswith("ok ") and lines["beta"].startswith("ok "), output
    assert lines["down"].startswith("FAIL down: preflight failed (exit 11)"), output
    assert sorted(p.name for p in cassettes.iterdir()) == ["alpha", "beta"]  # the refused tenant recorded nothing
    evidence = json.loads((reports / "tenants" / "down" / "evidence.json").read_text())
    assert not evidence["run"]["complete"] and any("preflight failed" in p for p in evidence["run"]["partial"])
    fleet = json.loads((reports / "fleet.json").read_text())  # the others' evidence still merges
    assert fleet["verdict"] != "pass" and "incomplete" in output
