"""Tenants that answer the unsure behaviours the other plausible way pass, with deviations reported.

Each case starts the emulator with one tenant variant (docs/emulator.md, "Tenant variants"), or
all the "2026-style" ones at once, and runs the real suites against it as a tenant URL, as a
live run would. The run must pass with no failure, record exactly the deviations the variant
causes (each naming its inferred fact), and leave no token behind. With the same variants, every
misbehaviour switch still fails exactly the checks it fails on the reference tenant.
"""

from __future__ import annotations

import json

import pytest
from test_misbehaving_tenant import CASES as MISBEHAVIOURS
from test_misbehaving_tenant import failures, run_against

pytestmark = pytest.mark.e2e  # every test here starts a conformance run in a fresh interpreter

STYLE_2026 = {"empty_bearer": "basic", "forbidden_wording": "2026", "error_bodies": "text",
              "empty_scopes": "accept", "revoke_current": "delayed", "not_found": "empty",
              "rate_limit_agree": False, "first_page_prev": "link"}
ENDPOINT_429 = {"faults": [{"kind": "rate_limit", "body": "json", "paths": ["/api/v2/users"], "methods": ["GET"],
                            "start": 2, "count": 1, "retry_after": 0}]}
TEXT_ERRORS = {"token_errors[unknown-client-id]": "F-22", "token_errors[missing-token-wrapper]": "F-23",
               "token_errors[empty-scopes]": "F-24"}

VARIANTS = [
    pytest.param({"empty_bearer": "basic"}, {"negative_auth[empty-bearer]": "F-10"}, id="empty-bearer-basic"),
    pytest.param({"forbidden_wording": "2026"}, {}, id="forbidden-wording-2026"),
    pytest.param({"error_bodies": "text"}, TEXT_ERRORS, id="error-bodies-text"),
    pytest.param({"empty_scopes": "accept"}, {"token_errors[empty-scopes]": "F-24"}, id="empty-scopes-accept"),
    pytest.param({"revoke_current": "delayed"}, {"token_lifecycle[revoke-current]": "F-28"},
                 id="revoke-current-delayed"),
    pytest.param({"not_found": "endpoint"}, {}, id="not-found-endpoint"),
    pytest.param({"not_found": "empty"}, {}, id="not-found-empty"),
    pytest.param({"rate_limit_agree": False}, {}, id="rate-limit-families-disagree"),
    pytest.param({"rate_limit_headers": "2023"}, {}, id="rate-limit-headers-2023"),
    pytest.param({"first_page_prev": "link"}, {}, id="first-cursor-page-prev-link"),
    pytest.param(ENDPOINT_429, {}, id="endpoint-429-json"),
    pytest.param({"password_challenge": "none"}, {check: "F-54" for check in (
        "create_token[email-password]", "list_clients[email-password]", "negative_auth[wrong-password]",
        "negative_auth[unknown-email-password]")}, id="password-401-without-a-challenge"),
    pytest.param({"_clients_before": 150}, {}, id="150-clients-before-the-suites-own"),
    pytest.param({"revocation": "delayed"}, {check: "F-55" for check in (
        "token_lifecycle[revoke-by-id]", "negative_auth[revoked-token]", "grant_refresh[rotation]")},
        id="every-revocation-lags"),
    pytest.param({"refresh_refusal": "401"}, {}, id="refused-refresh-401"),
    pytest.param({"grant_answers": "legacy"}, {}, id="legacy-grant-answers"),
    pytest.param({"_unlimited_clients": True}, {}, id="clients-without-an-allowed-scopes-limit"),
    pytest.param(STYLE_2026, {"negative_auth[empty-bearer]": "F-10", **TEXT_ERRORS,
                              "token_lifecycle[revoke-current]": "F-28"}, id="all-2026-style"),
]


def deviations(results):
    return {check: sorted({d["fact"] for d in r["deviations"]}) for check, r in results.items() if r["deviations"]}


@pytest.mark.parametrize(("settings", "expected"), VARIANTS)
def test_a_correct_tenant_answering_the_other_plausible_way_passes(tmp_path, settings, expected):
    result, results, live = run_against(tmp_path, settings)
    assert result.returncode == 0, result.output
    assert failures(results) == {}
    assert deviations(results) == {check: [fact] for check, fact in expected.items()}, result.output
    assert live == [], "every token the suite minted must be revoked, an accepted empty-scopes one too"
    evidence = json.loads((tmp_path / "reports" / "evidence.json").read_text())
    contradicted = {f["id"] for f in evidence["facts"]["facts"] if f["outcome"] == "contradicted"}
    assert contradicted == set(expected.values())
    assert evidence["facts"]["subject"] != "the reference emulator (not a real tenant)"
    for check, fact in expected.items():
        assert f"DEVIATION {check}: deviation: observed" in result.output
        assert f"[fact {fact}]" in result.output


@pytest.mark.parametrize(("settings", "expected"), MISBEHAVIOURS)
def test_a_misbehaviour_still_fails_its_checks_on_a_2026_style_tenant(tmp_path, settings, expected):
    combined = {**STYLE_2026, **{k: v for k, v in settings.items() if k != "misbehave"},
                "misbehave": settings.get("misbehave", {})}
    result, results, _ = run_against(tmp_path, combined)
    assert result.returncode == 1, result.output
    failed = failures(results)
    assert sorted(failed) == sorted(expected), result.output
    assert {check: failed[check] for check, cause in expected.items() if cause not in failed[check]} == {}


@pytest.mark.parametrize(("settings", "finding"), [
    ({"grant_answers": "legacy"}, "the grant endpoint returned tokens without `expires_in`"),
    ({"_unlimited_clients": True}, "`impersonate` (grant_scopes[outside-allowed-scopes])"),
])
def test_what_a_correct_tenant_does_unsafely_is_a_finding_not_a_failure(tmp_path, settings, finding):
    """Tokens of a legacy client that never expire, and a client granting a scope the profile does not name
    (when the profile declares no `allowed_scopes`): the run passes and the migration findings say so."""
    result, results, live = run_against(tmp_path, settings)
    assert result.returncode == 0 and failures(results) == {} and live == [], result.output
    assert finding in result.output, result.output

