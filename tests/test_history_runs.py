"""`zdconform history` over real runs of the suites against the emulator, with planted changes.

Three runs of one tenant (`_history.REAL_RUNS`): as it should be; with revocation doing nothing;
with API tokens switched off. The history must say the revocation checks start failing at run 2
and stop at run 3, the facts they contradict, and API token access switched off at run 3. Then two
weekly fleet runs of three tenants, one of which switches API tokens off: the history names that
tenant alone, and the weekly trend counts it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _history import REAL_FAILING, real_fleet_weeks, real_runs

from zdconform.cli import main
from zdconform.conformance.schemas import load_registry

from _helpers import made_once

pytestmark = pytest.mark.e2e  # the evidence comes from conformance runs in fresh interpreters


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    return made_once(tmp_path_factory, "history-real-runs", real_runs)


def test_real_runs_give_the_planted_transitions(runs, tmp_path, capsys):
    folders = [str(runs / f"run-{n}" / "reports") for n in (3, 1, 2)]
    assert main(["history", *folders, "--output", str(tmp_path / "history.json")]) == 0, capsys.readouterr()
    document = json.loads((tmp_path / "history.json").read_text())
    assert load_registry().validate(document, "history") == []
    (tenant,) = document["tenants"]
    assert tenant["name"] == "acme" and [r["verdict"] for r in tenant["runs"]] == ["pass", "fail", "pass"]
    found = {(t["run"], t["kind"], t["subject"]) for t in tenant["transitions"]}
    checks = {t for t in found if t[1].startswith(("check", "api"))}
    assert checks == {(2, "check-fails", c) for c in REAL_FAILING} | {(3, "check-recovers", c) for c in REAL_FAILING} \
        | {(3, "api-token-access-off", "api_token_access")}
    contradicted = set(tenant["runs"][1]["facts"]["contradicted"])
    assert contradicted and {t[2] for t in found if t[1] == "fact-contradicted"} == contradicted
    assert all(t[0] == 2 for t in found if t[1] == "fact-contradicted")
    assert (3, "finding-disappears", "API token access enabled") in found
    digests = [r["recording"]["manifest_sha256"] for r in tenant["runs"]]
    assert len(set(digests)) == 3 and all(digests), "each live run made its own recording"


@pytest.fixture(scope="module")
def fleet_weeks(tmp_path_factory) -> Path:
    return made_once(tmp_path_factory, "history-fleet-weeks", real_fleet_weeks)


def test_a_real_fleet_names_the_tenant_that_switched_api_tokens_off(fleet_weeks, tmp_path, capsys):
    assert main(["history", str(fleet_weeks), "--output", str(tmp_path / "history.json")]) == 0  # the folder of both
    out = capsys.readouterr().out
    document = json.loads((tmp_path / "history.json").read_text())
    assert load_registry().validate(document, "history") == []
    tenants = {t["name"]: t for t in document["tenants"]}
    assert sorted(tenants) == ["t001", "t002", "t003"] and all(len(t["runs"]) == 2 for t in tenants.values())
    api = {(name, x["run"], x["kind"]) for name, t in tenants.items() for x in t["transitions"]
           if x["kind"].startswith("api")}
    assert api == {("t002", 2, "api-token-access-off")}
    assert not tenants["t001"]["transitions"] and not tenants["t003"]["transitions"]
    failed = {x["subject"] for x in tenants["t002"]["transitions"] if x["kind"] == "check-fails"}
    methods = {f["check_id"]: f["auth_method"] for f in tenants["t002"]["runs"][1]["failures"]}
    assert failed and {methods[c] for c in failed} == {"api_token"}, methods  # its profile still expects them
    assert [len(w["api_token_enabled"]) for w in document["trends"]] == [3, 2]
    assert "API token access enabled on 2 of 3 tenants" in out
