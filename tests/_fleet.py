"""A fleet of emulated tenants for the fleet tests and the fleet benchmark.

`write_fleet(folder, emulator)` writes a profile and a fleet file naming every tenant of a
`FleetEmulator` at its `/tenants/NAME` URL; `fleet_env()` holds the variables the fleet file
names (the emulator's fake credentials, shared by every generated tenant); `tokens_of(emulator,
name)` is what a tenant's Create Token calls and grants minted; `run_tenant` is one real run of
the suites against an emulator of its own with the given tenant settings.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import yaml

from zdconform.emulator import DEFAULT_CREDENTIALS, ZendeskEmulator, default_tenant, tenant_to_dict

from _helpers import emulator_env, run_suites

PROFILE = {"name": "fleet-policy", "expect": {"password": "disabled", "api_token": "enabled", "oauth": "enabled"},
           "oauth_client": "OAuth client for my app", "scopes": ["read", "write"]}
_ADMIN, _AGENT = DEFAULT_CREDENTIALS["admin"], DEFAULT_CREDENTIALS["agent"]
_CLIENT = DEFAULT_CREDENTIALS["oauth_client"]
VALUES = {  # credential kind -> (the variable the fleet file names, its value)
    "email": ("FLEET_ADMIN_EMAIL", _ADMIN["email"]), "password": ("FLEET_ADMIN_PASSWORD", _ADMIN["password"]),
    "api_token": ("FLEET_ADMIN_API_TOKEN", _ADMIN["api_token"]),
    "oauth_token": ("FLEET_ADMIN_OAUTH_TOKEN", _ADMIN["oauth_token"]),
    "agent_email": ("FLEET_AGENT_EMAIL", _AGENT["email"]),
    "agent_api_token": ("FLEET_AGENT_API_TOKEN", _AGENT["api_token"]),
    "agent_oauth_token": ("FLEET_AGENT_OAUTH_TOKEN", _AGENT["oauth_token"]),
    "expired_oauth_token": ("FLEET_EXPIRED_OAUTH_TOKEN", DEFAULT_CREDENTIALS["expired_oauth_token"]),
    "oauth_client_identifier": ("FLEET_CLIENT_IDENTIFIER", _CLIENT["client_identifier"]),
    "oauth_client_secret": ("FLEET_CLIENT_SECRET", _CLIENT["client_secret"]),
}


def fleet_env() -> dict[str, str]:
    return {variable: value for variable, value in VALUES.values()}


def tokens_of(emulator, name: str) -> tuple[list[Any], list[Any]]:
    """Tenant `name`'s tokens made by Create Token, and those its grants made (the emulator's own
    records: `.id`, `.token`, and for a grant `.refresh_token`), read under the tenant's lock."""
    app = emulator.app_of(name)
    with app.lock:
        return list(app.state.created), list(app.state.granted)


def write_fleet(folder: Path, emulator, names: list[str] | None = None) -> Path:
    """fleet.yaml (and profile.yaml beside it) for the emulator's tenants `names` (default: all)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "profile.yaml").write_text(yaml.safe_dump(PROFILE))
    credentials = {kind: variable for kind, (variable, _) in VALUES.items()}
    tenants = [{"name": name, "url": emulator.tenant_url(name), "profile": "profile.yaml",
                "credentials": dict(credentials)} for name in (names or emulator.names)]
    path = folder / "fleet.yaml"
    path.write_text(yaml.safe_dump({"tenants": tenants}, sort_keys=False))
    return path


def run_tenant(folder: Path, name: str, settings: dict, api_token: str, emulators: contextlib.ExitStack) -> None:
    """One tenant's real run: `folder`/reports (evidence) and `folder`/cassettes (its recording).
    Its emulator stays up in `emulators` until every tenant has run: each tenant gets its own
    port, so its own cassette folder name (`127.0.0.1_PORT`), as real tenants have their own hosts."""
    tenant = tenant_to_dict(default_tenant())
    tenant["settings"].update({k: v for k, v in settings.items() if k != "misbehave"})
    tenant["settings"]["misbehave"].update(settings.get("misbehave", {}))
    profile = folder / "profile.yaml"
    folder.mkdir(parents=True)
    expect = {**PROFILE["expect"], "api_token": api_token}
    profile.write_text(yaml.safe_dump({"name": f"{name}-profile", "expect": expect,
                                       "oauth_client": "OAuth client for my app", "scopes": ["read", "write"]}))
    emulator = emulators.enter_context(ZendeskEmulator(tenant=tenant))
    result = run_suites(f"--zd-target={emulator.url}", f"--zd-cassette-root={folder / 'cassettes'}",
                        f"--zd-reports={folder / 'reports'}", f"--zd-profile={profile}",
                        env=emulator_env(agent_password=False))
    path = folder / "reports" / "evidence.json"
    assert path.exists(), result.output[-3000:]
    evidence = json.loads(path.read_text())
    evidence["target"]["tenant"] = name  # what a fleet run writes: the fleet file's name for the tenant
    path.write_text(json.dumps(evidence, indent=2) + "\n")
