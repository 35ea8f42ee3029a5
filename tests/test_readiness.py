"""Migration readiness findings: each appears when the profile and the results call for it, and not otherwise."""

from __future__ import annotations

import datetime as dt

import pytest

from zdconform.reporting.findings import readiness_findings
from zdconform.reporting.publish import run_date
from zdconform.reporting.results import CheckResult
from zdconform.reporting.terminal import render
from zdconform.settings import profile_from_dict

RUN_DAY = dt.date(2026, 11, 29)  # 152 days before API tokens are deactivated
STRICT = {"expect": {"password": "disabled", "api_token": "disabled", "oauth": "enabled"}}
CONFIDENTIAL = {"clients": [{"id": 7, "name": "Sync", "kind": "confidential"}]}


def result(check_id: str, method: str, statuses: tuple[int, ...], details: dict | None = None,
           verdict: str = "pass", reason: str = "") -> CheckResult:
    return CheckResult(check=f"suites/x.py::{check_id}", check_id=check_id, endpoint=check_id.split("[")[0],
                       method=method, verdict=verdict, statuses=statuses, details=details or {}, reason=reason)


S2S = result("grant_client_credentials[confidential-form]", "oauth_client", (200, 200),
             {"server_to_server": True, "token_expires_in": 1800})


def found(profile, results, bodies=(), today=RUN_DAY) -> dict[str, dict[str, str]]:
    findings = readiness_findings(profile, results, list(bodies), today)
    assert all(f["topic"] == "migration" for f in findings)
    return {f["finding"]: f for f in findings}


def test_a_ready_tenant_has_only_the_days_left():
    assert list(found(STRICT, [S2S], [CONFIDENTIAL])) == [
        "API tokens deactivated in 152 days", "Confidential client can mint server-to-server tokens"]


@pytest.mark.parametrize(("today", "title", "words"), [
    (dt.date(2026, 11, 29), "API tokens deactivated in 152 days", "152 days after this run (2026-11-29)"),
    (dt.date(2027, 4, 29), "API tokens deactivated in 1 day", "1 day after this run"),
    (dt.date(2027, 4, 30), "API tokens deactivated today", "the day of this run"),
    (dt.date(2027, 5, 10), "API tokens deactivated", "10 days before this run (2027-05-10)"),
])
def test_days_left_come_from_the_date_passed_in(today, title, words):
    deadline = found(STRICT, [], today=today)[title]
    assert deadline["severity"] == "info" and words in deadline["detail"] and "2027-04-30" in deadline["detail"]


def test_run_date_is_the_utc_day_the_run_started():
    assert run_date("2026-11-29T23:30:00-02:00") == dt.date(2026, 11, 30)
    assert run_date("2026-11-29T10:00:00Z") == RUN_DAY


@pytest.mark.parametrize(("profile", "results", "today", "severity"), [
    pytest.param(STRICT, [result("list_clients[api-token]", "api_token", (200,))], RUN_DAY, "medium",
                 id="observed-working"),
    pytest.param(STRICT, [result("list_clients[api-token]", "api_token", (200,))], dt.date(2027, 3, 1), "high",
                 id="within-90-days"),
    pytest.param(STRICT, [result("list_clients[api-token]", "api_token", (200,))], dt.date(2027, 5, 1), "high",
                 id="after-the-deadline"),
])
def test_api_tokens_still_accepted(profile, results, today, severity):
    accepted = found(profile, results, today=today)["API token access enabled"]
    assert accepted["severity"] == severity and "move integrations to OAuth" in accepted["detail"]


@pytest.mark.parametrize("results", [[], [result("list_clients[api-token]", "api_token", (401,))]],
                         ids=["none-ran", "all-refused"])
def test_api_token_access_is_enabled_only_where_observed(results):
    """The profile's expectation alone is its own finding: a fleet counts "enabled" tenants by what was seen."""
    found_ = found({"expect": {"api_token": "enabled"}}, results)
    assert "API token access enabled" not in found_
    assert found_["API token access expected enabled"]["severity"] == "info"


def test_api_tokens_refused_as_expected_are_no_finding():
    refused = [result("list_clients[api-token]", "api_token", (401,))]
    assert "API token access enabled" not in found(STRICT, refused)


@pytest.mark.parametrize(("details", "method", "source"), [
    ({"token_expires_at": None}, "oauth_token", "Create Token returned tokens with `expires_at: null`"),
    ({"server_to_server": True, "token_expires_in": None}, "oauth_client", "without `expires_in`"),
])
def test_tokens_that_never_expire(details, method, source):
    never = found(STRICT, [result("x[never]", method, (200,), details)])["OAuth tokens that never expire"]
    assert source in never["detail"] and "x[never]" in never["detail"]


def test_tokens_that_expire_are_no_finding():
    results = [S2S, result("create_token[oauth-bearer]", "oauth_token", (201,),
                           {"token_expires_at": "2026-12-01T00:00:00Z"})]
    assert "OAuth tokens that never expire" not in found(STRICT, results)


@pytest.mark.parametrize(("profile", "severity"), [
    pytest.param({**STRICT, "oauth": {"grant": "client_credentials"}}, "high", id="profile-needs-it"),
    pytest.param(STRICT, "medium", id="profile-silent"),
])
def test_no_confidential_client_for_server_to_server(profile, severity):
    skipped = [result(f"grant_client_credentials[confidential-{c}]", "oauth_client", (), verdict="skipped",
                      reason="grant-type checks not run: set ZENDESK_OAUTH_CLIENT_SECRET") for c in ("form", "json")]
    seen = found(profile, skipped)
    assert "Confidential client can mint server-to-server tokens" not in seen
    missing = seen["No confidential client minted server-to-server tokens"]
    assert missing["severity"] == severity and "ZENDESK_OAUTH_CLIENT_SECRET" in missing["detail"]


def test_server_to_server_is_not_judged_when_the_grant_checks_did_not_run():
    seen = found(STRICT, [result("list_clients[oauth-bearer]", "oauth_token", (200,))], [CONFIDENTIAL])
    assert not [title for title in seen if "server-to-server" in title]


def test_a_refused_wrong_secret_does_not_count_as_server_to_server():
    refused = result("grant_client_credentials[wrong-secret]", "oauth_client", (401,))
    assert not [title for title in found(STRICT, [refused]) if "server-to-server" in title]


def test_public_clients():
    bodies = [{"clients": [{"id": 9, "name": "Mobile", "kind": "public"}]}, CONFIDENTIAL]
    public = found(STRICT, [S2S], bodies)["Public OAuth clients"]
    assert public["severity"] == "low" and "'Mobile' (id 9)" in public["detail"] and "Sync" not in public["detail"]
    assert "Public OAuth clients" not in found(STRICT, [S2S], [CONFIDENTIAL])


@pytest.mark.parametrize(("profile", "needs"), [
    pytest.param({**STRICT, "oauth": {"allowed_scopes": ["users:read"]}}, "(users:read)", id="allowed-scopes"),
    pytest.param({**STRICT, "scopes": ["read", "write"]}, "(read write)", id="scopes"),
])
def test_allowed_scopes_wider_than_needed(profile, needs):
    granted = result("grant_scopes[outside-allowed-scopes]", "oauth_client", (200,),
                     {"granted_outside_scope": "impersonate"})
    wider = found(profile, [S2S, granted])["Allowed scopes wider than the integration needs"]
    assert "`impersonate` (grant_scopes[outside-allowed-scopes])" in wider["detail"] and needs in wider["detail"]


def test_scopes_refused_outside_the_allowed_ones_are_no_finding():
    refused = result("grant_scopes[outside-allowed-scopes]", "oauth_client", (400,))
    assert "Allowed scopes wider than the integration needs" not in found(STRICT, [S2S, refused])


def test_a_loaded_profile_works_like_a_mapping():
    profile = profile_from_dict({**STRICT, "oauth": {"grant": "client_credentials", "allowed_scopes": ["users:read"]}},
                                origin="t.yaml")
    granted = result("grant_scopes[outside-allowed-scopes]", "oauth_client", (200,),
                     {"granted_outside_scope": "write"})
    skipped = result("grant_client_credentials[confidential-form]", "oauth_client", (), verdict="skipped")
    seen = found(profile, [granted, skipped])
    assert "(users:read)" in seen["Allowed scopes wider than the integration needs"]["detail"]
    assert seen["No confidential client minted server-to-server tokens"]["severity"] == "high"


def test_the_terminal_shows_readiness_under_its_own_heading():
    class Info:
        slug = "t"
        profile = profile_from_dict(STRICT, origin="t.yaml")

    lines = render(Info(), [S2S], readiness_findings(STRICT, [S2S], [], RUN_DAY))  # type: ignore[arg-type]
    text = "\n".join("".join(segment for segment, _ in line) for line in lines)
    assert "tenant policy findings: none" in text
    assert text.split("migration readiness findings:\n", 1)[1].startswith("  [info] API tokens deactivated in 152")


def test_confidential_clients_are_named_by_id_only():
    """Findings reach evidence.json: they quote no client text beyond public client names."""
    seen = found(STRICT, [S2S], [CONFIDENTIAL])["Confidential client can mint server-to-server tokens"]
    assert "1 confidential client(s) (id 7)" in seen["detail"] and "Sync" not in seen["detail"]
