"""Fixtures for zdconform's own tests, and the guard that keeps the fast lane fast.

Tests that start a process (a `python -m pytest suites` run, the `zdconform` or emulator
command, curl, a notebook kernel, a browser) carry the `e2e` marker: `./dev test --fast`
leaves them out, `./dev test` runs them in a second lane. A test without the marker that
tries to start one fails at once, naming the marker (see `_spawn_guard`).

The expensive runs several e2e tests read are made once per test run here, through
`made_once` (tests/_helpers.py), which holds across pytest-xdist workers too:
`emulator_recording` (one live recording against the emulator) and `reference_replay`
(one replay of the committed cassettes).
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.configuration import set_hypothesis_home_dir

from _evidence_support import replay_reports
from _helpers import made_once, run_suites

# Hypothesis writes .hypothesis/ (its example database, a cache of the source's constants) into the
# working folder: the project's tests leave the project alone, so it goes to a temporary folder of this
# process. No example database either: every property test here runs from a fixed seed.
_HYPOTHESIS_HOME = tempfile.mkdtemp(prefix="zdconform-hypothesis-")
atexit.register(shutil.rmtree, _HYPOTHESIS_HOME, ignore_errors=True)
set_hypothesis_home_dir(_HYPOTHESIS_HOME)
hypothesis_settings.register_profile("zdconform", database=None)
hypothesis_settings.load_profile("zdconform")

# Processes any test may start: evidence.json asks git for the product's commit.
ALLOWED_IN_FAST_LANE = {"git"}
_spawning_allowed = True


@pytest.fixture(autouse=True)
def _hygiene(monkeypatch):
    """No proxy, SSL or Zendesk variable from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith(("ZENDESK_", "ZDCONFORM_", "ZD_")) or name.lower().endswith("_proxy") \
                or name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
            monkeypatch.delenv(name, raising=False)


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "subprocess.Popen" or _spawning_allowed:
        return
    executable, argv = args[0], args[1]
    if executable is None:
        argv = argv.split() if isinstance(argv, (str, bytes)) else list(argv)
        executable = argv[0] if argv else ""
    executable = Path(os.fsdecode(executable)).name
    if executable not in ALLOWED_IN_FAST_LANE:
        raise RuntimeError(f"zdconform tests: this test starts a process ({executable!r}) but is not marked "
                           "`@pytest.mark.e2e`: mark it, so that `./dev test --fast` leaves it out")


sys.addaudithook(_audit)  # audit hooks cannot be removed: `_spawning_allowed` switches it per test


@pytest.fixture(autouse=True)
def _spawn_guard(request: pytest.FixtureRequest):
    """Only tests marked `e2e` may start processes (other than git)."""
    global _spawning_allowed
    _spawning_allowed = request.node.get_closest_marker("e2e") is not None
    yield
    _spawning_allowed = True


@pytest.fixture(scope="session")
def emulator_recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One recording of every suite against the bundled emulator, made once per run: its cassette root.

    Read it, or copy it first (`shutil.copytree`) to change anything: other tests read it too.
    """
    def record(folder: Path) -> None:
        result = run_suites("--zd-target=emulator", f"--zd-cassette-root={folder / 'cassettes'}",
                            f"--zd-reports={folder / 'reports'}")
        assert result.returncode == 0, result.output

    return made_once(tmp_path_factory, "emulator-recording", record) / "cassettes"


@pytest.fixture(scope="session")
def reference_replay(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """One replay of the committed reference cassettes, made once per run: (reports folder, evidence).

    The folder holds evidence.json, evidence.html, results.json and junit.xml: read them, do not
    change them.
    """
    reports = made_once(tmp_path_factory, "reference-replay", replay_reports)
    return reports, json.loads((reports / "evidence.json").read_text(encoding="utf-8"))
