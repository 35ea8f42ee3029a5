"""Helpers shared by zdconform's own tests."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITES = ROOT / "suites"
# The conftest of ad-hoc checks written into a test's folder: their cassettes go to `adhoc/`
# in the run's cassette folder.
ADHOC_CONFTEST = '''
import pytest

@pytest.fixture(scope="module")
def vcr_cassette_dir(zd_run):
    return str(zd_run.store.folder / "adhoc")
'''


@dataclass
class Run:
    returncode: int
    output: str


def emulator_env(*, agent_password: bool = True, expired: bool = False) -> dict[str, str]:
    """The bundled emulator's default credentials, as the `ZENDESK_*` variables a run reads
    (`settings.credentials.CREDENTIAL_VARS`): admin, agent and the OAuth client; with `expired`,
    the emulator's expired OAuth token too."""
    from zdconform.emulator import DEFAULT_CREDENTIALS
    from zdconform.settings.credentials import CREDENTIAL_VARS

    env = {variable: str(DEFAULT_CREDENTIALS[role][field]) for role in ("admin", "agent", "oauth_client")
           for field, variable in CREDENTIAL_VARS[role].items()}
    if not agent_password:
        del env[CREDENTIAL_VARS["agent"]["password"]]
    if expired:
        env[CREDENTIAL_VARS["expired"]["oauth_token"]] = DEFAULT_CREDENTIALS["expired_oauth_token"]
    return env


def child_env() -> dict[str, str]:
    """The environment of a spawned pytest run: no ZENDESK_* or ZDCONFORM_* variable of the shell, and a
    temporary root of its own (pytest's numbered-folder cleanup raced between concurrent runs sharing
    /tmp/pytest-of-<user>, and its warning is an error under this project's filterwarnings). No
    `COLUMNS` either: pytest-xdist sets it in its workers, and a run on a pipe with no width keeps its
    lines whole (a test that wants a width says so)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDCONFORM_")) and k != "COLUMNS"}
    return clean | {"PYTEST_DEBUG_TEMPROOT": tempfile.mkdtemp(prefix="zdconform-child-")}


def run_suites(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
               timeout: float = 300) -> Run:
    """Run the conformance suites in a fresh interpreter, as a user would."""
    clean = child_env()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITES), "-p", "no:cacheprovider", "-q", *args],
        env={**clean, **(env or {})}, cwd=cwd or ROOT, capture_output=True, text=True, timeout=timeout)
    return Run(proc.returncode, proc.stdout + proc.stderr)


def made_once(tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]) -> Path:
    """The folder `name`, filled by `make(folder)` once per test run, however many xdist workers ask.

    Workers share the run's temporary folder; a lock makes the others wait for the first. If
    `make` fails, the next one to ask tries again (and fails the same way, in its own test).
    """
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # the run's own folder, which its workers' folders sit in
    folder, made = base / f"once-{name}", base / f"once-{name}.made"
    with open(base / f"once-{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            make(folder)
            made.touch()
    return folder
