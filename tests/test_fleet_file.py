"""Fleet files: what they accept, the one paragraph each mistake gets, and the shards they split into."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from zdconform.exceptions import UsageError
from zdconform.runs.tenants import tenant_of, without_tenant
from zdconform.settings import parse_target
from zdconform.settings.fleet import CREDENTIAL_KINDS, load_fleet, parse_shard, shard, tenant_env

ENV = {"ACME_EMAIL": "qa@acme.example", "ACME_TOKEN": "fake-acme-api-token", "BETA_OAUTH": "fake-beta-bearer"}
ACME = {"name": "acme", "url": "https://acme.zendesk.com", "profile": "profile.yaml",
        "credentials": {"email": "ACME_EMAIL", "api_token": "ACME_TOKEN"}}
BETA = {"name": "beta-eu", "url": "https://beta.zendesk.com/", "credentials": {"oauth_token": "BETA_OAUTH"}}


def write(tmp_path, data):
    (tmp_path / "profile.yaml").write_text(yaml.safe_dump({"expect": {"password": "disabled"}}))
    path = tmp_path / "fleet.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(json.loads(json.dumps(data))))  # no aliases
    return path


def test_a_fleet_file_loads_with_paths_from_its_own_folder(tmp_path):
    fleet = load_fleet(write(tmp_path, {"tenants": [ACME, BETA]}), ENV)
    acme, beta = fleet.tenants
    assert fleet.names() == ["acme", "beta-eu"]
    assert acme.profile == str((tmp_path / "profile.yaml").resolve()) and beta.profile is None
    assert beta.url == "https://beta.zendesk.com"
    assert tenant_env(acme, ENV) == {"ZENDESK_EMAIL": "qa@acme.example", "ZENDESK_API_TOKEN": "fake-acme-api-token"}
    assert tenant_env(beta, ENV) == {"ZENDESK_OAUTH_TOKEN": "fake-beta-bearer"}


def test_every_credential_a_single_run_reads_has_a_kind():
    assert CREDENTIAL_KINDS["oauth_client_identifier"] == "ZENDESK_OAUTH_CLIENT_IDENTIFIER"
    assert CREDENTIAL_KINDS["oauth_client_secret"] == "ZENDESK_OAUTH_CLIENT_SECRET"
    assert CREDENTIAL_KINDS["agent_api_token"] == "ZENDESK_AGENT_API_TOKEN"
    assert len(CREDENTIAL_KINDS) == len(set(CREDENTIAL_KINDS.values()))


@pytest.mark.parametrize(("tenants", "fragment"), [
    pytest.param([ACME, ACME], "lists the tenant 'acme' twice", id="duplicate"),
    pytest.param([{**ACME, "token": "x"}], "unknown key 'token'", id="unknown-key"),
    pytest.param([{**ACME, "credentials": {"api_token": "ACME_UNSET"}}], "not set (acme: ACME_UNSET)", id="unset"),
    pytest.param([{**ACME, "url": "http://acme.zendesk.com"}], "plain http", id="plain-http"),
    pytest.param([{**ACME, "url": "https://acme.zendesk.com/api/v2"}], "path or query", id="path"),
    pytest.param([{**ACME, "url": "https://exa mple.com"}], "not a valid host name", id="bad-host"),
    pytest.param([{**ACME, "url": "emulator"}], "not a tenant URL", id="not-a-url"),
    pytest.param([{**ACME, "url": None}], "has no `url`", id="no-url"),
    pytest.param([{**ACME, "name": "Acme/prod"}], "safe folder name", id="unsafe-name"),
    pytest.param([{**ACME, "name": "reference-emulator"}], "safe folder name", id="reserved-name"),
    pytest.param([{**ACME, "credentials": {"secret": "ACME_TOKEN"}}], "unknown kind 'secret'", id="unknown-kind"),
    pytest.param([{**ACME, "credentials": {"api_token": "fake token value"}}], "NAME of an environment", id="value"),
    pytest.param([{**ACME, "profile": "missing.yaml"}], "is not a file", id="no-profile"),
    pytest.param(["acme"], "not a mapping", id="not-a-mapping"),
    pytest.param([], "at least one tenant", id="empty"),
])
def test_each_mistake_gets_one_paragraph_naming_it(tmp_path, tenants, fragment):
    with pytest.raises(UsageError) as caught:
        load_fleet(write(tmp_path, {"tenants": tenants}), ENV)
    message = str(caught.value)
    assert fragment in message and "\n" not in message
    assert "fake token value" not in message


@pytest.mark.parametrize(("text", "fragment"), [
    pytest.param("tenants: [", "not valid YAML", id="yaml"),
    pytest.param("tenants: []\nextra: 1\n", "one key, `tenants:`", id="top-level-key"),
    pytest.param("a: &x [1]\ntenants: *x\n", "aliases", id="alias"),
    pytest.param("tenants: " + "[" * 100_000 + "]" * 100_000, "nests deeper", id="nested-too-deep"),
])
def test_a_malformed_file_is_refused(tmp_path, text, fragment):
    with pytest.raises(UsageError, match=fragment):
        load_fleet(write(tmp_path, text), ENV)


def test_a_malformed_profile_is_refused_when_the_fleet_loads(tmp_path):
    path = write(tmp_path, {"tenants": [ACME]})
    (tmp_path / "profile.yaml").write_text("expect: {password: sometimes}\n")
    with pytest.raises(UsageError, match="profile.yaml"):
        load_fleet(path, ENV)


def test_only_the_shards_own_variables_must_be_set(tmp_path):
    path = write(tmp_path, {"tenants": [ACME, {**BETA, "credentials": {"oauth_token": "BETA_UNSET"}}]})
    assert load_fleet(path, ENV, shard_spec="1/2").names() == ["acme"]
    with pytest.raises(UsageError, match="BETA_UNSET"):
        load_fleet(path, ENV, shard_spec="2/2")


def test_a_loopback_emulator_tenant_is_a_target_where_a_single_run_takes_it():
    target = parse_target("http://127.0.0.1:8080/tenants/t001/")
    assert (target.kind, target.base_url, target.slug) == ("tenant", "http://127.0.0.1:8080/tenants/t001",
                                                           "127.0.0.1_8080_tenants_t001")
    with pytest.raises(UsageError, match="path or query"):
        parse_target("https://acme.zendesk.com/tenants/t001")  # the prefix is the local emulator's only


@pytest.mark.parametrize("spec", ["0/4", "5/4", "1/0", "a/b", "2", "-1/3"])
def test_a_bad_shard_is_refused(spec):
    with pytest.raises(UsageError, match="K/N"):
        parse_shard(spec)


@pytest.mark.parametrize("count", [1, 3, 4, 7, 24, 200])
@pytest.mark.parametrize("shards", [1, 2, 4, 5])
def test_shards_cover_every_tenant_exactly_once_and_stay_stable(count, shards):
    names = [f"tenant-{n:03d}" for n in range(count)]
    picked = [shard(names, k, shards) for k in range(1, shards + 1)]
    assert sorted(name for part in picked for name in part) == sorted(names)
    assert max(map(len, picked)) - min(map(len, picked)) <= 1  # round robin: balanced
    assert picked == [shard(list(reversed(names)), k, shards) for k in range(1, shards + 1)]  # order-free


@pytest.mark.parametrize(("nodeid", "tenant", "single"), [
    ("suites/t.py::test_x[api-token-@acme]", "acme", "suites/t.py::test_x[api-token]"),
    ("suites/t.py::test_x[@beta-eu]", "beta-eu", "suites/t.py::test_x"),
    ("suites/t.py::test_x[a-b-@c-d]", "c-d", "suites/t.py::test_x[a-b]"),
    ("suites/t.py::test_x[api-token]", None, "suites/t.py::test_x[api-token]"),
])
def test_a_check_names_its_tenant_last(nodeid, tenant, single):
    assert tenant_of(nodeid) == tenant
    assert without_tenant(nodeid) == single


def test_the_docs_fleet_file_loads(tmp_path):
    readme = (Path(__file__).resolve().parent.parent / "docs" / "fleet.md").read_text()
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if b.startswith("# fleet.yaml"))
    (tmp_path / "tenants").mkdir()
    (tmp_path / "tenants" / "acme.yaml").write_text(yaml.safe_dump({"expect": {"password": "disabled"}}))
    (tmp_path / "fleet.yaml").write_text(block)
    variables = {v for t in yaml.safe_load(block)["tenants"] for v in t["credentials"].values()}
    fleet = load_fleet(tmp_path / "fleet.yaml", {name: "fake-value" for name in variables})
    assert fleet.names() == ["acme", "acme-sandbox"]
    assert {"oauth_client_identifier", "oauth_client_secret"} <= set(fleet.tenants[1].credentials)


def test_a_fleet_tenant_names_its_oauth_client_id_and_reads_no_zendesk_variable(tmp_path):
    from zdconform.runs.plan import Plan
    from zdconform.runs.tenants import Runs
    from zdconform.settings import Options

    acme = {**ACME, "credentials": {**ACME["credentials"], "oauth_client_id": "ACME_CLIENT_ID"}}
    env = {**ENV, "ACME_CLIENT_ID": "777", "ZENDESK_OAUTH_CLIENT_ID": "999", "ZENDESK_EMAIL": "someone@else.example"}
    fleet = write(tmp_path, {"tenants": [acme, BETA]})
    options = Options(reports=tmp_path / "reports", cassette_root=tmp_path / "cassettes", project=tmp_path,
                      fleet=str(fleet))
    runs = Runs(Plan.make(options, env)).states  # described: nothing started
    assert (runs["acme"].client_id, runs["acme"].client_id_var) == ("777", "ACME_CLIENT_ID")
    assert runs["beta-eu"].client_id is None  # the shell's ZENDESK_OAUTH_CLIENT_ID is no tenant's
    assert "`credentials.oauth_client_id` of the fleet's tenant 'beta-eu'" == runs["beta-eu"].client_id_var
    assert runs["acme"].credentials["admin"].email == "qa@acme.example"
