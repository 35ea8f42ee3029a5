"""Helpers for the evidence, report and notebook tests: a replay of the committed cassettes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from zdconform.emulator import DEFAULT_CREDENTIALS
from zdconform.recording.scrub import SecretSet

from _helpers import ROOT, run_suites

REFERENCE = ROOT / "cassettes" / "reference-emulator"


def replay_reports(reports: Path, *extra: str) -> dict[str, Any]:
    """Replay the committed reference cassettes into `reports`; the evidence it wrote.

    Every check is replayed, whatever its verdict: the evidence must describe failures too.
    """
    result = run_suites("--zd-target=replay", f"--zd-reports={reports}",
                        f"--junitxml={reports / 'junit.xml'}", *extra)
    path = reports / "evidence.json"
    assert path.exists(), f"the replay wrote no evidence.json:\n{result.output[-3000:]}"
    return json.loads(path.read_text(encoding="utf-8"))


def copy_reference(root: Path) -> Path:
    """A copy of the committed reference cassettes under `root`/reference-emulator."""
    folder = root / "reference-emulator"
    shutil.copytree(REFERENCE, folder)
    return folder


def emulator_secrets() -> SecretSet:
    """Every credential of the emulator's built-in tenant, with its encodings, and its people's emails."""
    secrets = SecretSet()
    for key, value in DEFAULT_CREDENTIALS.items():
        if isinstance(value, dict):
            for field in ("password", "api_token", "oauth_token", "email", "client_secret"):
                secrets.add(value.get(field), f"{key} {field}")
            if value.get("api_token"):
                secrets.add(f"{value['email']}/token:{value['api_token']}", f"{key} API token Basic credential")
            if value.get("password"):
                secrets.add(f"{value['email']}:{value['password']}", f"{key} password Basic credential")
        elif isinstance(value, str) and key.endswith("_token"):
            secrets.add(value, key)
    return secrets
