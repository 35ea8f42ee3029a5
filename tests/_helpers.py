"""Helpers shared by zdconform's own tests."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUITES = ROOT / "suites"


@dataclass
class Run:
    returncode: int
    output: str


def run_suites(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
               timeout: float = 300) -> Run:
    """Run the conformance suites in a fresh interpreter, as a user would."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDCONFORM_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(SUITES), "-p", "no:cacheprovider", "-q", *args],
        env={**clean, **(env or {})}, cwd=cwd or ROOT, capture_output=True, text=True, timeout=timeout)
    return Run(proc.returncode, proc.stdout + proc.stderr)
