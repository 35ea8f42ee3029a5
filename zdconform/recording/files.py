"""Writing files so that readers never see half of one, and the time stamps written in them.

Every file zdconform writes (cassettes, the manifest, reports, the token journal) goes through
`atomic_write`: a temporary file in the same folder, flushed, then renamed over the old one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_write", "sha256_file", "utcnow"]

_UMASK = os.umask(0)
os.umask(_UMASK)


def sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def atomic_write(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp's 0600 would hide the evidence from its readers
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def utcnow() -> str:
    """The current time as ISO 8601 UTC to the second, as Zendesk writes timestamps."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
