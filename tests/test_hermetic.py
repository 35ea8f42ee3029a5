"""The project's tests leave the user's project alone: `./dev test --fast` in a checkout where the user
exported their tenant's variables and recorded that tenant (cassettes/ and reports/ hold the user's
run) passes, and leaves `git status`, every ignored file, cassettes/ and reports/ exactly as they were.

The fast lane runs whole, nested, in a fresh clone of this repository's HEAD (uncommitted changes
are not in it); the clone shares this checkout's .venv, so no install runs.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zdconform.emulator import ZendeskEmulator

from _helpers import ROOT, child_env, emulator_env

pytestmark = pytest.mark.e2e


def _git(clone: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=clone, capture_output=True, text=True, check=True).stdout


def _tree(clone: Path) -> dict[str, str]:
    """Every file of the clone but .git and .venv, with its digest: what the user could notice."""
    found = {}
    for path in sorted(clone.rglob("*")):
        relative = path.relative_to(clone)
        if relative.parts[0] in (".git", ".venv") or not path.is_file() or path.is_symlink():
            continue
        found[relative.as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_the_fast_lane_leaves_a_users_recorded_checkout_untouched(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    if (clone / "pyproject.toml").read_bytes() != (ROOT / "pyproject.toml").read_bytes():
        pytest.skip("pyproject.toml differs from HEAD's: commit it first (the clone shares this checkout's .venv)")
    (clone / ".venv").symlink_to(ROOT / ".venv")
    (clone / ".git" / "info" / "exclude").write_text(".venv\n")  # a symlink is not the ignored .venv/ folder
    with ZendeskEmulator() as emulator:  # the user records their (here, a loopback) tenant into the checkout
        recorded = subprocess.run([sys.executable, "-m", "pytest", "suites", "-p", "no:cacheprovider", "-q",
                                   f"--zd-target={emulator.url}"], cwd=clone, capture_output=True, text=True,
                                  env=child_env() | emulator_env(agent_password=False), timeout=300)
        target = emulator.url
    assert recorded.returncode == 0, recorded.stdout[-3000:] + recorded.stderr[-3000:]
    assert [p.name for p in (clone / "cassettes").iterdir() if p.name.startswith("127.0.0.1")], "a tenant recorded"
    assert (clone / "reports" / "evidence.json").exists(), "the user's own reports"
    status, before = _git(clone, "status", "--porcelain", "--ignored"), _tree(clone)

    env = child_env() | emulator_env() | {"ZENDESK_TARGET": target, "ZDCONFORM_REPORTS": str(clone / "reports"),
                                          "PYTHONPATH": str(clone), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run([str(clone / "dev"), "test", "--fast", "-p", "no:cacheprovider", "-q"], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert " passed" in proc.stdout
    assert _git(clone, "status", "--porcelain", "--ignored") == status
    after = _tree(clone)
    changed = sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
    assert changed == [], "the tests changed the user's files"
    assert os.environ.get("ZENDESK_TARGET") is None  # this test's own process was never given it
