"""Honest in CI, end to end: a run exits 0 only when it checked what it says, and its evidence
describes exactly that run (selection, interruption, workers merged), written together.

Each test runs the suites (or `zdconform`) in a fresh interpreter, as CI would.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zdconform.emulator import DEFAULT_CREDENTIALS, ZendeskEmulator, default_tenant, tenant_to_dict

from _evidence_support import copy_reference
from _helpers import ROOT, child_env, run_suites

pytestmark = pytest.mark.e2e

ADMIN = DEFAULT_CREDENTIALS["admin"]
REPORTS = ("junit.xml", "evidence.json", "evidence.html", "results.json")


def zdconform(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:

    clean = child_env()
    return subprocess.run([sys.executable, "-m", "zdconform", *args], env={**clean, **(env or {})}, cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def verdicts(document: dict) -> dict[str, tuple]:
    return {c["check_id"]: (c["verdict"], c["expected"], tuple(c["observed_statuses"]), c["reason"])
            for c in document["checks"]}


def test_zdconform_run_honours_zendesk_target(tmp_path):
    """`ZENDESK_TARGET=URL zdconform run` goes live (here: a host that does not resolve), never a replay."""
    result = zdconform("run", "--reports", str(tmp_path / "reports"),
                       env={"ZENDESK_TARGET": "https://no-such-tenant.invalid"})
    assert result.returncode == 10, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "preflight failed" in output and "does not resolve" in output and "Traceback" not in output
    assert not (ROOT / "cassettes" / "no-such-tenant.invalid").exists()
    assert not any((tmp_path / "reports" / name).exists() for name in REPORTS)


def test_an_unreachable_tenant_is_one_paragraph_and_its_exit_code(tmp_path):
    result = run_suites("--zd-target=http://127.0.0.1:9", f"--zd-cassette-root={tmp_path / 'cassettes'}",
                        f"--zd-reports={tmp_path / 'reports'}")
    assert result.returncode == 11, result.output
    assert "connection was refused" in result.output and "Traceback" not in result.output
    paragraphs = {line.split("zdconform: ", 1)[1].rstrip("! ") for line in result.output.splitlines()
                  if "zdconform: " in line}
    assert len(paragraphs) == 1, result.output  # pytest echoes its Exit message: the same one paragraph
    assert not (tmp_path / "cassettes").exists()


def test_a_live_run_missing_an_expected_methods_credential_fails_naming_it(tmp_path):
    env = {"ZENDESK_EMAIL": ADMIN["email"], "ZENDESK_API_TOKEN": ADMIN["api_token"]}  # no OAuth token
    with ZendeskEmulator() as emulator:
        common = (f"--zd-target={emulator.url}", f"--zd-cassette-root={tmp_path / 'cassettes'}",
                  f"--zd-reports={tmp_path / 'reports'}")
        failed = run_suites(*common, env=env)
        document = json.loads((tmp_path / "reports" / "evidence.json").read_text())
        allowed = run_suites(*common, "--zd-allow-missing-credentials", env=env)
    assert failed.returncode == 1, failed.output
    assert "could not check them for lack of credentials: oauth_token (set ZENDESK_OAUTH_TOKEN)" in failed.output
    assert "preflight: api_token (ZENDESK_API_TOKEN with ZENDESK_EMAIL) authenticates" in failed.output
    assert document["run"]["unchecked_methods"] == [{"method": "oauth_token", "variables": ["ZENDESK_OAUTH_TOKEN"]}]
    assert allowed.returncode == 0, allowed.output


def test_xdist_writes_the_evidence_a_serial_run_writes(reference_replay, tmp_path):
    serial_reports, serial = reference_replay
    result = run_suites("-n", "2", f"--zd-reports={tmp_path}")
    assert result.returncode == 0, result.output
    parallel = json.loads((tmp_path / "evidence.json").read_text())
    assert verdicts(parallel) == verdicts(serial)
    assert [c["check_id"] for c in parallel["checks"]] == [c["check_id"] for c in serial["checks"]]
    assert parallel["summary"] == serial["summary"] and parallel["findings"] == serial["findings"]
    assert parallel["run"]["selection"]["workers"] == 2 and parallel["run"]["complete"] is True
    assert (tmp_path / "junit.xml").exists()


def test_junitxml_turned_off_gives_the_evidence_without_junit_xml(tmp_path):
    """`-p no:junitxml` is pytest's own switch: the run keeps it (it crashed with an INTERNALERROR)."""
    (tmp_path / "junit.xml").write_text("STALE from an earlier run")
    result = run_suites("-p", "no:junitxml", "-k", "list_clients", f"--zd-reports={tmp_path}")
    assert result.returncode == 0 and "INTERNALERROR" not in result.output, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evidence.html", "evidence.json", "results.json"]


@pytest.mark.parametrize("switch", ["no:recording", "no:xdist", "no:junitxml"])
def test_a_plugin_switched_off_leaves_the_other_sessions_of_the_venv_alone(tmp_path, switch):
    """zdconform implements hooks of pytest-recording and pytest-xdist, declared optional: with
    either switched off, pluggy refused them and every pytest session in the venv ended in an
    INTERNALERROR."""
    (tmp_path / "test_plain.py").write_text("def test_plain():\n    assert True\n")
    plain = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", switch,
                            str(tmp_path / "test_plain.py")], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert plain.returncode == 0 and "1 passed" in plain.stdout, plain.stdout + plain.stderr


def test_pytest_recording_turned_off_refuses_a_conformance_run_in_one_paragraph(tmp_path):
    refused = run_suites("-p", "no:recording", f"--zd-reports={tmp_path / 'reports'}")
    assert refused.returncode == 4 and "Drop `-p no:recording`" in refused.output, refused.output
    assert "INTERNALERROR" not in refused.output and not (tmp_path / "reports").exists()


def test_xdist_turned_off_still_replays(tmp_path):
    result = run_suites("-p", "no:xdist", f"--zd-reports={tmp_path}")
    assert result.returncode == 0 and "54 passed" in result.output, result.output
    assert json.loads((tmp_path / "evidence.json").read_text())["run"]["complete"] is True


def test_a_selection_is_a_partial_run_and_no_earlier_report_survives(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    for name in REPORTS:
        (reports / name).write_text("STALE from an earlier run")
    result = run_suites("-k", "list_clients", f"--zd-reports={reports}")
    assert result.returncode == 0, result.output
    assert all("STALE" not in (reports / name).read_text() for name in REPORTS)  # junit.xml moved with them
    run = json.loads((reports / "evidence.json").read_text())["run"]
    assert run["complete"] is False and run["selection"]["keyword"] == "list_clients"
    assert run["selection"]["selected"] == run["selection"]["ran"] == 3
    assert run["selection"]["deselected"] == 53 and "deselected 53 of 56 checks" in run["partial"][0]
    assert "PARTIAL RUN" in (reports / "evidence.html").read_text()
    assert "PARTIAL run" in result.output


def test_negative_checks_state_what_they_expected(reference_replay):
    _, document = reference_replay
    negative = [c for c in document["checks"] if c["endpoint"] == "negative_auth"]
    assert negative and all(c["expected"] == "refused" for c in negative)
    assert all(c["details"]["expected_refusal"]["status"] == [401] for c in negative)
    assert all(c["expected"] is not None for c in document["checks"] if c["verdict"] != "skipped")


@pytest.mark.parametrize(("option", "fragment"), [
    pytest.param("--record-mode=rewrite", "write and delete the committed cassettes", id="rewrite"),
    pytest.param("--record-mode=all", "never changes them", id="all"),
    pytest.param("--disable-recording", "no cassette to play", id="disable-recording"),
])
def test_a_replay_refuses_what_would_damage_its_cassettes(tmp_path, option, fragment):
    folder = copy_reference(tmp_path / "cassettes")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    result = run_suites(option, f"--zd-cassette-root={tmp_path / 'cassettes'}", f"--zd-reports={tmp_path / 'r'}")
    assert result.returncode == 4, result.output
    assert fragment in result.output and "Traceback" not in result.output
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == before


def test_a_users_own_vcr_test_keeps_its_own_cassettes_beside_the_checks(pytester: pytest.Pytester):
    shutil.copytree(ROOT / "suites", pytester.path / "suites")
    shutil.copytree(ROOT / "cassettes" / "reference-emulator", pytester.path / "cassettes" / "reference-emulator")
    mine = pytester.path / "mine"
    (mine / "cassettes").mkdir(parents=True)
    (mine / "cassettes" / "thing.yaml").write_text(yaml.safe_dump({"version": 1, "interactions": [{
        "request": {"body": None, "headers": {}, "method": "GET", "uri": "https://example.invalid/thing"},
        "response": {"body": {"string": '{"ok": true}'}, "headers": {"Content-Type": ["application/json"]},
                     "status": {"code": 200, "message": "OK"}}}]}))
    (mine / "conftest.py").write_text("import pytest\n\n@pytest.fixture(scope='module')\n"
                                      "def vcr_cassette_dir(request):\n"
                                      "    return str(request.path.parent / 'cassettes')\n")
    (mine / "test_mine.py").write_text("import pytest, requests\n\n@pytest.mark.vcr('thing.yaml')\n"
                                       "def test_thing():\n    assert requests.get('https://example.invalid/thing')"
                                       ".json() == {'ok': True}\n")
    result = pytester.runpytest_subprocess("suites", "mine", "-p", "no:cacheprovider",
                                           "--rootdir", str(pytester.path))
    result.assert_outcomes(passed=55, skipped=2)
    assert "zdconform conformance matrix" in result.stdout.str()


def test_last_failed_works_through_zdconform_run_and_is_a_partial_run(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(ROOT / "suites", project / "suites")
    copy_reference(project / "cassettes")
    cassette = next(p for p in (project / "cassettes").rglob("*.yaml") if p.name == "test_list_clients[api-token].yaml")
    cassette.write_text(cassette.read_text().replace("code: 200", "code: 500"))  # one check now fails
    first = zdconform("run", "--project", str(project), "--zd-allow-unverified")
    assert first.returncode == 1, first.stdout + first.stderr
    again = zdconform("run", "--lf", "--zd-allow-unverified", cwd=project / "suites")
    assert again.returncode == 1, again.stdout + again.stderr
    run = json.loads((project / "reports" / "evidence.json").read_text())["run"]
    assert run["selection"]["last_failed"] is True and run["selection"]["ran"] == 1
    assert run["complete"] is False and any("--lf" in reason for reason in run["partial"])


def test_retry_after_waits_are_visible_as_they_happen(tmp_path):
    tenant = tenant_to_dict(default_tenant())
    tenant["settings"]["faults"] = [{"kind": "rate_limit", "paths": ["/api/v2/oauth/clients"], "methods": ["GET"],
                                     "start": 1, "count": 1, "retry_after": 1}]
    (tmp_path / "tenant.yaml").write_text(yaml.safe_dump(tenant))
    result = run_suites("--zd-target=emulator", f"--zd-emulator-tenant={tmp_path / 'tenant.yaml'}",
                        f"--zd-cassette-root={tmp_path / 'cassettes'}", f"--zd-reports={tmp_path / 'reports'}",
                        "-k", "list_clients and api")
    assert "zdconform: retry GET /api/v2/oauth/clients.json: wait 1.00 s (429)" in result.output, result.output


def test_python_m_zdconform_and_its_version():
    result = zdconform("--version")
    assert result.returncode == 0 and result.stdout.startswith("zdconform 0.")


@pytest.mark.parametrize(("env", "args", "fragment"), [
    pytest.param({"ZENDESK_TARGET": ""}, [], "ZENDESK_TARGET is set but empty", id="empty-target"),
    pytest.param({"ZENDESK_TARGT": "https://acme.zendesk.com"}, ["--require-live"],
                 "must be live", id="misspelt-target-required-live"),
    pytest.param({}, ["--require-live"], "must be live", id="unset-target-required-live"),
])
def test_a_live_job_never_replays_by_accident(tmp_path, env, args, fragment):
    """What a CI job whose target did not arrive runs: refused (exit 4), nothing written, no replay."""
    result = zdconform("run", "--reports", str(tmp_path / "reports"), *args, env=env)
    output = result.stdout + result.stderr
    assert result.returncode == 4 and fragment in output and "Traceback" not in output, output
    assert "passed" not in output and not (tmp_path / "reports").exists()


def test_a_replay_says_so_first_and_last_and_warns_of_live_credentials(tmp_path):
    result = run_suites("-k", "list_clients", f"--zd-reports={tmp_path}",
                        env={"ZENDESK_API_TOKEN": "fake-but-set", "ZENDESK_TARGT": "https://acme.zendesk.com"})
    lines = [line for line in result.output.splitlines() if line.strip()]
    replay = "zdconform: REPLAY of reference-emulator, recorded 20"
    assert result.returncode == 0 and lines[-2].startswith("3 passed"), result.output
    assert any(line.startswith(replay) for line in lines[:4]) and lines[-3].startswith(replay), result.output
    assert lines[-1].startswith("zdconform: REPLAY of reference-emulator INCOMPLETE: -k 'list_clients'"), lines[-1]
    assert "did you mean ZENDESK_TARGET?" in result.output and "ZENDESK_API_TOKEN is set, but this run replays" \
        in result.output and "fake-but-set" not in result.output
