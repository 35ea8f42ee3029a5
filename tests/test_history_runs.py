"""`zdconform history` over real runs of the suites against the emulator, with planted changes.

Three runs of one tenant (`_history.REAL_RUNS`): as it should be; with revocation doing nothing;
with API tokens switched off. The history must say the revocation checks start failing at run 2
and stop at run 3, the facts they contradict, and API token access switched off at run 3.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _history import REAL_FAILING, real_runs

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
