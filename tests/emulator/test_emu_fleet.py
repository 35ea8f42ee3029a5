"""One emulator, many tenants: told apart by Host or by `/tenants/NAME`, each with its own state."""

from __future__ import annotations

import pytest
import requests
import yaml

from zdconform.emulator import DEFAULT_CREDENTIALS, FleetEmulator, default_tenant, tenant_to_dict
from zdconform.emulator.tenant.fleetgen import DEFECTS, generate_fleet
from zdconform.exceptions import UsageError

BEARER = {"Authorization": f"Bearer {DEFAULT_CREDENTIALS['admin']['oauth_token']}"}
ME = "/api/v2/users/me.json"


def tenant(name, **settings):
    data = tenant_to_dict(default_tenant())
    data["subdomain"] = name
    data["settings"].update(settings)
    return data


@pytest.fixture(scope="module")
def fleet():
    with FleetEmulator([tenant("acme"), tenant("beta", api_token_access=False)]) as emulator:
        yield emulator


def test_a_path_prefix_and_a_host_name_reach_the_same_tenant(fleet):
    by_path = requests.get(fleet.tenant_url("acme") + ME, headers=BEARER, timeout=5)
    by_host = requests.get(fleet.url + ME, headers={**BEARER, "Host": f"acme.localhost:{fleet.port}"}, timeout=5)
    assert by_path.status_code == by_host.status_code == 200
    assert by_path.json()["user"]["id"] == by_host.json()["user"]["id"]
    assert (ME, 200) in [(path, status) for _, path, status in fleet.request_log_of("acme")]
    assert fleet.request_log_of("beta") == []


def test_each_tenant_keeps_its_own_policy_and_tokens(fleet):
    creds = DEFAULT_CREDENTIALS["admin"]
    api_token = (f"{creds['email']}/token", creds["api_token"])
    assert requests.get(fleet.tenant_url("acme") + ME, auth=api_token, timeout=5).json()["user"]["id"]
    assert requests.get(fleet.tenant_url("beta") + ME, auth=api_token, timeout=5).status_code in (401, 403)
    made = requests.post(fleet.tenant_url("acme") + "/api/v2/oauth/tokens.json", headers=BEARER, timeout=5,
                         json={"token": {"client_id": 50328, "scopes": ["read"]}})
    assert made.status_code == 201
    new = made.json()["token"]["id"]
    assert new in [t["id"] for t in fleet.live_tokens_of("acme")]
    assert new not in [t["id"] for t in fleet.live_tokens_of("beta")]


def test_links_keep_the_tenants_prefix(fleet):
    page = requests.get(fleet.tenant_url("acme") + "/api/v2/users.json?per_page=1", headers=BEARER, timeout=5)
    assert page.json()["next_page"].startswith(fleet.tenant_url("acme") + "/api/v2/users.json?")


@pytest.mark.parametrize("address", ["/tenants/nobody/api/v2/users/me.json", "/api/v2/users/me.json"])
def test_no_known_tenant_is_zendesks_404(fleet, address):
    response = requests.get(fleet.url + address, headers=BEARER, timeout=5)
    assert response.status_code == 404 and response.json()["error"] == "InvalidEndpoint"


def test_two_tenants_with_one_subdomain_are_refused():
    with pytest.raises(UsageError, match="two tenants with the subdomain 'acme'"):
        FleetEmulator([tenant("acme"), tenant("acme")])


def test_a_generated_fleet_is_varied_reproducible_and_broken_on_purpose():
    first, again = generate_fleet(13, 24), generate_fleet(13, 24)
    assert [(t.name, t.data, t.defect) for t in first] == [(t.name, t.data, t.defect) for t in again]
    defects = [t.defect for t in first if t.defect]
    assert 6 <= len(defects) < 24 and set(defects) == set(DEFECTS)  # every kind, dealt in turn
    assert len({t.data["settings"]["rate_limit_headers"] for t in first}) == 2
    with FleetEmulator([t.data for t in first]) as emulator:
        assert emulator.names == [f"t{n:03d}" for n in range(1, 25)]
        for generated in first:  # each planted defect is in force on its tenant, and on no other
            settings = emulator.app_of(generated.name).state.settings
            for key, value in DEFECTS.get(generated.defect or "", {}).items():
                switches = value.items() if key == "misbehave" else [(key, value)]
                holder = settings.misbehave if key == "misbehave" else settings
                assert all(getattr(holder, name) == wanted for name, wanted in switches), generated
            if generated.defect is None:
                assert not settings.password_access and settings.api_token_access
                assert not any(vars(settings.misbehave).values())


def test_the_command_line_serves_a_generated_fleet_or_several_tenant_files(tmp_path, capsys):
    from zdconform.emulator.__main__ import _emulator, build_parser, main

    generated = _emulator(build_parser().parse_args(["--fleet-seed", "3", "--fleet-size", "3"]), [])
    assert isinstance(generated, FleetEmulator) and generated.names == ["t001", "t002", "t003"]
    files = []
    for name in ("acme", "beta"):
        files.append(tmp_path / f"{name}.yaml")
        files[-1].write_text(yaml.safe_dump(tenant(name)))
    served = _emulator(build_parser().parse_args([f"--tenant={f}" for f in files]), [str(f) for f in files])
    assert isinstance(served, FleetEmulator) and served.names == ["acme", "beta"]
    assert main(["--fleet-seed", "3", "--tenant", str(files[0])]) == 2
    assert main(["--fleet-seed", "3", "--fleet-size", "0"]) == 2
    err = capsys.readouterr().err
    assert err.count("`--fleet-seed` generates the whole fleet") == 2 and "Traceback" not in err
