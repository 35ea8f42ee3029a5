"""evidence.json: its schema, its tie to junit.xml and the cassettes, findings, staleness, the leak gate."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from zdconform.cli import main
from zdconform.conformance.schemas import load_registry
from zdconform.exceptions import CassetteLeakError, UsageError
from zdconform.recording.interactions import read_interactions
from zdconform.reporting import evidence
from zdconform.reporting.findings import policy_findings
from zdconform.reporting.html import render
from zdconform.reporting.publish import findings, publish
from zdconform.reporting.results import CheckResult
from zdconform.runs.state import RunState
from zdconform.settings import Options, resolve_options

from _evidence_support import REFERENCE, copy_reference


@pytest.fixture
def replayed(reference_replay):
    """The session's one replay of the committed reference cassettes: its reports folder and evidence."""
    return reference_replay


def open_run(tmp_path: Path, replayed_reports: Path, **options) -> RunState:
    """A replay run over a copy of the reference cassettes, holding the results of a real replay."""
    folder = copy_reference(tmp_path / "cassettes")
    run = RunState.open(Options(target="replay", cassette_root=tmp_path / "cassettes",
                                reports=tmp_path / "reports", **options), env={})
    results = [CheckResult.from_json(r) for r in json.loads((replayed_reports / "results.json").read_text())["results"]]
    run.results = [dataclasses.replace(r, cassette=r.cassette.replace(str(REFERENCE), str(folder)))
                   if r.cassette else r for r in results]
    run.started_at = "2026-11-29T10:00:00Z"
    return run


def build(run: RunState) -> dict:
    """The evidence document of `run`, as the publish step builds it."""
    info = run.info()
    return evidence.build(info, run.results, findings(info, run.results))


def result(check_id: str, method: str, statuses: tuple[int, ...], details: dict | None = None) -> CheckResult:
    return CheckResult(check=f"suites/x.py::{check_id}", check_id=check_id, endpoint=check_id.split("[")[0],
                       method=method, verdict="pass", statuses=statuses, details=details or {})


@pytest.mark.e2e
def test_evidence_validates_against_its_schema(replayed):
    _, document = replayed
    assert load_registry().validate(document, "evidence") == []
    assert document["$schema"] == "https://zdconform.invalid/schemas/evidence.json"
    assert document["target"]["kind"] == "reference-emulator"
    assert "not a real Zendesk tenant" in document["target"]["description"]
    assert document["run"]["mode"] == "replay"
    assert document["product"]["commit"] is None or len(document["product"]["commit"]) == 40


@pytest.mark.e2e
def test_every_check_in_junit_has_its_record(replayed):
    reports, document = replayed
    tree = ET.parse(reports / "junit.xml")
    in_junit = sorted(prop.get("value") for prop in tree.iter("property") if prop.get("name") == "zd_check_id")
    assert in_junit, "junit.xml carries no zd_check_id property"
    assert sorted(c["check_id"] for c in document["checks"]) == in_junit
    names = {case.get("name") for case in tree.iter("testcase")}
    assert {c["nodeid"].rsplit("::", 1)[1] for c in document["checks"]} <= names


@pytest.mark.e2e
def test_every_record_points_at_an_interaction_that_exists(replayed):
    reports, document = replayed
    manifest = json.loads((REFERENCE / "MANIFEST.json").read_text())
    with_cassette = [c for c in document["checks"] if c["cassette"]]
    assert len(with_cassette) >= 12
    for check in with_cassette:
        cassette = check["cassette"]
        path = reports / document["cassettes"]["base"] / cassette["path"]
        assert path.is_file(), check["check_id"]
        assert cassette["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        key = path.resolve().relative_to(REFERENCE).as_posix()
        assert cassette["manifest_sha256"] == manifest["cassettes"][key]["sha256"] and cassette["verified"]
        assert cassette["recorded_at"] == manifest["cassettes"][key]["recorded_at"]
        recorded = read_interactions(path)
        assert [i["index"] for i in cassette["interactions"]] == list(range(len(recorded)))
        assert [(i["method"], i["status"]) for i in cassette["interactions"]] == \
               [(i["method"], i["status"]) for i in recorded]


@pytest.mark.e2e
def test_records_carry_expectation_observation_and_schema_verdict(replayed):
    _, document = replayed
    checks = {c["check_id"]: c for c in document["checks"]}
    denied = checks["list_clients[email-password]"]
    assert (denied["expected"], denied["observed_statuses"], denied["verdict"]) == ("denied", [401], "expected-denied")
    assert denied["schema"]["verdict"] == "valid"
    assert denied["cassette"]["interactions"][0]["schema"] == "error_401_basic"
    created = checks["create_token[api-token]"]
    assert created["observed_statuses"] == [200, 201] and created["details"]["token_expires_at"] is None
    assert [i["schema"] for i in created["cassette"]["interactions"]] == ["clients_list", "token_response", None]
    skipped = [c for c in document["checks"] if c["verdict"] == "skipped"]
    assert skipped and all(c["cassette"] is None for c in skipped)


@pytest.mark.e2e
def test_reference_findings(replayed):
    _, document = replayed
    found = {f["finding"]: f for f in document["findings"]}
    assert set(found) >= {"API token access enabled", "OAuth tokens that never expire", "Public OAuth clients"}
    assert "Password access enabled" not in found
    assert "2027-04-30" in found["API token access enabled"]["detail"]
    assert "Mobile companion (PKCE)" in found["Public OAuth clients"]["detail"]


@pytest.mark.parametrize(("profile", "results", "expected"), [
    pytest.param({"expect": {"password": "enabled"}}, [], "high", id="profile-enables-password"),
    pytest.param({"expect": {"password": "disabled"}},
                 [result("list_clients[email-password]", "password", (200,))],
                 "high", id="password-observed-working-against-profile"),
])
def test_password_access_is_a_finding(profile, results, expected):
    found = [f for f in policy_findings(profile, results) if f["finding"] == "Password access enabled"]
    assert len(found) == 1 and found[0]["severity"] == expected
    assert "January 2026" in found[0]["detail"]


def test_no_findings_for_a_strict_tenant():
    profile = {"expect": {"password": "disabled", "api_token": "disabled", "oauth": "enabled"}}
    expiring = {"token_expires_at": "2026-12-01T00:00:00Z"}
    results = [result("create_token[oauth-bearer]", "oauth_token", (201,), expiring)]
    assert policy_findings(profile, results) == []


@pytest.mark.e2e
def test_leak_gate_refuses_reports_with_a_planted_secret(tmp_path, replayed):
    run = open_run(tmp_path, replayed[0])
    planted = "planted-" + "7f3a9c1e5b2d4f6a8c0e"
    run.secrets.add(planted, "a planted test secret")
    victim = next(Path(r.cassette) for r in run.results if r.check_id == "list_clients[api-token]")
    victim.write_text(victim.read_text().replace("Reporting\n        dashboard", planted), encoding="utf-8")
    assert planted in victim.read_text()
    with pytest.raises(CassetteLeakError) as caught:
        publish(run.info(), run.results)
    message = str(caught.value)
    assert "a planted test secret" in message and planted not in message
    assert "evidence.html" in message and "at line " in message, "the refusal names the file and the place"
    assert not (tmp_path / "reports" / "evidence.html").exists()
    kept = [tmp_path / "reports" / name for name in ("evidence.json", "results.json")]
    assert all(p.exists() and planted not in p.read_text() for p in kept), "the rest of the evidence is kept"


@pytest.mark.e2e
def test_leak_gate_refuses_an_unredacted_bearer_credential(tmp_path, replayed):
    run = open_run(tmp_path, replayed[0])
    victim = next(Path(r.cassette) for r in run.results if r.check_id == "list_clients[oauth-bearer]")
    victim.write_text(victim.read_text().replace("Bearer REDACTED", "Bearer 0a1b2c3d4e5f6a7b8c9d"))
    with pytest.raises(CassetteLeakError, match="unredacted Bearer credential"):
        publish(run.info(), run.results)


@pytest.mark.e2e
def test_publish_writes_every_report_and_scrubs_reasons(tmp_path, replayed):
    run = open_run(tmp_path, replayed[0])
    run.secrets.add("hunter2-secret-value", "admin password")
    run.results[0] = dataclasses.replace(run.results[0], verdict="fail",
                                         reason="got hunter2-secret-value for jane.doe@acme.example")
    paths = {p.name: p for p in publish(run.info(), run.results)}
    assert sorted(paths) == ["evidence.html", "evidence.json", "results.json"]
    text = "".join(p.read_text() for p in paths.values())
    assert "hunter2-secret-value" not in text and "jane.doe@acme.example" not in text
    assert "@example.invalid" in json.loads(paths["evidence.json"].read_text())["checks"][0]["reason"]


@pytest.mark.e2e
def test_a_failed_check_is_validated_again_and_lists_its_violations(tmp_path, replayed):
    run = open_run(tmp_path, replayed[0])
    index = next(i for i, r in enumerate(run.results) if r.check_id == "create_token[api-token]")
    path = Path(run.results[index].cassette)
    path.write_text(path.read_text().replace('"scopes":["read","write"],"created_at"', '"scopes":"read","created_at"'))
    run.results[index] = dataclasses.replace(run.results[index], verdict="fail",
                                             reason="zdconform: Create Token: the response does not conform")
    record = next(c for c in build(run)["checks"] if c["check_id"] == "create_token[api-token]")
    assert record["schema"]["verdict"] == "invalid" and record["schema"]["source"] == "re-validated"
    assert {(v["interaction"], v["schema"]) for v in record["schema"]["violations"]} == {(1, "token_response")}
    assert record["cassette"]["verified"] is False  # edited after recording: the record says so


@pytest.mark.e2e
def test_stale_cassettes_are_flagged_but_not_failed(tmp_path, replayed):
    run = open_run(tmp_path, replayed[0], max_age_days=30)
    old = (dt.datetime.now(dt.UTC) - dt.timedelta(days=45)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fresh = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for key, entry in run.store.manifest["cassettes"].items():
        entry["recorded_at"] = old if "test_list_clients" in key else fresh
    document = build(run)
    assert document["cassettes"]["stale"] and all("test_list_clients" in p for p in document["cassettes"]["stale"])
    assert document["summary"]["verdicts"]["fail"] == sum(r.verdict == "fail" for r in run.results)
    warning = evidence.stale_warnings(run.info())
    assert len(warning) == 1 and "more than 30 days" in warning[0] and "--zd-max-age-days" in warning[0]
    page = render(document, tmp_path / "reports")
    assert "stale cassette(s)" in page and "; STALE" in page
    run.plan = dataclasses.replace(run.plan, options=dataclasses.replace(run.options, max_age_days=90))
    assert evidence.stale_warnings(run.info()) == [] and build(run)["cassettes"]["stale"] == []


@pytest.mark.parametrize(("cli", "env", "expected"), [
    pytest.param({}, {}, 90, id="default"),
    pytest.param({}, {"ZDCONFORM_MAX_AGE_DAYS": "7"}, 7, id="env"),
    pytest.param({"max_age_days": 3}, {"ZDCONFORM_MAX_AGE_DAYS": "7"}, 3, id="option-beats-env"),
])
def test_max_age_option(cli, env, expected):
    assert resolve_options(cli, {}, env, Path(".")).max_age_days == expected


def test_max_age_must_be_a_number():
    with pytest.raises(UsageError, match="--zd-max-age-days"):
        resolve_options({}, {}, {"ZDCONFORM_MAX_AGE_DAYS": "ninety"}, Path("."))


@pytest.mark.e2e
def test_report_command_renders_the_page_again(tmp_path, replayed, capsys):
    reports = tmp_path / "reports"
    reports.mkdir()
    document = dict(replayed[1])
    document["cassettes"] = {**document["cassettes"], "base": evidence._relative(REFERENCE.parent.parent, reports)}
    (reports / "evidence.json").write_text(json.dumps(document))
    assert main(["report", "--reports", str(reports)]) == 0
    page = (reports / "evidence.html").read_text()
    assert "Summary matrix" in page and "Authorization: Basic REDACTED" in page


@pytest.mark.parametrize(("content", "fragment"), [
    pytest.param(None, "Cannot read the evidence", id="missing"),
    pytest.param("{not json", "Cannot read the evidence", id="not-json"),
    pytest.param('{"checks": []}', "is not a zdconform evidence document", id="not-evidence"),
])
def test_report_command_refuses_bad_evidence(tmp_path, capsys, content, fragment):
    if content is not None:
        (tmp_path / "evidence.json").write_text(content)
    assert main(["report", "--reports", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err
    assert not (tmp_path / "evidence.html").exists()


@pytest.mark.e2e
def test_every_key_a_suite_notes_reaches_the_evidence(replayed):
    _, document = replayed
    details = {c["check_id"]: c.get("details", {}) for c in document["checks"]}
    assert details["token_errors[unknown-client-id]"]["observed_status"] == 422
    assert details["token_lifecycle[revoke-by-id]"]["revoke_status"] == 204
    assert details["negative_auth[revoked-token]"]["admin_method"] == "oauth_token"
    assert "pages" in details["users_bearer[minted-with-api-token-cursor]"]


def test_what_a_check_notes_cannot_overwrite_a_computed_field():
    noted = result("create_token[api-token]", "api_token", (500,), {"verdict": "pass", "method": "password"})
    failed = dataclasses.replace(noted, verdict="fail", reason="zdconform: 500")
    data = failed.as_json()
    assert (data["verdict"], data["method"]) == ("fail", "api_token")
    assert data["details"] == {"verdict": "pass", "method": "password"}
    assert CheckResult.from_json(data) == failed


@pytest.mark.e2e
def test_every_check_names_its_facts_and_the_run_tallies_them(replayed):
    reports, document = replayed
    ran = [c for c in document["checks"] if c["verdict"] != "skipped"]
    assert ran and all(c["facts"] for c in ran), [c["check_id"] for c in ran if not c["facts"]]
    assert all(c["deviations"] == [] for c in document["checks"]), "the reference emulator's choice is exact"
    facts = document["facts"]
    assert facts["subject"] == "the reference emulator (not a real tenant)"
    assert facts["counts"]["contradicted"] == 0 and facts["counts"]["confirmed"] >= 25
    by_id = {f["id"]: f for f in facts["facts"]}
    assert "negative_auth[empty-bearer]" in by_id["F-10"]["confirmed_by"]
    page = (reports / "evidence.html").read_text(encoding="utf-8")
    assert 'id="facts"' in page and "Facts observed on the reference emulator (not a real tenant)" in page
    assert "<dt>facts</dt><dd>F-11, F-10</dd>" in page
