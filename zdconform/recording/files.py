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

from ..exceptions import UsageError

__all__ = ["atomic_write", "check_writable_folder", "decode_utf8", "file_stamp", "known_sha256", "read_limited",
           "read_limited_bytes", "remember_sha256", "sha256_file", "utcnow"]

_UMASK = os.umask(0)
os.umask(_UMASK)


def sha256_file(path: Path) -> str:
    """The file's SHA-256, read in chunks (a big file costs no memory)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# Digests of files a run already read whole, by `file_stamp`: the evidence names each replayed
# cassette's SHA-256 without reading and hashing it a second time.
_DIGESTS: dict[tuple[str, int, int, int, int], str] = {}


def file_stamp(path: Path) -> tuple[str, int, int, int, int]:
    """What changes when a file changes: its path, inode, size, modification and change times."""
    st = os.stat(path)
    return os.path.abspath(path), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def remember_sha256(stamp: tuple[str, int, int, int, int], data: bytes) -> str:
    """The SHA-256 of `data`, the bytes of the file whose stamp (taken before reading) is `stamp`;
    remembered only while the file still has that stamp."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        if file_stamp(Path(stamp[0])) == stamp:
            _DIGESTS[stamp] = digest
    except OSError:
        pass
    return digest


def known_sha256(path: Path) -> str:
    """`sha256_file(path)`, without reading the file again when this run already hashed it as it is."""
    try:
        digest = _DIGESTS.get(file_stamp(path))
    except OSError:
        digest = None
    return digest or sha256_file(path)


def read_limited_bytes(path: Path, limit: int, *, what: str) -> bytes:
    """The bytes of `path`, refusing anything but a regular file of at most `limit` bytes
    (a device such as /dev/zero, a folder, or a file too big to be what it claims to be)."""
    try:
        if not path.exists():
            raise UsageError(f"The {what} {str(path)!r} was not found. Check the path.")
        if not path.is_file():
            raise UsageError(f"The {what} {str(path)!r} is not a regular file: give the path of one.")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise UsageError(f"The {what} {str(path)!r} cannot be read ({exc.strerror or type(exc).__name__}): "
                         "check the path and its permissions.") from None
    if len(data) > limit:
        raise UsageError(f"The {what} {str(path)!r} is bigger than {limit:,} bytes, more than any "
                         f"real {what}: check that it is the file you meant.")
    return data


def read_limited(path: Path, limit: int, *, what: str) -> str:
    """`read_limited_bytes` decoded as UTF-8; other bytes are an error naming the file."""
    return decode_utf8(read_limited_bytes(path, limit, what=what), path, what)


def decode_utf8(data: bytes, path: Path, what: str) -> str:
    """`data`, the bytes of the `what` at `path`, as text; other bytes are an error naming the file."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"The {what} {str(path)!r} is not UTF-8 text (byte {exc.start}): "
                         "save it as UTF-8.") from None


def atomic_write(path: Path, text: str, mode: int | None = None) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never half;
    `mode` (such as 0o600 for a private key) instead of the umask's default."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp's 0600 would hide the evidence from its readers
        os.chmod(tmp, 0o666 & ~_UMASK if mode is None else mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_writable_folder(path: Path, what: str, fix: str) -> None:
    """Refuse, before anything is written, a folder that cannot be made or written to: a file in its
    place or on its way, or a folder without write permission (or on a read-only file system)."""
    probe = Path(os.path.abspath(path))
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent  # the nearest part that exists: the folders below it will be made
    if not probe.is_dir():
        why = "it is a file, not a folder" if probe == Path(os.path.abspath(path)) else f"{str(probe)!r} is a file"
    elif not os.access(probe, os.W_OK | os.X_OK):
        why = f"{str(probe)!r} is not writable"
    else:
        try:  # permissions can say yes where the file system says no (/proc, /sys, a full or odd mount)
            os.rmdir(tempfile.mkdtemp(prefix=".zdconform-probe-", dir=probe))
            return
        except OSError as exc:
            why = f"{str(probe)!r} takes no new folder: {exc.strerror or type(exc).__name__}"
    raise UsageError(f"The {what} {str(path)!r} cannot be written ({why}). {fix}")


def utcnow() -> str:
    """The current time as ISO 8601 UTC to the second, as Zendesk writes timestamps."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
