"""notebooks/evidence.ipynb: committed without outputs, runs clean headless, shows no secret."""

from __future__ import annotations

import json

import nbformat
import pytest

from zdconform.recording.scrub import find_leaks

from _evidence_support import emulator_secrets
from _helpers import ROOT, made_once

NOTEBOOK = ROOT / "notebooks" / "evidence.ipynb"


def test_notebook_is_committed_without_outputs():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.outputs == [] and cell.execution_count is None for cell in code)
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
    assert "<table>" in text and "<svg" in text
    assert "Target: the REFERENCE EMULATOR" in text
    assert "Authorization: Basic REDACTED" in text  # the chosen check's recorded request
    assert "migration readiness finding(s)" in text and "API tokens deactivated" in text


@pytest.mark.e2e
def test_outputs_hold_no_secret_and_no_real_person(executed):
    text = outputs(executed)
    assert find_leaks(text, emulator_secrets()) == []
