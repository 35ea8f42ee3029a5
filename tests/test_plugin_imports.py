"""The plugin's start stays light: a pytest run without checks does not import the run's machinery."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("requests", "jsonschema_rs", "vcr", "zdconform.runs.state", "zdconform.pytest.session",
         "zdconform.reporting.results", "zdconform.http.auth")
PROBE = ("import sys, pytest, _pytest.config; import zdconform.pytest.plugin; "
         f"print(' '.join(name for name in {HEAVY!r} if name in sys.modules))")


@pytest.mark.e2e
def test_importing_the_plugin_leaves_the_heavy_modules_unimported():
    found = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout.split()
    assert found == [], f"zdconform.pytest.plugin imports {found} at pytest's start: import them where they are used"
