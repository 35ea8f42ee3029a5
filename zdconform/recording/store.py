"""Cassette folders: one per target, with a MANIFEST.json that makes them tamper-evident.

`cassettes/<slug>/MANIFEST.json` labels the target (reference emulator or real tenant) and
lists every cassette with its SHA-256, interaction count, recording time and product
version, plus the checks that were skipped when recording (so replay skips them too), and
`manifest_sha256`, a digest of all that which replay checks before it trusts the profile.
Cassettes and the manifest are written atomically (temporary file, then rename), and a
cassette is written only after the leak gate finds no secret in it. A recording run with a
signing key in the environment (`recording.signing`) signs every manifest it writes.
A recording run writes into its staging folder (`staging`) and `commit`s it whole at its end
(`recording.staging`): the target's folder always holds one recording, whole.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:  # POSIX; Windows has none, and replay never needs it
    import fcntl
except ImportError:  # tests/test_portability.py runs without it
    fcntl = None  # type: ignore[assignment]

from .. import __version__
from ..exceptions import CassetteError, UsageError, excerpt
from . import files
from .files import atomic_write, decode_utf8, known_sha256, read_limited, sha256_file, utcnow
from .interactions import CASSETTE_LIMIT, Remembered, response_problem
from .manifest import DIGEST, MANIFEST_LIMIT, SIGNATURE, check_manifest, manifest_digest, seal_problem, unsafe
from .scrub import SecretSet, leak_gate

__all__ = [
    "CassetteStore",
    "MANIFEST",
    "Problem",
]

MANIFEST = "MANIFEST.json"
LOCK = ".MANIFEST.lock"  # serializes manifest updates between processes (git-ignored)


@dataclass(frozen=True)
class Problem:
    """One way a cassette folder differs from its manifest."""

    kind: str  # "modified" | "missing" | "extra" | "unsafe" | "signature"
    path: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class CassetteStore:
    """The cassette folder of one target, its manifest, and the rules for reading and writing."""

    folder: Path
    label: dict[str, Any] = field(default_factory=dict)
    secrets: SecretSet = field(default_factory=SecretSet)
    recording: bool = False
    verify: bool = True
    interrupted: bool = False
    signer: Any = field(default=None, repr=False)  # an Ed25519PrivateKey; repr never shows it
    staging: Path | None = None  # a recording run's: where it writes until `commit`
    _last_read: Any = field(default=None, repr=False)  # (file stamp, bytes) of the cassette being loaded

    def __post_init__(self) -> None:
        self.manifest = self._read_manifest()
        self.previous = self.manifest  # the committed recording, while this run stages its own
        if self.recording and self.signer is None:
            from .signing import signer_from_env  # cryptography: loaded by recording runs alone
            self.signer = signer_from_env()
        sealed = seal_problem(self.manifest) if (self.folder / MANIFEST).exists() else None
        if self.verify and not self.recording and sealed is not None:
            raise CassetteError(f"The cassette manifest {str(self.folder / MANIFEST)!r} cannot be trusted: "
                                f"{sealed.rstrip('.')}. Pass `--zd-allow-unverified` to replay it anyway.")
        stale = self._stale_signature() if self.verify and not self.recording else None
        if stale is not None:
            raise CassetteError(f"The signature of {str(self.folder / MANIFEST)!r} does not match it: {stale}. "
                                "A signed recording is replayed only as it was signed: restore it from version "
                                "control, or sign it again (`zdconform sign`); `--zd-allow-unverified` replays it "
                                "anyway.")

    def _stale_signature(self) -> str | None:
        """Why the folder's present signature no longer matches its manifest, or None (or unsigned)."""
        if not (self.folder / SIGNATURE).exists():
            return None
        from .signing import stale_signature  # cryptography: loaded for a signed folder alone

        return stale_signature(self.folder)

    # -- manifest -------------------------------------------------------------------------
    def _read_manifest(self, folder: Path | None = None) -> dict[str, Any]:
        path = (folder or self.folder) / MANIFEST
        if not path.exists():
            return {"target": {}, "cassettes": {}, "skipped": {}}
        try:
            data = json.loads(read_limited(path, MANIFEST_LIMIT, what="cassette manifest"))
        except (UsageError, ValueError, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, UsageError) else f"not JSON: {excerpt(str(exc))}"
            raise CassetteError(
                f"The cassette manifest {str(path)!r} cannot be read ({reason}). Restore it from "
                "version control (`git checkout -- cassettes`) or re-record the target.") from None
        return check_manifest(data, path)

    def write_manifest(self) -> None:
        self._update(lambda manifest: None)

    def _update(self, change: Callable[[dict[str, Any]], None]) -> None:
        """Apply `change` to the manifest on disk, under a lock: pytest-xdist workers that
        record the same target at once each add their own entries."""
        folder = self.writes_to
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / LOCK, "w", encoding="utf-8") as lock:
            if fcntl is not None:  # where there is none (Windows), a run records from one process at a time
                fcntl.flock(lock, fcntl.LOCK_EX)
            self.manifest = self._read_manifest(folder)
            change(self.manifest)
            if self.label:
                self.manifest["target"] = self.label
            self.manifest[DIGEST] = manifest_digest(self.manifest)
            text = json.dumps(self.manifest, indent=2, sort_keys=True) + "\n"
            self._gate(text, folder / MANIFEST)
            atomic_write(folder / MANIFEST, text)
            if self.signer is not None:  # in step with every manifest write, interrupted or not
                from .signing import sign_manifest
                sign_manifest(folder, self.signer, text.encode("utf-8"))

    @property
    def writes_to(self) -> Path:
        """The folder this run writes: its staging folder while recording, else the target's own."""
        return self.staging if self.staging is not None else self.folder

    def commit(self, *, complete: bool) -> bool:
        """Put the recording this run staged in the target folder's place, whole (`recording.staging`):
        a `complete` run replaces it, a partial one keeps what it did not record. False when the run
        staged nothing (refused, interrupted before its first check, or recording nothing)."""
        from .staging import carry_over, swap_in

        staged = self.staging
        if staged is None or not (staged / MANIFEST).is_file():
            return False
        if not complete and (self.previous["cassettes"] or self.previous["skipped"]):
            self._update(lambda new: carry_over(self.folder, staged, self.previous, new))
        (staged / LOCK).unlink(missing_ok=True)
        swap_in(staged, self.folder)
        self.staging = None
        self.manifest = self.previous = self._read_manifest()
        return True

    def rel(self, path: str | Path) -> str:
        """`path` relative to the folder, symbolic links left as they are (never followed out)."""
        inside = Path(os.path.abspath(path))
        try:
            return inside.relative_to(os.path.abspath(self.folder)).as_posix()
        except ValueError:
            raise CassetteError(f"Cassette {str(path)!r} is outside its folder {str(self.folder)!r}: "
                                "keep every cassette of a target inside that target's folder.") from None

    def mark_skipped(self, cassette: Path, reason: str) -> None:
        key = self.rel(cassette)

        def change(manifest: dict[str, Any]) -> None:
            manifest["skipped"][key] = reason
            manifest["cassettes"].pop(key, None)

        self._update(change)

    def skipped_reason(self, cassette: Path) -> str | None:
        reason = self.manifest["skipped"].get(self.rel(cassette))
        return str(reason) if reason is not None else None

    def is_recorded(self, cassette: Path) -> bool:
        return self.rel(cassette) in self.manifest["cassettes"]

    # -- the vcrpy persister interface --------------------------------------------------------
    def load_cassette(self, cassette_path: str, serializer: Any) -> tuple[Any, ...]:
        # vcr is imported late: pytest-recording must register its assert rewriting first.
        from vcr.persisters.filesystem import CassetteNotFoundError

        if self.recording:
            raise CassetteNotFoundError()  # live runs always record afresh
        path = Path(cassette_path)
        if self.verify:
            self.check_one(path, read=True)  # reads, hashes and parses the file once for the whole run
        if not path.is_file():
            raise CassetteNotFoundError()
        fix = "Restore it from version control or re-record it with `zdconform run --target emulator`."
        try:
            loaded = self._deserialize(path, serializer)
        except UsageError as exc:  # too big, not a file, not UTF-8
            raise CassetteError(f"{exc} {fix}") from None
        except Exception as exc:  # noqa: BLE001 - any parse error means a corrupt cassette
            raise CassetteError(f"Cassette {str(path)!r} is corrupt and cannot be replayed ({type(exc).__name__}: "
                                f"{excerpt(str(exc), 200)}). {fix}") from None
        why = next(filter(None, (response_problem(i, r) for i, r in enumerate(loaded[1]))), None)
        if why is not None:
            raise CassetteError(f"Cassette {str(path)!r} is corrupt and cannot be replayed: {why}. {fix}")
        return loaded

    def _deserialize(self, path: Path, serializer: Any) -> tuple[Any, ...]:
        """vcrpy's (requests, responses[, metadata]) of the cassette, parsed once: the run's reports
        read the same parse (`interactions`) and digest (`files.known_sha256`)."""
        from vcr.serialize import deserialize

        stamp, data = self._read(path)
        self._last_read = None
        yaml = getattr(serializer, "__name__", "").endswith("yamlserializer")
        return tuple(deserialize(decode_utf8(data, path, "cassette"), Remembered(stamp) if yaml else serializer))

    def _read(self, path: Path) -> Any:
        """(file stamp, bytes) of the cassette, read and hashed once however often asked for in a row."""
        stamp = files.file_stamp(path)
        if self._last_read is None or self._last_read[0] != stamp:
            data = files.read_limited_bytes(path, CASSETTE_LIMIT, what="cassette")
            files.remember_sha256(stamp, data)
            self._last_read = (stamp, data)
        return self._last_read

    def save_cassette(self, cassette_path: str, cassette_dict: dict[str, Any], serializer: Any) -> None:
        if not self.recording or self.interrupted:
            return  # replay never writes; an interrupted test keeps the previous cassette
        from vcr.serialize import serialize

        path = Path(cassette_path)
        cassette_dict = {**cassette_dict, "metadata": self._cassette_metadata()}
        text = serialize(cassette_dict, serializer)
        key = self.rel(path)
        path = self.writes_to / key
        self._gate(text, path)
        atomic_write(path, text)
        digest = sha256_file(path)

        def change(manifest: dict[str, Any]) -> None:
            manifest["skipped"].pop(key, None)
            previous = self.previous["cassettes"].get(key, {})
            unchanged = previous.get("sha256") == digest  # keep its time: re-records diff clean
            manifest["cassettes"][key] = {
                "sha256": digest,
                "interactions": len(cassette_dict["requests"]),
                "recorded_at": previous["recorded_at"] if unchanged else utcnow(),
                "zdconform_version": previous.get("zdconform_version") if unchanged else __version__,
            }

        self._update(change)

    def _cassette_metadata(self) -> dict[str, Any]:
        return {"recorded_against": self.label.get("description", ""),
                "target": self.label.get("slug", self.folder.name)}

    def _gate(self, text: str, path: Path) -> None:
        leak_gate(text, path, self.secrets, "Add the field to zdconform.recording.scrub.SECRET_KEYS (or the "
                  "header to the scrubber) and record again.")

    # -- verification --------------------------------------------------------------------
    def check_one(self, path: Path, *, read: bool = False) -> None:
        """Refuse a cassette that is unsafe, unlisted, missing or not as recorded; with `read`, the
        bytes hashed are remembered for the rest of the run (`_deserialize` reads no file again)."""
        why = unsafe(self.folder, self.rel(path)) if path.exists() or path.is_symlink() else None
        if why is not None:
            raise CassetteError(f"Cassette {str(path)!r} is {why}. Replace it with the recorded file "
                                "(`git checkout -- cassettes`) or re-record the target.")
        entry = self.manifest["cassettes"].get(self.rel(path))
        if entry is None:
            if path.exists():
                raise CassetteError(
                    f"Cassette {str(path)!r} is not listed in {MANIFEST}: it was added or renamed "
                    "after recording. Remove it, or re-record the target so the manifest lists it.")
            return
        if not path.exists():
            raise CassetteError(
                f"Cassette {str(path)!r} is listed in {MANIFEST} but missing. Restore it "
                "(`git checkout -- cassettes`) or re-record with `zdconform run --target emulator`.")
        actual = known_sha256(path) if read and self._read(path) else sha256_file(path)
        if actual != entry["sha256"]:
            raise CassetteError(
                f"Cassette {str(path)!r} was modified after recording: its SHA-256 is "
                f"{actual[:16]}..., the manifest records {entry['sha256'][:16]}.... Restore it "
                "from version control or re-record; pass `--zd-allow-unverified` to replay it anyway.")

    def problems(self) -> list[Problem]:
        """Every modified, missing and extra cassette in the folder, sorted by path."""
        sealed = seal_problem(self.manifest) if (self.folder / MANIFEST).exists() else None
        found = [Problem("modified", MANIFEST, sealed)] if sealed else []
        listed = self.manifest["cassettes"]
        on_disk = {p.relative_to(self.folder).as_posix() for p in self.folder.rglob("*.yaml")}
        for key, entry in listed.items():
            path, why = self.folder / key, unsafe(self.folder, key)
            if why is not None:
                found.append(Problem("unsafe", key, why))
            elif not path.exists():
                found.append(Problem("missing", key))
            elif sha256_file(path) != entry.get("sha256"):
                found.append(Problem("modified", key, "SHA-256 differs from the manifest"))
        found += [Problem("extra", key, "not in the manifest") for key in on_disk - set(listed)]
        stale = self._stale_signature()
        found += [Problem("signature", SIGNATURE, stale)] if stale else []
        return sorted(found, key=lambda p: p.path)

