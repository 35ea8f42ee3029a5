"""A session that runs conformance checks freezes what its collection built (`gc.freeze`), so the
collector's passes during the checks skip the modules, items and fixtures that live to the end,
and thaws them when pytest is done: a process that runs pytest again collects them as usual.
The libraries vcrpy cannot import are marked absent as long (`recording.replay`).
A session without checks leaves both alone."""

from __future__ import annotations

import importlib
import shutil

import pytest

from zdconform.recording.replay import VCR_LIBRARIES

from _helpers import ROOT

pytestmark = pytest.mark.e2e

# Runs after the checks (its folder is given after suites/); prints at the interpreter's exit,
# after pytest's own clean-up, what the collector held frozen during the session and after it.
PROBE = """
import atexit, gc, sys

seen = {}

from zdconform.recording.replay import VCR_LIBRARIES

def absent():
    return ",".join(name for name in VCR_LIBRARIES if name in sys.modules and sys.modules[name] is None) or "-"

def test_probe():
    seen["during"] = gc.get_freeze_count()
    seen["absent"] = absent()

atexit.register(lambda: print(f"FROZEN during={seen.get('during')} after={gc.get_freeze_count()}"))
atexit.register(lambda: print(f"ABSENT during={seen.get('absent')} after={absent()}"))
"""


def frozen(result: pytest.RunResult) -> tuple[int, int]:
    during, after = (int(value) for value in printed(result, "FROZEN"))
    return during, after


def printed(result: pytest.RunResult, what: str) -> list[str]:
    line = next(line for line in result.outlines if line.startswith(f"{what} "))
    return [part.split("=")[1] for part in line.split()[1:]]


def missing_here() -> str:
    """vcrpy's libraries this interpreter cannot import, as the probe prints them."""
    found = []
    for name in VCR_LIBRARIES:
        try:
            importlib.import_module(name)
        except ImportError:
            found.append(name)
    return ",".join(found) or "-"


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    shutil.copytree(ROOT / "suites", pytester.path / "suites")
    shutil.copytree(ROOT / "cassettes" / "reference-emulator", pytester.path / "cassettes" / "reference-emulator")
    (pytester.path / "probe").mkdir()
    (pytester.path / "probe" / "test_probe.py").write_text(PROBE)
    return pytester


def test_a_conformance_session_freezes_what_collection_built_and_thaws_it_at_the_end(project: pytest.Pytester):
    result = project.runpytest_subprocess("suites", "probe", "-p", "no:cacheprovider", "--rootdir", str(project.path))
    result.assert_outcomes(passed=55, skipped=2)
    during, after = frozen(result)
    assert during > 10_000, f"only {during} objects frozen while the checks ran"
    assert after == 0, f"{after} objects still frozen after pytest ended"
    assert printed(result, "ABSENT") == [missing_here(), "-"]  # marked while the checks ran, then unmarked


def test_a_session_without_checks_leaves_the_collector_alone(project: pytest.Pytester):
    result = project.runpytest_subprocess("probe", "-p", "no:cacheprovider", "--rootdir", str(project.path))
    result.assert_outcomes(passed=1)
    assert frozen(result) == (0, 0)
    assert printed(result, "ABSENT") == ["-", "-"]
