"""Which zdconform this is: its version and, where it can be known, the commit it was built from.

A checkout (an editable install) names its commit with `git describe --always --dirty`; an install
from a repository URL (`pip install git+URL@REF`) with the commit pip recorded in the distribution's
`direct_url.json` (PEP 610). Anything else (a wheel built from a folder) says "unknown commit".
"""

from __future__ import annotations

import json
import subprocess
from importlib import metadata
from pathlib import Path

from . import __version__

__all__ = ["commit", "describe"]

PACKAGE = Path(__file__).resolve().parent


def describe() -> str:
    """`zdconform VERSION (commit C)`, or `(unknown commit)`."""
    return f"zdconform {__version__} ({commit() or 'unknown commit'})"


def commit() -> str | None:
    """The commit this code comes from: a checkout's `git describe`, else pip's record of a VCS install."""
    return _checkout_commit() or _recorded_commit()


def _checkout_commit() -> str | None:
    try:
        top = subprocess.run(["git", "-C", str(PACKAGE), "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        if not top or Path(top).resolve() / "zdconform" != PACKAGE:  # an install inside someone else's repository
            return None
        described = subprocess.run(["git", "-C", top, "describe", "--always", "--dirty", "--abbrev=12"],
                                   capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"commit {described}" if described else None


def _recorded_commit() -> str | None:
    try:
        text = metadata.distribution("zdconform").read_text("direct_url.json")
        found = json.loads(text or "{}").get("vcs_info", {}).get("commit_id")
    except (metadata.PackageNotFoundError, ValueError, AttributeError):
        return None
    return f"commit {found}" if isinstance(found, str) and found else None
