"""Honest runs, in process: the project root, record modes, preflight, unchecked methods, reasons.

The end-to-end side (real runs in a fresh interpreter) is tests/test_honest_runs.py.
"""

from __future__ import annotations

import http.server
import threading
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from zdconform.cli import main
from zdconform.emulator import DEFAULT_CREDENTIALS, ZendeskEmulator
from zdconform.exceptions import PreflightError, UsageError
from zdconform.http.preflight import EXIT_CODES, preflight
from zdconform.recording.modes import recording_conflict
from zdconform.reporting.html import render
from zdconform.reporting.results import CheckResult, _reason
from zdconform.runs.end import unchecked_methods
from zdconform.runs.state import RunState
from zdconform.settings import (
    Credentials,
    default_profile,
    find_project,
    parse_target,
    profile_from_dict,
    project_ini,
    project_root,
    resolve_options,
)

ROOT = Path(__file__).resolve().parent.parent
ADMIN = DEFAULT_CREDENTIALS["admin"]


# -- the project root ------------------------------------------------------------------------
def test_the_project_is_the_nearest_folder_with_suites_or_cassettes(tmp_path):
    (tmp_path / "proj" / "cassettes").mkdir(parents=True)
    deep = tmp_path / "proj" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_project(deep) == tmp_path / "proj"
    assert project_root(None, deep) == tmp_path / "proj"
    assert project_root(str(tmp_path / "proj"), Path("/")) == tmp_path / "proj"


@pytest.mark.parametrize(("explicit", "fragment"), [
    pytest.param(None, "No zdconform project at or above", id="none-above"),
    pytest.param("elsewhere", "is not a zdconform project", id="explicit-not-a-project"),
])
def test_no_project_is_a_usage_error(tmp_path, explicit, fragment):
    with pytest.raises(UsageError, match=fragment):
        project_root(explicit, tmp_path)


def test_the_cli_reads_the_projects_ini_with_the_runs_precedence(tmp_path):
    (tmp_path / "suites").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\nzd_reports = "out"\nzd_target = "x"\n')
    assert project_ini(tmp_path) == {"reports": "out", "target": "x"}
    options = resolve_options({}, project_ini(tmp_path), {"ZDCONFORM_REPORTS": "/env/reports"}, tmp_path)
    assert options.reports == Path("/env/reports")  # the environment beats the ini
    assert resolve_options({}, project_ini(tmp_path), {}, tmp_path).reports == tmp_path / "out"


def test_the_token_journal_is_the_projects_whatever_the_cassette_root(tmp_path):
    options = resolve_options({"target": "https://acme.zendesk.com", "cassette_root": str(tmp_path / "drift")},
                              {}, {}, tmp_path / "proj")
    run = RunState.open(options, env={})
    assert run.ledger.journal == tmp_path / "proj" / ".zdconform" / "tokens-acme.zendesk.com.json"


def test_cleanup_reads_the_projects_journal_from_any_subfolder(tmp_path, monkeypatch, capsys):
    (tmp_path / "cassettes").mkdir()
    (tmp_path / "deep" / "er").mkdir(parents=True)
    monkeypatch.chdir(tmp_path / "deep" / "er")
    assert main(["cleanup", "--target", "https://acme.zendesk.com"]) == 0
    assert str(tmp_path / ".zdconform" / "tokens-acme.zendesk.com.json") in capsys.readouterr().out


def test_the_wheel_lists_every_package_and_ships_the_schemas():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "zdconform").rglob("__init__.py")}
    assert set(config["packages"]) == on_disk | {"zdconform.schemas", "zdconform.suites", "zdconform.ci",
                                                 "zdconform.templates", "zdconform.notebooks"}
    assert config["package-dir"] == {"zdconform.schemas": "schemas", "zdconform.suites": "suites",
                                     "zdconform.ci": "docs/ci", "zdconform.notebooks": "notebooks"}
    assert config["package-data"]["zdconform.schemas"] == ["*.json"]
    assert config["package-data"]["zdconform.suites"] == ["*.py"]  # the checks ship in the wheel
    assert config["package-data"]["zdconform.ci"] == ["*.yml"]  # the CI templates, for `zdconform init`
    assert config["package-data"]["zdconform.templates"] == ["*"]  # the other files `zdconform init` writes
    assert config["package-data"]["zdconform.notebooks"] == ["*.ipynb"]  # and the evidence notebook


# -- pytest-recording's options --------------------------------------------------------------
@pytest.mark.parametrize(("target", "mode", "disabled", "fragment"), [
    pytest.param("replay", None, False, None, id="replay-default"),
    pytest.param("replay", "none", False, None, id="replay-none"),
    pytest.param("replay", "rewrite", False, "write and delete the committed cassettes", id="replay-rewrite"),
    pytest.param("replay", "once", False, "never changes them", id="replay-once"),
    pytest.param("replay", None, True, "no cassette to play", id="replay-disabled"),
    pytest.param("emulator", None, False, None, id="live-default"),
    pytest.param("emulator", "all", False, None, id="live-all"),
    pytest.param("emulator", None, True, None, id="live-disabled-records-nothing"),
    pytest.param("https://acme.zendesk.com", "rewrite", False, "first delete the committed cassette",
                 id="live-rewrite"),
    pytest.param("https://acme.zendesk.com", "none", False, "re-records every check", id="live-none"),
])
def test_record_modes(target, mode, disabled, fragment):
    problem = recording_conflict(parse_target(target), mode, disabled)
    assert (problem is None) if fragment is None else (fragment in problem)


@pytest.mark.parametrize("target", ["replay", "emulator", "https://acme.zendesk.com"])
def test_without_pytest_recording_no_conformance_run_starts(target):
    problem = recording_conflict(parse_target(target), None, False, loaded=False)
    assert problem is not None and "`-p no:recording`" in problem


# -- preflight ---------------------------------------------------------------------------------
class _Html(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - the http.server API
        body = b"<html>It works</html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Html)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def closed_port() -> int:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Html)
    port = server.server_address[1]
    server.server_close()
    return port


def admin(**values: str) -> Credentials:
    names = {"email": "ZENDESK_EMAIL", "api_token": "ZENDESK_API_TOKEN", "oauth_token": "ZENDESK_OAUTH_TOKEN",
             "password": "ZENDESK_PASSWORD"}
    return Credentials.from_env("admin", {names[k]: v for k, v in values.items()})


@pytest.mark.parametrize(("url", "kind"), [
    pytest.param("https://no-such-tenant.invalid", "dns", id="dns"),
    pytest.param("http://127.0.0.1:{closed}", "unreachable", id="connection-refused"),
    pytest.param("https://{web}", "tls", id="tls-to-a-plain-http-server"),
    pytest.param("http://{web}", "not-zendesk", id="a-web-page-not-zendesk"),
])
def test_preflight_tells_failures_apart(url, kind, web_server):
    with pytest.raises(PreflightError) as info:
        preflight(url.format(closed=closed_port(), web=web_server), default_profile(), admin())
    assert info.value.exit_code == EXIT_CODES[kind]
    assert "\n" not in str(info.value) and "Nothing was run or recorded" in str(info.value)


def test_preflight_checks_each_supplied_credential_against_the_profile():
    with ZendeskEmulator() as emulator:
        good = admin(email=ADMIN["email"], api_token=ADMIN["api_token"], password=ADMIN["password"])
        lines = preflight(emulator.url, default_profile(), good)
        assert any("api_token" in line and "authenticates" in line for line in lines)
        assert any("password" in line and "as the profile expects" in line for line in lines)  # disabled
        policy = admin(email=ADMIN["email"], api_token=ADMIN["api_token"], oauth_token="w" * 60)
        lines = preflight(emulator.url, default_profile(), policy)  # one refused, one works: the checks say why
        assert any("ZENDESK_OAUTH_TOKEN) is refused (401), although the profile expects" in line for line in lines)
        other_tenant = admin(oauth_token="someone0elses0token" + "0" * 40)
        with pytest.raises(PreflightError) as info:
            preflight(emulator.url, default_profile(), other_tenant)
    assert info.value.exit_code == EXIT_CODES["refused"]
    assert "ZENDESK_OAUTH_TOKEN" in str(info.value) and "another tenant" in str(info.value)
    assert "someone0elses" not in str(info.value)


# -- verdicts ---------------------------------------------------------------------------------
def skipped(method: str) -> CheckResult:
    return CheckResult(check=f"x[{method}]", check_id=f"x[{method}]", endpoint="list_clients", method=method,
                       verdict="skipped", reason="not checked")


@pytest.mark.parametrize(("target", "allow", "expected"), [
    pytest.param("https://acme.zendesk.com", False, [{"method": "oauth_token", "variables": ["ZENDESK_OAUTH_TOKEN"]}],
                 id="live-fails"),
    pytest.param("https://acme.zendesk.com", True, [], id="live-allowed-explicitly"),
    pytest.param("replay", False, [], id="replay-needs-no-credentials"),
])
def test_a_live_run_that_skipped_an_expected_method_is_not_green(tmp_path, target, allow, expected):
    options = resolve_options({"target": target, "allow_missing_credentials": allow}, {}, {}, ROOT)
    env = {"ZENDESK_EMAIL": "a@b.example", "ZENDESK_API_TOKEN": "t" * 40}
    run = RunState.open(options, env=env, start=False)
    results = [skipped("oauth_token"), skipped("password"), skipped("api_token")]  # password: expected disabled
    assert unchecked_methods(run, results) == expected


def test_a_failure_reason_is_kept_whole():
    hint = "pass `--zd-allow-unverified` to replay it anyway"
    message = "Cassette 'x.yaml' was modified after recording: " + "a" * 400 + ". " + hint
    report = SimpleNamespace(skipped=False, failed=True, longrepr=SimpleNamespace(reprcrash=SimpleNamespace(
        message=message + "\nsecond line")))
    assert _reason(report).endswith(hint + "\nsecond line")


def test_the_page_banners_a_partial_run(reference_evidence_document):
    document = {**reference_evidence_document}
    document["run"] = {**document["run"], "complete": False, "partial": ["-k 'api' deselected 30 of 39 checks"]}
    page = render(document, ROOT / "reports")
    assert "PARTIAL RUN" in page and "deselected 30 of 39" in page
    assert "PARTIAL RUN" not in render(reference_evidence_document, ROOT / "reports")


@pytest.fixture
def reference_evidence_document(tmp_path):
    """An evidence document of the committed reference cassettes, built in process."""
    import dataclasses

    from zdconform.reporting import evidence

    options = resolve_options({}, {}, {}, ROOT)
    run = RunState.open(options, env={})
    info = dataclasses.replace(run.info(), session={"complete": True, "partial": [], "selection": None,
                                                    "unchecked_methods": []}, project=ROOT)
    profile = profile_from_dict({"expect": {"oauth": "enabled"}}, origin="test")
    return evidence.build(dataclasses.replace(info, profile=profile, reports=tmp_path), [], [])
