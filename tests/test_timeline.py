"""What the evidence notebook shows over time (`timeline`, `plots`) and how it is given its input
(`notebook_export.inject`): on `_history`'s planted runs, without a kernel."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from _history import REVOKE, write_history_runs

from zdconform.cli import main
from zdconform.exceptions import UsageError
from zdconform.reporting import plots, timeline
from zdconform.reporting.history import write_history
from zdconform.reporting.notebook_export import inject

from _helpers import ROOT

NOTEBOOK = ROOT / "notebooks" / "evidence.ipynb"


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> tuple[list[Path], dict]:
    root = tmp_path_factory.mktemp("planted")
    folders = write_history_runs(root)
    write_history(folders, root / "history.json")
    return folders, timeline.load(root / "history.json")


def tenant(history: dict, name: str) -> dict:
    return next(t for t in history["tenants"] if t["name"] == name)


def test_the_check_grid_puts_the_check_that_failed_first_with_its_verdicts(planted):
    grid = timeline.checks_grid(tenant(planted[1], "acme"))
    assert grid.rows[0] == REVOKE and grid.cells[REVOKE] == ["pass", "pass", "fail", "fail", "pass"]
    assert grid.runs[2] == "3\n11-16"
    assert f"{REVOKE} starts failing (fail) at run 3 (2026-11-16)" in grid.sentence
    assert f"{REVOKE} stops failing (pass) at run 5 (2026-11-30)" in grid.sentence
    assert "No check changed verdict." in timeline.checks_grid(tenant(planted[1], "gamma")).sentence


def test_the_fact_grid_shows_the_contradiction_at_its_runs(planted):
    grid = timeline.facts_grid(tenant(planted[1], "acme"))
    assert grid.rows[0] == "F-29"
    assert grid.cells["F-29"] == ["confirmed", "confirmed", "contradicted", "contradicted", "confirmed"]
    assert "F-29 is contradicted (it was confirmed) at run 3 (2026-11-16)" in grid.sentence
    # F-01, F-02, F-21, F-35; the revocation's other facts are not exercised while it fails
    assert "4 of 11 were confirmed on every run." in grid.sentence


def test_findings_and_countdown_show_api_tokens_switched_off(planted):
    beta = tenant(planted[1], "beta")
    grid = timeline.findings_grid(beta)
    assert grid.cells["API token access enabled"] == ["medium", "medium", "medium", None, None]
    assert "finding 'API token access enabled' disappears at run 4 (2026-11-23)" in grid.sentence
    points, sentence = timeline.countdown(beta)
    assert [p["api_token_access"] for p in points] == ["enabled"] * 3 + ["disabled"] * 2
    assert [p["days_left"] for p in points] == [179, 172, 165, 158, 151]
    assert "The last run (2026-11-30, 151 days left) refused API tokens." in sentence
    assert "API token access switched off at run 4 (2026-11-23)" in sentence


def test_drift_numbers_the_recordings_and_says_where_they_changed(planted):
    numbers, sentence = timeline.drift(tenant(planted[1], "acme"))
    assert numbers == [1, 1, 2, 2, 3]
    assert "3 distinct" in sentence and "changed at run(s) 3, 5" in sentence
    assert "Every run used the same recording." in timeline.drift(tenant(planted[1], "gamma"))[1]


def test_staleness_compares_the_recording_age_with_the_limit(planted):
    acme = json.loads(json.dumps(tenant(planted[1], "acme")))
    for run, age in zip(acme["runs"], [10, 40, 95, 3, None], strict=True):
        run["recording"]["age_days"] = age
    ages, limit, sentence = timeline.staleness(acme)
    assert ages == [10, 40, 95, 3, None] and limit == 90 and "Stale at run(s) 3." in sentence


@pytest.mark.parametrize("draw", [plots.checks_plot, plots.facts_plot, plots.findings_plot, plots.countdown_plot,
                                  plots.drift_plot, plots.staleness_plot])
def test_every_tenant_plot_is_a_png_with_its_sentence(planted, draw):
    plot = draw(tenant(planted[1], "acme"))
    assert plots.png(plot).startswith(b"\x89PNG\r\n\x1a\n") and plot.sentence.endswith(".")


def test_a_failure_is_drawn_with_its_own_marker(planted):
    axes = plots.checks_plot(tenant(planted[1], "acme")).figure.axes[0]
    labels = {c.get_label(): len(c.get_offsets()) for c in axes.collections}
    assert labels == {"fail": 2, "pass": 23}  # 5 checks x 5 runs, two of them failures


def test_the_fleet_trend_says_each_week(planted):
    plot = plots.trend_plot(planted[1])
    assert "2026-W48: API token access enabled on 2 of 3 tenants" in plot.sentence
    heights = [[p.get_height() for p in c] for c in plot.figure.axes[0].containers]
    assert heights == [[3, 3, 3, 3, 3], [3, 3, 3, 2, 2]]


def test_a_run_is_read_as_a_history_of_one_run(planted):
    folders, _ = planted
    single = timeline.load(folders[0] / "evidence.json")
    assert [(t["name"], len(t["runs"])) for t in single["tenants"]] == [("acme", 1)]
    fleet = timeline.load(folders[1])
    assert [t["name"] for t in fleet["tenants"]] == ["beta", "gamma"]
    latest = timeline.latest_evidence(fleet, folders[1], fleet["tenants"][0])
    assert latest is not None and latest[1] == folders[1] / "tenants" / "beta"


def test_a_json_that_is_no_history_is_refused(tmp_path):
    (tmp_path / "other.json").write_text('{"tenants": []}')
    with pytest.raises(UsageError, match="is not a history.json written by `zdconform history`"):
        timeline.load(tmp_path / "other.json")


def test_the_source_is_injected_after_the_parameters_cell():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    index = next(i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", []))
    inject(notebook, SOURCE="/x/history.json")
    assert notebook.cells[index + 1].source == "SOURCE = '/x/history.json'"
    assert notebook.cells[index + 1].metadata["tags"] == ["injected-parameters"]
    notebook.cells[index].metadata["tags"] = []
    with pytest.raises(UsageError, match="no cell tagged `parameters`"):
        inject(notebook, SOURCE="x")


@pytest.mark.parametrize(("args", "fragment"), [
    pytest.param(["missing"], "does not exist", id="missing-source"),
    pytest.param([".", "--notebook", "missing.ipynb"], "missing.ipynb' does not exist", id="missing-notebook"),
    pytest.param([".", "--output", "."], "is a folder", id="output-folder"),
])
def test_the_notebook_command_refuses_bad_input_before_running(tmp_path, capsys, monkeypatch, args, fragment):
    monkeypatch.chdir(tmp_path)
    assert main(["notebook", "--project", str(ROOT), *args]) == 2
    out, err = capsys.readouterr()
    assert out == "" and fragment in err and len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_large_fleet_draws_the_tenants_that_changed(planted):
    history = planted[1]
    assert [t["name"] for t in timeline.shown(history, [])[0]] == ["acme", "beta", "gamma"]
    chosen, sentence = timeline.shown(history, [], limit=2)
    assert [t["name"] for t in chosen] == ["acme", "beta"] and "the 2 tenants of 3 that changed most" in sentence
    chosen, sentence = timeline.shown(history, ["gamma", "zeta"])
    assert [t["name"] for t in chosen] == ["gamma"] and sentence == "Not in the history: zeta."


def test_skipped_checks_and_runs_without_api_tokens_are_drawn_too(planted):
    acme = json.loads(json.dumps(tenant(planted[1], "acme")))
    for run in acme["runs"][:2]:
        run["checks"][REVOKE] = "skipped"
        run["api_token_access"] = None
    labels = {c.get_label() for c in plots.checks_plot(acme).figure.axes[0].collections}
    assert "skipped" in labels  # (matplotlib's warnings are errors here: a line marker is painted as a line)
    labels = {c.get_label() for c in plots.countdown_plot(acme).figure.axes[0].collections}
    assert labels == {"API token accepted", "no API token tried"}
