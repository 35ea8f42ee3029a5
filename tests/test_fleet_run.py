"""A fleet run end to end: 24 emulated tenants, some broken on purpose, on two xdist workers, and
eight of them again in four shards. One run of each serves every assertion here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _fleet import fleet_env, write_fleet
from test_misbehaving_tenant import CASES

from zdconform.emulator import FleetEmulator
from zdconform.emulator.tenant.fleetgen import DEFECTS, generate_fleet

from _helpers import ROOT

pytestmark = pytest.mark.e2e  # the fleet runs through `zdconform run --fleet`, in fresh interpreters

SEED, SIZE, SHARDS, SHARDED = 13, 24, 4, 8
CHECKS = 56  # every check of the suites, once per tenant (as tests/test_honest_runs.py counts them)
TOKEN_ID_BASE = 1_830_000_000_001  # the emulator's first id for a token created while it runs
# defect -> the checks it must fail: the cases of test_misbehaving_tenant with the same settings
EXPECTED = {defect: set(case.values[1]) for defect, settings in DEFECTS.items()
            for case in CASES if case.values[0] == settings}


def zdconform_run(reports: Path, fleet: Path, *args: str) -> subprocess.Popen[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDCONFORM_", "FLEET_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "zdconform", "run", "--fleet", str(fleet), "--reports", str(reports),
         f"--zd-cassette-root={reports.parent / 'cassettes'}", "-p", "no:cacheprovider", *args],
        cwd=ROOT, env={**clean, **fleet_env()}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def verdicts(reports: Path) -> dict[str, dict[str, str]]:
    """tenant -> check id -> verdict, from each tenant's results.json."""
    found = {}
    for folder in sorted((reports / "tenants").iterdir()):
        results = json.loads((folder / "results.json").read_text())["results"]
        found[folder.name] = {r["check_id"]: r["verdict"] for r in results}
    return found


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    base = tmp_path_factory.mktemp("fleet")
    generated = generate_fleet(SEED, SIZE)
    with FleetEmulator([t.data for t in generated]) as emulator:
        whole = zdconform_run(base / "whole" / "reports", write_fleet(base / "whole", emulator), "-n", "2")
        output = whole.communicate(timeout=600)[0]
        subset = write_fleet(base / "subset", emulator, emulator.names[:SHARDED])
        shards = [zdconform_run(base / f"shard-{k}" / "reports", subset, f"--fleet-shard={k}/{SHARDS}")
                  for k in range(1, SHARDS + 1)]
        shard_outputs = [shard.communicate(timeout=600)[0] for shard in shards]
        left = {name: [t["id"] for t in emulator.live_tokens_of(name) if t["id"] >= TOKEN_ID_BASE]
                for name in emulator.names}
        throttled = {name: [entry for entry in emulator.request_log_of(name) if entry[2] == 429]
                     for name in emulator.names}
        emulator.check()
    return {"base": base, "generated": generated, "code": whole.returncode, "output": output,
            "shard_codes": [s.returncode for s in shards], "shard_outputs": shard_outputs,
            "left": left, "throttled": throttled}


def test_the_fleet_names_exactly_the_broken_tenants_and_their_checks(fleet):
    assert set(EXPECTED) == set(DEFECTS), "every planted defect has its expected failures"
    found = verdicts(fleet["base"] / "whole" / "reports")
    assert sorted(found) == [t.name for t in fleet["generated"]]
    failing = {name: {check for check, verdict in checks.items() if verdict == "fail"}
               for name, checks in found.items()}
    wanted = {t.name: EXPECTED[t.defect] if t.defect else set() for t in fleet["generated"]}
    assert failing == wanted, fleet["output"][-3000:]
    assert any(wanted.values()) and not all(wanted.values())  # the fleet has broken and correct tenants
    assert fleet["code"] == 1
    for t in fleet["generated"]:  # one summary line per tenant, its verdict first
        assert f"{'FAIL' if t.defect else 'ok':4} {t.name}: " in fleet["output"]


def test_each_tenant_ran_on_one_worker_with_its_own_reports(fleet):
    reports = fleet["base"] / "whole" / "reports"
    workers = {}
    for t in fleet["generated"]:
        folder = reports / "tenants" / t.name
        results = json.loads((folder / "results.json").read_text())["results"]
        assert len(results) == CHECKS and all("@" not in r["check"] for r in results)
        workers[t.name] = {r["details"].get("worker") for r in results}
        evidence = json.loads((folder / "evidence.json").read_text())
        manifest = fleet["base"] / "whole" / "cassettes" / t.name / "MANIFEST.json"
        assert evidence["target"]["tenant"] == t.name and evidence["target"]["slug"] == t.name
        assert evidence["cassettes"]["manifest_sha256"] == json.loads(manifest.read_text())["manifest_sha256"]
        assert evidence["summary"]["verdicts"]["fail"] == (len(EXPECTED[t.defect]) if t.defect else 0)
        junit = (folder / "junit.xml").read_text()
        assert f'failures="{evidence["summary"]["verdicts"]["fail"]}"' in junit
    assert all(len(ids) == 1 for ids in workers.values()), workers
    assert set().union(*workers.values()) == {"gw0", "gw1"}


def test_no_token_is_left_and_no_429_reaches_a_check(fleet):
    assert fleet["left"] == {t.name: [] for t in fleet["generated"]}
    assert fleet["throttled"] == {t.name: [] for t in fleet["generated"]}


def test_four_shards_give_the_verdicts_of_one_unsharded_run(fleet):
    whole = verdicts(fleet["base"] / "whole" / "reports")
    shards = [verdicts(fleet["base"] / f"shard-{k}" / "reports") for k in range(1, SHARDS + 1)]
    names = [name for shard in shards for name in shard]
    assert sorted(names) == sorted(whole)[:SHARDED], "every tenant in exactly one shard"
    assert {name: checks for shard in shards for name, checks in shard.items()} == \
        {name: whole[name] for name in names}
    broken = {t.name for t in fleet["generated"][:SHARDED] if t.defect}
    assert [code for code in fleet["shard_codes"]] == \
        [1 if broken & set(shard) else 0 for shard in shards], fleet["shard_outputs"]


def fleet_evidence(document: dict) -> dict[str, tuple[str, dict, list[str]]]:
    """tenant -> (verdict, verdict counts, failing check ids) from a fleet.json."""
    return {t["name"]: (t["verdict"], t["checks"], sorted(f["check_id"] for f in t["failures"]))
            for t in document["tenants"]}


def test_the_run_ends_with_the_fleet_evidence_naming_exactly_the_broken_tenants(fleet):
    document = json.loads((fleet["base"] / "whole" / "reports" / "fleet.json").read_text())
    found = fleet_evidence(document)
    assert {name: (verdict, failing) for name, (verdict, _, failing) in found.items()} == \
        {t.name: ("fail", sorted(EXPECTED[t.defect])) if t.defect else ("pass", []) for t in fleet["generated"]}
    assert document["verdict"] == "fail" and (fleet["base"] / "whole" / "reports" / "fleet.html").is_file()


def test_four_shards_merged_give_the_fleet_evidence_of_one_run(fleet, tmp_path):
    from zdconform.reporting.merge import merge_reports

    shards = [fleet["base"] / f"shard-{k}" / "reports" for k in range(1, SHARDS + 1)]
    merged = fleet_evidence(merge_reports(shards, tmp_path).document)
    whole = fleet_evidence(json.loads((fleet["base"] / "whole" / "reports" / "fleet.json").read_text()))
    assert merged == {name: whole[name] for name in sorted(whole)[:SHARDED]}
