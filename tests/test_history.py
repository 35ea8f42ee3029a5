"""`zdconform history`: many runs' evidence as one history.json naming exactly what changed, and when.

The runs are `_history`'s: real evidence documents built by the publish code, five weeks of a
single-run tenant (acme, a check failing at runs 3-4) and a fleet (beta switching API tokens
off at run 4, gamma unchanged).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from _history import DIGESTS, PLANTED, REVOKE, write_history_runs

from zdconform.cli import main
from zdconform.conformance.schemas import load_registry


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> list[Path]:
    return write_history_runs(tmp_path_factory.mktemp("runs"))


def history(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["history", *args])
    out, err = capsys.readouterr()
    return code, out, err


def written(capsys, folders, output: Path) -> dict:
    code, out, err = history(capsys, *map(str, folders), "--output", str(output))
    assert code == 0, out + err
    return json.loads(output.read_text())


def named(document: dict) -> dict[str, set[tuple[int, str, str]]]:
    return {t["name"]: {(x["run"], x["kind"], x["subject"]) for x in t["transitions"]} for t in document["tenants"]}


def test_the_history_names_exactly_the_planted_transitions_at_their_runs(runs, tmp_path, capsys):
    document = written(capsys, reversed(runs), tmp_path / "history.json")  # the folders' order does not matter
    assert load_registry().validate(document, "history") == []
    assert named(document) == PLANTED
    assert document["totals"] == {"tenants": 3, "runs": 15, "transitions": 6}
    for tenant in document["tenants"]:
        starts = [r["started_at"] for r in tenant["runs"]]
        assert starts == sorted(starts) and [r["run"] for r in tenant["runs"]] == [1, 2, 3, 4, 5]
    acme = document["tenants"][0]
    assert [r["checks"][REVOKE] for r in acme["runs"]] == ["pass", "pass", "fail", "fail", "pass"]
    assert [r["verdict"] for r in acme["runs"]] == ["pass", "pass", "fail", "fail", "pass"]
    assert [r["recording"]["manifest_sha256"] for r in acme["runs"]] == DIGESTS["acme"]
    assert [r["days_left"] for r in acme["runs"]] == [179, 172, 165, 158, 151]  # to 2027-04-30
    assert ["F-29" in r["facts"]["contradicted"] for r in acme["runs"]] == [False, False, True, True, False]


def test_the_summary_says_each_transition_in_a_sentence(runs, tmp_path, capsys):
    code, out, _ = history(capsys, *map(str, runs), "--output", str(tmp_path / "h.json"))
    assert code == 0
    assert "zdconform history: 15 run(s) of 3 tenant(s), 6 transition(s)" in out
    assert f"  {REVOKE} starts failing (fail) at run 3 (2026-11-16)" in out
    assert "  API token access switched off at run 4 (2026-11-23)" in out
    assert "week 2026-W49: API token access enabled on 2 of 3 tenants" in out


def test_what_fails_now_says_since_which_run(runs, tmp_path, capsys):
    document = written(capsys, runs[:8], tmp_path / "history.json")  # the first four weeks
    acme = document["tenants"][0]
    assert acme["current"]["failing"] == [{"check_id": REVOKE, "since_run": 3, "since": "2026-11-16T06:00:00Z"}]
    assert acme["current"]["contradicted"] == [{"fact": "F-29", "since_run": 3, "since": "2026-11-16T06:00:00Z"}]


def test_the_weekly_trend_counts_tenants_accepting_api_tokens(runs, tmp_path, capsys):
    trends = written(capsys, runs, tmp_path / "history.json")["trends"]
    assert [t["week"] for t in trends] == ["2026-W45", "2026-W46", "2026-W47", "2026-W48", "2026-W49"]
    assert [len(t["api_token_enabled"]) for t in trends] == [3, 3, 3, 2, 2]
    assert trends[3]["api_token_enabled"] == ["acme", "gamma"]
    assert trends[3]["summary"] == "API token access enabled on 2 of 3 tenants"
    assert [t["verdicts"]["fail"] for t in trends] == [0, 0, 1, 1, 0]


def test_a_run_given_twice_counts_once(runs, tmp_path, capsys):
    copy = shutil.copytree(runs[0], tmp_path / "copy")
    document = written(capsys, [*runs, runs[0], copy], tmp_path / "history.json")
    assert document["totals"]["runs"] == 15 and named(document) == PLANTED


def refused(capsys, folders, output: Path) -> str:
    before = output.exists()
    code, out, err = history(capsys, *map(str, folders), "--output", str(output))
    assert code == 2 and out == "" and output.exists() == before
    assert err.startswith("zdconform: error: ") and "Traceback" not in err and len(err.strip().splitlines()) == 1
    return err


def test_an_edited_copy_of_a_run_is_refused(runs, tmp_path, capsys):
    copy = shutil.copytree(runs[0], tmp_path / "copy")
    document = json.loads((copy / "evidence.json").read_text())
    document["checks"][0]["verdict"] = "fail"
    (copy / "evidence.json").write_text(json.dumps(document))
    err = refused(capsys, [*runs, copy], tmp_path / "history.json")
    assert "Two different evidence documents claim the run of tenant 'acme' started at 2026-11-02T06:00:00Z" in err


@pytest.mark.parametrize(("make", "fragment"), [
    pytest.param(lambda d: d / "missing", "does not exist", id="missing-folder"),
    pytest.param(lambda d: d, "holds no evidence", id="no-evidence"),
    pytest.param(lambda d: (d / "evidence.json").write_text("{") and d, "is not JSON", id="truncated"),
    pytest.param(lambda d: (d / "evidence.json").write_text('{"$schema": 1}') and d,
                 "is not a valid zdconform evidence document", id="not-evidence"),
])
def test_bad_input_gets_one_paragraph_and_nothing_written(runs, tmp_path, capsys, make, fragment):
    bad = tmp_path / "bad"
    bad.mkdir()
    assert fragment in refused(capsys, [runs[0], make(bad)], tmp_path / "history.json")


def test_an_output_that_is_a_folder_is_refused(runs, tmp_path, capsys):
    assert "is a folder" in refused(capsys, runs, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_output_is_refused_before_reading(runs, tmp_path, capsys):
    (tmp_path / "file").write_text("")
    refused(capsys, runs, tmp_path / "file" / "history.json")


def test_a_folder_of_past_reports_is_read_as_every_reports_folder_in_it(runs, tmp_path, capsys):
    past = tmp_path / "past"
    for folder in runs:  # as downloaded: one folder per run, its reports inside
        shutil.copytree(folder, past / folder.name / "reports")
    document = written(capsys, [past], tmp_path / "history.json")
    assert named(document) == PLANTED and document["totals"]["runs"] == 15
    assert document["tenants"][0]["runs"][0]["source"]["reports"] == "past/acme-2026-11-02/reports"


def test_a_credential_of_the_environment_in_an_evidence_is_never_written(runs, tmp_path, capsys, monkeypatch):
    secret = "fake-api-token-7f3a9c1e5b"
    monkeypatch.setenv("ZENDESK_API_TOKEN", secret)
    copy = shutil.copytree(runs[4], tmp_path / "copy")  # acme's third run: its failure's reason is free text
    document = json.loads((copy / "evidence.json").read_text())
    next(c for c in document["checks"] if c["verdict"] == "fail")["reason"] += f" (sent {secret})"
    (copy / "evidence.json").write_text(json.dumps(document))
    err = refused(capsys, [runs[0], copy], tmp_path / "history.json")
    assert "ZENDESK_API_TOKEN" in err and secret not in err


def test_the_schema_refuses_what_no_history_holds(runs, tmp_path, capsys):
    document = written(capsys, runs, tmp_path / "history.json")
    for change in (lambda d: d["tenants"][0]["transitions"][0].update(run=1),  # nothing changes at a first run
                   lambda d: d["tenants"][0]["runs"][0].update(api_token_access="maybe"),
                   lambda d: d["tenants"][0]["current"]["failing"].append({"check_id": REVOKE}),
                   lambda d: d["trends"][0].update(extra=1)):
        broken = json.loads(json.dumps(document))
        change(broken)
        assert load_registry().validate(broken, "history") != []
