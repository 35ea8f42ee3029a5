"""Which schema files were already found valid JSON Schema 2020-12, so loading skips the check.

`CheckCache` keeps, under the user's cache folder, the SHA-256 of every schema file that
jsonschema's `check_schema` accepted, with jsonschema's version: a changed file, or another
jsonschema, is checked again.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib.metadata import version as _dist_version
from pathlib import Path

__all__ = ["CheckCache"]


class CheckCache:
    """Digests of schema files already found valid by `check_schema` (with this jsonschema).

    Checking a schema against the 2020-12 metaschema costs more than the rest of loading; a
    file that changed, or a new jsonschema, is checked again, so a broken schema still fails
    at start.
    """

    def __init__(self, path: Path, known: set[str]) -> None:
        self.path, self.known, self.added = path, known, False
        self.version = _dist_version("jsonschema")  # a new jsonschema checks every schema again

    @classmethod
    def load(cls) -> CheckCache:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        path = base / "zdconform" / "schema-checks.json"
        try:
            known = set(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            known = set()
        return cls(path, known)

    def key(self, path: Path) -> str:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return f"{self.version}:{digest}"

    def save(self) -> None:
        if not self.added:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(sorted(self.known)), encoding="utf-8")
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only home only means checking again next time
