"""Every negative check can fail: run the suites against an emulator that behaves wrongly.

Each case starts the reference emulator with one fault in its tenant settings, runs the real
suites against it as a tenant URL (credentials in ZENDESK_* variables, as a live run takes
them), and asserts that exactly the checks that should notice fail, each with a reason that
names the cause. The same tenant without the fault passes, so the failures are the fault's.
"""

from __future__ import annotations

import json
import time

import pytest
import yaml

from zdconform.emulator import ZendeskEmulator, default_tenant, tenant_to_dict
from zdconform.emulator.resources.state import LATE_REVOKE_SECONDS

from _helpers import emulator_env, run_suites

PROFILE = {"name": "misbehaving", "expect": {"password": "disabled", "api_token": "enabled", "oauth": "enabled"},
           "oauth_client": "OAuth client for my app", "scopes": ["read", "write"]}
PASSWORD_ON = "but the tenant profile expects email and password access to be disabled"
API_TOKEN_OFF = "API token access is disabled on this tenant"
AGENT = "let an agent use an admin-only endpoint"
REVOKED = "revoked token still works"
NON_ZENDESK_401 = "does not conform to schema `error_401_"  # a refusal, but not with a body Zendesk sends

pytestmark = pytest.mark.e2e  # every test here starts a conformance run in a fresh interpreter

CASES = [
    pytest.param({"misbehave": {"accept_wrong_password": True}}, {
        "negative_auth[wrong-password]": "accepted a wrong password",
        "list_clients[email-password]": PASSWORD_ON,  # it accepts the right password too
        "create_token[email-password]": PASSWORD_ON,
        "auth_fuzz[password]": "a malformed password credential",  # any password: its mutations too
    }, id="accept-wrong-password"),
    pytest.param({"misbehave": {"agents_are_admins": True}}, {
        "roles[agent-oauth-bearer-list-clients]": AGENT,
        "roles[agent-oauth-bearer-create-token]": AGENT,
        "roles[agent-api-token-list-clients]": AGENT,
        "roles[agent-api-token-create-token]": AGENT,
    }, id="agents-are-admins"),
    pytest.param({"misbehave": {"revoke_is_noop": True}}, {
        "negative_auth[revoked-token]": "the revoked token still works",
        "token_lifecycle[revoke-by-id]": REVOKED,
        "token_lifecycle[revoke-current]": REVOKED,
    }, id="revoke-is-noop"),
    pytest.param({"misbehave": {"nonstandard_401": True}}, {
        **{f"negative_auth[{case}]": NON_ZENDESK_401 for case in (
            "wrong-password", "unknown-email-password", "wrong-api-token", "unknown-email-api-token",
            "api-token-as-bearer", "oauth-token-as-basic", "revoked-token", "expired-token", "malformed-basic",
            "basic-without-colon", "empty-bearer", "unknown-scheme", "no-authorization")},
        "list_clients[email-password]": NON_ZENDESK_401, "create_token[email-password]": NON_ZENDESK_401,
        "token_lifecycle[revoke-by-id]": NON_ZENDESK_401, "token_lifecycle[revoke-current]": NON_ZENDESK_401,
        **{f"grant_client_credentials[{case}]": "does not conform to schema `oauth_error`"
           for case in ("wrong-secret", "unknown-client", "public-client")},
        "grant_refresh[rotation]": NON_ZENDESK_401,
    }, id="non-zendesk-401-body"),
    pytest.param({"password_access": True}, {
        "list_clients[email-password]": PASSWORD_ON,
        "create_token[email-password]": PASSWORD_ON,
    }, id="password-access-on-against-profile"),
    pytest.param({"api_token_access": False}, {
        "list_clients[api-token]": API_TOKEN_OFF,
        "create_token[api-token]": API_TOKEN_OFF,
        "users_bearer[minted-with-api-token-offset]": API_TOKEN_OFF,
        "users_bearer[minted-with-api-token-cursor]": API_TOKEN_OFF,
        "roles[agent-api-token-list-clients]": API_TOKEN_OFF,
        "roles[agent-api-token-create-token]": API_TOKEN_OFF,
    }, id="api-token-access-off-against-profile"),
    pytest.param({"misbehave": {"accept_wrong_client_secret": True}}, {
        "grant_client_credentials[wrong-secret]": "accepts a wrong client secret",
    }, id="accept-wrong-client-secret"),
    pytest.param({"misbehave": {"refresh_without_rotation": True}}, {
        "grant_refresh[rotation]": "does not rotate refresh tokens",
    }, id="refresh-without-rotation"),
]


def run_against(tmp_path, settings):
    """Run every suite against an emulator tenant with `settings`; (exit code, output, results)."""
    tenant = tenant_to_dict(default_tenant())
    settings = dict(settings)
    filler = settings.pop("_clients_before", 0)  # clients listed before the suite's own: it is on a later page
    template = tenant["clients"][0]
    tenant["clients"] = [{**template, "id": 1000 + n, "name": f"Integration {n}", "identifier": f"integration_{n}"}
                         for n in range(filler)] + tenant["clients"]
    if settings.pop("_unlimited_clients", False):  # no allowed-scopes limit on any client (the limit is optional)
        tenant["clients"] = [{**client, "allowed_scopes": None} for client in tenant["clients"]]
    tenant["settings"].update({k: v for k, v in settings.items() if k != "misbehave"})
    tenant["settings"]["misbehave"].update(settings.get("misbehave", {}))
    profile = tmp_path / "profile.yaml"
    profile.write_text(yaml.safe_dump(PROFILE))
    with ZendeskEmulator(tenant=tenant) as emulator:
        result = run_suites(f"--zd-target={emulator.url}", f"--zd-cassette-root={tmp_path / 'cassettes'}",
                            f"--zd-reports={tmp_path / 'reports'}", f"--zd-profile={profile}",
                            env=emulator_env(agent_password=False, expired=True))
        if "delayed" in (settings.get("revocation"), settings.get("revoke_current")):
            time.sleep(LATE_REVOKE_SECONDS + 0.2)  # the run's last revocations take effect that much later
        live = [t["id"] for t in emulator.live_tokens() if t["id"] >= 1_830_000_000_001]
    results = json.loads((tmp_path / "reports" / "results.json").read_text())["results"]
    return result, {r["check_id"]: r for r in results}, live


def failures(results):
    return {check: r["reason"] for check, r in results.items() if r["verdict"] == "fail"}


@pytest.mark.parametrize(("settings", "expected"), CASES)
def test_the_suite_catches_the_misbehaviour(tmp_path, settings, expected):
    result, results, _ = run_against(tmp_path, settings)
    assert result.returncode == 1, result.output
    failed = failures(results)
    assert sorted(failed) == sorted(expected), result.output
    wrong = {check: failed[check] for check, cause in expected.items() if cause not in failed[check]}
    assert wrong == {}, "each failure must name its cause"
    if settings.get("misbehave", {}).get("revoke_is_noop"):  # a security finding, naming the known reports
        assert "[high] Revoked OAuth tokens keep working" in result.output
        reason = failed["token_lifecycle[revoke-current]"]
        assert "known Zendesk behaviour" in reason and "4627188332186 (2022) and 5537132288282 (2023)" in reason


def test_the_same_tenant_behaving_passes(tmp_path):
    result, results, live = run_against(tmp_path, {})
    assert result.returncode == 0, result.output
    assert failures(results) == {}
    skipped = {check for check, r in results.items() if r["verdict"] == "skipped"}
    assert skipped == {"roles[end-user-oauth-bearer-list-clients]", "roles[end-user-oauth-bearer-create-token]",
                       "users_bearer[minted-with-email-password-offset]",
                       "users_bearer[minted-with-email-password-cursor]",
                       "grant_expiry[expired-token-refused]",  # a live tenant's token outlives the run
                       *(f"grant_authorization_code[{case}]" for case in (  # a code needs a person
                           "pkce-right-verifier", "pkce-wrong-verifier", "code-reused"))}
    expiry = results["grant_expiry[expired-token-refused]"]
    assert expiry["reason"].startswith("not exercised: the run lasted")
    assert expiry["details"]["expiry_probe"]["expires_at"]
    assert live == [], "every token the suite minted must be revoked"
    assert "OAuth tokens that never expire" in result.output


def test_expiring_tokens_are_reported_with_when_they_lapse(tmp_path):
    result, results, _ = run_against(tmp_path, {"oauth_token_ttl_seconds": 1800})
    assert result.returncode == 0, result.output
    lifecycle = [r for check, r in results.items() if check.startswith("token_lifecycle[")]
    assert len(lifecycle) == 2
    assert all(r["details"]["token_lapses_in_seconds"] == 1800 and r["details"]["token_expires_at"] for r in lifecycle)
    assert "OAuth tokens that never expire" not in result.output


def test_a_tenant_keeping_expired_tokens_alive_fails_on_the_emulators_clock(tmp_path):
    """Expiry needs the emulator's clock: run the suites with `--zd-target=emulator` and a tenant file."""
    tenant = tenant_to_dict(default_tenant())
    tenant["settings"]["misbehave"]["expired_tokens_work"] = True
    tenant_file = tmp_path / "tenant.yaml"
    tenant_file.write_text(yaml.safe_dump(tenant))
    result = run_suites("--zd-target=emulator", f"--zd-emulator-tenant={tenant_file}",
                        f"--zd-cassette-root={tmp_path / 'cassettes'}", f"--zd-reports={tmp_path / 'reports'}")
    results = {r["check_id"]: r for r in json.loads((tmp_path / "reports" / "results.json").read_text())["results"]}
    failed = failures(results)
    assert result.returncode == 1, result.output
    assert sorted(failed) == ["grant_expiry[expired-token-refused]", "negative_auth[expired-token]"], result.output
    assert "keeps an expired token alive" in failed["grant_expiry[expired-token-refused]"]
