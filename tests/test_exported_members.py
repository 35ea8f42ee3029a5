"""The public names: each `__all__` is sorted and names only what exists."""

from __future__ import annotations

import importlib

import pytest

MODULES = ["zdconform", "zdconform.exceptions", "zdconform.recording.scrub", "zdconform.recording.store",
           "zdconform.recording.files", "zdconform.settings", "zdconform.conformance.schemas",
           "zdconform.conformance.endpoints", "zdconform.conformance.tokens", "zdconform.conformance.recovery",
           "zdconform.reporting.results",
           "zdconform.reporting.publish", "zdconform.emulator", "zdconform.reporting.attestation",
           "zdconform.runs.plan", "zdconform.runs.state", "zdconform.runs.tenants", "zdconform.runs.end",
           "zdconform.runs.cleanup", "zdconform.pytest.session", "zdconform.pytest.xdist", "zdconform.pytest.junit",
           "zdconform.pytest.terminal", "zdconform.pytest.selection", "zdconform.pytest.signals",
           "zdconform.settings.options"]


@pytest.mark.parametrize("name", MODULES)
def test_all_is_sorted_and_resolves(name):
    module = importlib.import_module(name)
    exported = list(module.__all__)
    assert exported == sorted(exported)
    missing = [n for n in exported if not hasattr(module, n)]
    assert missing == []


def test_every_error_has_the_one_root():
    import zdconform
    from zdconform.exceptions import ZdConformError

    errors = [getattr(zdconform, n) for n in zdconform.__all__ if n.endswith(("Error", "Failure", "Exhausted"))]
    assert errors and all(issubclass(e, ZdConformError) for e in errors)
    assert issubclass(zdconform.ConformanceFailure, AssertionError), "pytest must count it as a failure"
