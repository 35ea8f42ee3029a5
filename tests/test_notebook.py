"""notebooks/evidence.ipynb: committed without outputs, runs clean headless, shows no secret; `zdconform
notebook` runs it on a history and writes one HTML page that Chromium shows offline, every plot drawn."""

from __future__ import annotations

import ast
import html
import json
import re
import subprocess
import sys

import nbformat
import pytest
from _browser import opened
from _history import write_history_runs

from zdconform.recording.scrub import find_leaks

from _evidence_support import emulator_secrets
from _helpers import ROOT, child_env, made_once

NOTEBOOK = ROOT / "notebooks" / "evidence.ipynb"


def test_notebook_is_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    (parameters,) = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]  # as papermill needs
    assert parameters.source.startswith('SOURCE = ""')
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)
    for cell in code:
        ast.parse(cell.source)  # a cell that cannot even compile fails here, not in a kernel
    assert find_leaks(NOTEBOOK.read_text(encoding="utf-8"), emulator_secrets()) == []


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """The notebook run top to bottom by a headless kernel, replaying the committed cassettes (once per run)."""
    folder = made_once(tmp_path_factory, "notebook", _execute)
    return nbformat.read(folder / NOTEBOOK.name, as_version=4)


def _execute(folder):
    from nbclient import NotebookClient

    missing = folder / "none" / "evidence.json"  # absent: the notebook replays
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ZDCONFORM_EVIDENCE", str(missing))
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        client = NotebookClient(notebook, kernel_name="python3", timeout=300,
                                resources={"metadata": {"path": str(NOTEBOOK.parent)}})
        client.execute()  # raises CellExecutionError, naming the cell, if any cell fails
    nbformat.write(notebook, folder / NOTEBOOK.name)


def outputs(notebook) -> str:
    return json.dumps([cell.get("outputs", []) for cell in notebook.cells], ensure_ascii=False)


@pytest.mark.e2e
def test_every_cell_runs_and_shows_something(executed):
    code = [cell for cell in executed.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    text = outputs(executed)
    assert "replayed the committed cassettes" in text
    assert "<table>" in text and "image/png" in text
    assert "Target: the REFERENCE EMULATOR" in text
    assert "Authorization: Basic REDACTED" in text  # the chosen check's recorded request
    assert "migration readiness finding(s)" in text and "API tokens deactivated" in text
    assert "1 run(s) of 1 tenant(s), 0 transition(s)" in text  # a run is read as a history of one run


@pytest.mark.e2e
def test_outputs_hold_no_secret_and_no_real_person(executed):
    text = outputs(executed)
    assert find_leaks(text, emulator_secrets()) == []


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """`zdconform notebook` run as a user runs it on five weeks of reports folders (`_history`): the page."""
    def export(folder):
        folders = write_history_runs(folder / "runs")
        done = subprocess.run([sys.executable, "-m", "zdconform", "notebook", *map(str, folders), "--output",
                               str(folder / "notebook.html")], cwd=ROOT, env=child_env(), capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0 and done.stderr == "", done.stdout + done.stderr

    return made_once(tmp_path_factory, "notebook-html", export) / "notebook.html"


@pytest.mark.e2e
def test_the_exported_page_names_the_planted_transitions(exported):
    text = html.unescape(re.sub(r"<[^>]+>", "", exported.read_text(encoding="utf-8")))
    for line in ("token_lifecycle[revoke-by-id] starts failing (fail) at run 3 (2026-11-16)",
                 "F-29 is contradicted (it was confirmed) at run 3 (2026-11-16)",
                 "token_lifecycle[revoke-by-id] stops failing (pass) at run 5 (2026-11-30)",
                 "API token access switched off at run 4 (2026-11-23)",
                 "2026-W48 (from 2026-11-23): API token access enabled on 2 of 3 tenants",
                 "15 run(s) of 3 tenant(s), 6 transition(s), read from the history of 10 reports folders"):
        assert line in text
    assert "def show(" not in text, "the page shows outputs, not code"
    assert find_leaks(exported.read_text(encoding="utf-8"), emulator_secrets()) == []


@pytest.mark.e2e
def test_every_plot_of_the_page_renders_offline_in_chromium(exported):
    with opened(exported) as tab:
        images = tab.eval_on_selector_all("img", "els => els.map(e => [e.src.slice(0, 22), e.complete, "
                                                 "e.naturalWidth, e.naturalHeight, e.alt])")
        requests = list(tab.requests)
    # per tenant (3): checks, facts, findings, countdown, drift, staleness; the fleet trend; the last run's durations
    assert len(images) == 3 * 6 + 1 + 1
    assert all(src == "data:image/png;base64," and done and w > 0 and h > 0 for src, done, w, h, _ in images), images
    alts = [alt for *_, alt in images]  # each plot's sentence, also its alt text
    assert all(alt.endswith(".") and "No description" not in alt for alt in alts), alts
    assert any("API token access switched off at run 4 (2026-11-23)" in alt for alt in alts)
    assert requests == [exported.as_uri()], "the page loads nothing but itself"
