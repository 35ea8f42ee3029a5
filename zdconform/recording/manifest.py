"""The shape of MANIFEST.json, and the rule that keeps every cassette it lists inside its folder.

`check_manifest` refuses, in one paragraph naming the manifest and the field, anything but
`{"target": {...}, "cassettes": {key: {"sha256": hex, ...}}, "skipped": {key: reason},
"manifest_sha256": hex}`; a key is a relative POSIX path ending in `.yaml` with no `..`, no
absolute start and no backslash. `manifest_sha256` seals the manifest's own content (target,
profile, skipped checks, cassette entries): `seal_problem` says when it is missing or differs.
`unsafe` says why a listed path must not be read: it is a symbolic link (or goes through
one), or not a regular file.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from ..exceptions import CassetteError, excerpt

__all__ = ["DIGEST", "MANIFEST_LIMIT", "SIGNATURE", "check_manifest", "manifest_digest", "safe_key", "seal_problem",
           "unsafe"]

MANIFEST_LIMIT = 16 * 1024 * 1024  # bytes: thousands of cassettes take a few hundred kilobytes
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
DIGEST = "manifest_sha256"
SIGNATURE = "MANIFEST.json.sig"  # the manifest's signature, beside it (`signing`)
_RESTORE = "Restore it from version control (`git checkout -- cassettes`) or re-record the target."


def safe_key(key: Any) -> bool:
    """A cassette key that stays inside its folder: relative, POSIX, no `..`, ending in .yaml."""
    if not isinstance(key, str) or not key.endswith(".yaml") or "\\" in key or "\x00" in key:
        return False
    path = PurePosixPath(key)
    return not path.is_absolute() and ".." not in path.parts and not key.startswith("~")


def check_manifest(data: Any, path: Path) -> dict[str, Any]:
    """`data` if it has the manifest's shape; else a CassetteError naming the field."""
    def refuse(what: str) -> CassetteError:
        return CassetteError(f"The cassette manifest {str(path)!r} is malformed: {what}. {_RESTORE}")

    if not isinstance(data, dict):
        raise refuse(f"it is {type(data).__name__}, not a JSON object")
    data.setdefault("target", {})
    data.setdefault("cassettes", {})
    data.setdefault("skipped", {})
    for name in ("target", "cassettes", "skipped"):
        if not isinstance(data[name], dict):
            raise refuse(f"`{name}` is {type(data[name]).__name__}, not an object")
    for key, entry in data["cassettes"].items():
        if not safe_key(key):
            raise refuse(f"the cassette key {excerpt(key)} is not a relative path ending in .yaml inside "
                         "the folder (no `..`, no absolute path)")
        if not isinstance(entry, dict) or not _SHA256.match(str(entry.get("sha256", ""))):
            raise refuse(f"the entry of {excerpt(key)} is not an object with a 64-hex-digit `sha256`")
    if DIGEST in data and not _SHA256.match(str(data[DIGEST])):
        raise refuse(f"`{DIGEST}` is {excerpt(data[DIGEST])}, not 64 hex digits")
    for key, reason in data["skipped"].items():
        if not safe_key(key) or not isinstance(reason, str):
            raise refuse(f"the skipped entry {excerpt(key)} is not a cassette path with a reason")
    return data


def manifest_digest(data: dict[str, Any]) -> str:
    """The SHA-256 of the manifest's content without its own digest, as canonical JSON (sorted
    keys, no spaces, ASCII): `sha256(json.dumps(m_without_digest, sort_keys=True,
    separators=(",", ":")))`, which an auditor can recompute in one line."""
    content = {key: value for key, value in data.items() if key != DIGEST}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def seal_problem(data: dict[str, Any]) -> str | None:
    """Why the manifest's content is not what was recorded, or None when its digest matches."""
    if DIGEST not in data:
        return (f"it has no `{DIGEST}`, so its target, profile and skipped checks are not covered: "
                "it was written by an older zdconform or the digest was removed; re-record the target")
    if manifest_digest(data) != data[DIGEST]:
        return (f"its content (target, profile, skipped checks or cassette entries) was edited after "
                f"recording: it does not match its `{DIGEST}`. {_RESTORE}")
    return None


def unsafe(folder: Path, key: str) -> str | None:
    """Why `folder`/`key` must not be read, or None: a symbolic link on the way, or not a file."""
    path = folder
    for part in PurePosixPath(key).parts:
        path = path / part
        if path.is_symlink():
            return "a symbolic link: cassettes must be regular files inside the folder"
    if path.exists() and not path.is_file():
        return "not a regular file"
    return None
