"""The live grant suite against a Zendesk-compatible server it never saw (`_independent_server`).

The server shares no code with the bundled emulator. Behaving, it passes every grant check a
live tenant can run (the authorization code ones skip: a code needs a person), and every token
the run minted is revoked; with a short token lifetime and a run that outlasts it, the expired
token is tried at the run's end and refused. Each defect fails exactly the check that must
catch it, naming the defect and the fact it contradicts.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
import yaml
from _independent_server import ADMIN_TOKEN, CONFIDENTIAL, Defects, IndependentServer

from _helpers import run_suites

pytestmark = pytest.mark.e2e  # every test here starts a conformance run in a fresh interpreter

PROFILE = {"name": "independent", "expect": {"password": "disabled", "api_token": "disabled", "oauth": "enabled"},
           "scopes": ["read", "write"], "oauth": {"grant": "client_credentials", "allowed_scopes": ["read", "write"]}}
ENV = {"ZENDESK_OAUTH_TOKEN": ADMIN_TOKEN, "ZENDESK_OAUTH_CLIENT_IDENTIFIER": CONFIDENTIAL["identifier"],
       "ZENDESK_OAUTH_CLIENT_SECRET": CONFIDENTIAL["secret"]}
NEEDS_A_PERSON = {f"grant_authorization_code[{case}]" for case in ("pkce-right-verifier", "pkce-wrong-verifier",
                                                                   "code-reused")}
# A token lifetime of 3 s and one answer 6 s late: the run outlasts the token minted at its start.
SHORT = {"ttl": 3, "slow": {"/api/v2/oauth/clients": 6.0}}


def run_against(tmp_path, server, *selection):
    profile = tmp_path / "profile.yaml"
    profile.write_text(yaml.safe_dump(PROFILE))
    result = run_suites(f"--zd-target={server.url}", f"--zd-cassette-root={tmp_path / 'cassettes'}",
                        f"--zd-reports={tmp_path / 'reports'}", f"--zd-profile={profile}",
                        "-k", " ".join(selection) or "grant", env=ENV)
    results = json.loads((tmp_path / "reports" / "results.json").read_text())["results"]
    return result, {r["check_id"]: r for r in results}


def verdicts(results, verdict):
    return {check for check, r in results.items() if r["verdict"] == verdict}


def junit_outcomes(tmp_path):
    """check id -> its outcome in junit.xml (pass, failure, skipped, error); the suite's counts."""
    suite = ET.parse(tmp_path / "reports" / "junit.xml").getroot().find("testsuite")
    outcomes = {}
    for case in suite.iter("testcase"):
        check = case.find("properties/property[@name='zd_check_id']").get("value")
        outcomes[check] = next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "pass")
    return outcomes, {key: int(suite.get(key)) for key in ("failures", "skipped", "errors", "tests")}


def as_junit(results):
    """What junit.xml must say of each check, from the evidence's verdicts."""
    return {check: {"fail": "failure", "skipped": "skipped"}.get(r["verdict"], "pass") for check, r in results.items()}


def test_a_server_it_never_saw_passes_and_every_token_is_revoked(tmp_path):
    with IndependentServer() as server:
        result, results = run_against(tmp_path, server)
        assert result.returncode == 0, result.output
        assert server.unrevoked() == [] and len(server.tenant.minted()) >= 7, "every minted token revoked"
    assert verdicts(results, "fail") == set()
    assert verdicts(results, "skipped") == NEEDS_A_PERSON | {"grant_expiry[expired-token-refused]"}
    probe = results["grant_expiry[expired-token-refused]"]
    assert probe["reason"].startswith("not exercised: the run lasted") and "3600 s" in probe["reason"]
    assert probe["details"]["expiry_probe"]["outcome"] == "not exercised"
    assert len(verdicts(results, "pass")) == 9


def test_a_run_that_outlasts_the_token_sees_it_refused(tmp_path):
    with IndependentServer(**SHORT) as server:
        result, results = run_against(tmp_path, server, "grant and not bounds")
        assert server.unrevoked() == []
    assert result.returncode == 0, result.output
    probe = results["grant_expiry[expired-token-refused]"]
    assert probe["verdict"] == "pass", probe
    assert probe["details"]["expiry_probe"]["status"] == 401
    assert probe["details"]["expiry_probe"]["run_lasted_seconds"] >= 5
    assert "expiry probe" in (tmp_path / "reports" / "evidence.html").read_text()
    outcomes, counts = junit_outcomes(tmp_path)  # pytest saw the probe's check skipped; junit.xml now agrees
    assert outcomes == as_junit(results) and outcomes["grant_expiry[expired-token-refused]"] == "pass"
    assert counts == {"failures": 0, "skipped": len(verdicts(results, "skipped")), "errors": 0, "tests": len(results)}


@pytest.mark.parametrize(("defect", "server", "check", "cause", "fact"), [
    pytest.param(Defects(accept_wrong_secret=True), {}, "grant_client_credentials[wrong-secret]",
                 "accepts a wrong client secret", "F-41", id="accepts-a-wrong-client-secret"),
    pytest.param(Defects(no_rotation=True), {}, "grant_refresh[rotation]",
                 "does not rotate refresh tokens", "F-43", id="does-not-rotate-refresh-tokens"),
    pytest.param(Defects(expired_alive=True), SHORT, "grant_expiry[expired-token-refused]",
                 "keeps an expired token alive", "F-04", id="keeps-an-expired-token-alive"),
])
def test_each_defect_fails_the_check_that_names_it(tmp_path, defect, server, check, cause, fact):
    selection = ("grant and not bounds",) if server else ()
    with IndependentServer(defect, **server) as independent:
        result, results = run_against(tmp_path, independent, *selection)
        assert independent.unrevoked() == [], "a failing run revokes its tokens too"
    assert result.returncode == 1, result.output
    assert verdicts(results, "fail") == {check}, result.output
    assert cause in results[check]["reason"] and fact in results[check]["contradicted"]
    outcomes, counts = junit_outcomes(tmp_path)  # junit.xml says what the evidence says, the probe included
    assert outcomes == as_junit(results) and counts["failures"] == 1
