"""Each tenant of a fleet is a whole run of its own: target, credentials, pacer, ledger, folders."""

from __future__ import annotations

import os

import pytest
import requests
from _fleet import VALUES, fleet_env, write_fleet

from zdconform.emulator import FleetEmulator, default_tenant, tenant_to_dict
from zdconform.runs.plan import Plan
from zdconform.runs.tenants import Runs
from zdconform.settings import resolve_options


def tenant(name):
    data = tenant_to_dict(default_tenant())
    data["subdomain"] = name
    return data


@pytest.fixture
def fleet_run(tmp_path, monkeypatch):
    for variable, value in fleet_env().items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("ZENDESK_API_TOKEN", "not-a-fleet-tenants-token")  # a single run's: never a tenant's
    with FleetEmulator([tenant("acme"), tenant("beta")]) as emulator:
        fleet = write_fleet(tmp_path / "fleet", emulator)
        options = resolve_options({"fleet": str(fleet), "reports": str(tmp_path / "reports")}, {}, os.environ,
                                  tmp_path)
        runs = Runs(Plan.make(options, os.environ))
        yield runs, emulator, tmp_path
        runs.close()


def test_each_tenant_has_its_own_run_state(fleet_run):
    fleet, emulator, root = fleet_run
    acme, beta = fleet.run("acme"), fleet.run("beta")
    assert fleet.run("acme") is acme and acme.started, "a tenant's run opens once"
    assert (acme.base_url, beta.base_url) == (emulator.tenant_url("acme"), emulator.tenant_url("beta"))
    assert acme.pacer is not beta.pacer and acme.ledger is not beta.ledger and acme.secrets is not beta.secrets
    assert acme.ledger.journal == root / ".zdconform" / "tokens-acme.json"
    assert beta.ledger.journal == root / ".zdconform" / "tokens-beta.json"
    assert (acme.store.folder, beta.store.folder) == (root / "cassettes" / "acme", root / "cassettes" / "beta")
    assert acme.options.reports == root / "reports" / "tenants" / "acme"
    assert acme.credentials["admin"].api_token == VALUES["api_token"][1]
    assert acme.info().tenant == "acme" and acme.target.slug == "acme"


def test_messages_name_the_tenants_own_variables(fleet_run):
    fleet, _, _ = fleet_run
    agent = fleet.run("acme").credentials["agent"]
    assert agent.source["api_token"] == VALUES["agent_api_token"][0]
    assert agent.missing_for("password") == ["`credentials.agent_password` of the fleet's tenant 'acme'"]


def test_the_fleet_redacts_every_tenants_secrets(fleet_run):
    fleet, _, _ = fleet_run
    fleet.run("acme")
    secret = VALUES["oauth_token"][1]
    assert secret not in fleet.redact(f"Authorization: Bearer {secret}")


def test_cleanup_of_a_fleet_revokes_what_each_tenant_left(fleet_run, capsys):
    from zdconform.cli import main as zdconform
    from zdconform.conformance.tokens import TokenLedger
    from zdconform.http.auth import OAuthBearerAuth

    fleet, emulator, root = fleet_run
    auth = OAuthBearerAuth(VALUES["oauth_token"][1])
    left = {}
    for name in ("acme", "beta"):  # a killed run: created, journalled, never revoked
        made = requests.post(emulator.tenant_url(name) + "/api/v2/oauth/tokens.json", auth=auth, timeout=5,
                             json={"token": {"client_id": 50328, "scopes": ["read"]}})
        left[name] = made.json()["token"]["id"]
        TokenLedger(root / ".zdconform" / f"tokens-{name}.json").add(left[name], auth, client_id=50328)
    (root / "cassettes").mkdir(exist_ok=True)  # a project folder
    assert zdconform(["cleanup", "--fleet", str(fleet.plan.fleet.source), "--project", str(root)]) == 0
    output = capsys.readouterr().out
    for name, token in left.items():
        assert token not in [t["id"] for t in emulator.live_tokens_of(name)], output
        assert not (root / ".zdconform" / f"tokens-{name}.json").exists()
