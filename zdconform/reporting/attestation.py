"""The signed evidence bundle of a run: one signature over its reports and its recording.

A run's evidence is `evidence.json`, `results.json`, `junit.xml` and `evidence.html` in its
reports folder, and its cassette folder (`MANIFEST.json` and every cassette it lists). One
in-toto Statement v1 (https://in-toto.io/Statement/v1) lists each of those files as a subject,
by name and SHA-256 (`reports/<file>`, `recording/<path in the cassette folder>`); its predicate
binds them to the target (slug, base URL, kind), the recording time (the manifest's latest
`recorded_at`), the signing time and the signer's public key. The statement is the payload of a
DSSE envelope (https://github.com/secure-systems-lab/dsse, v1.0.0), signed with Ed25519 over
the DSSE pre-authentication encoding, and written to `evidence.dsse.json` beside the reports:

    {"payloadType": "application/vnd.in-toto+json", "payload": <base64 statement>,
     "signatures": [{"keyid": <16 hex digits>, "sig": <base64, 64 bytes>}]}

The envelope is exactly the standard's, built with `cryptography` alone (the key type the
project already signs its manifests with): `securesystemslib` or `in-toto` would add a
dependency for two dozen lines of encoding, and any DSSE verifier (in-toto, sigstore's tools,
or `openssl pkeyutl` over the PAE bytes; the offline route of docs/evidence.md) checks it.

`verify_bundle` checks, in order: the envelope and its signature (with the auditor's trusted
key; without one, with the key the statement names: a changed file or payload is still caught,
a re-signing by another key is not), every subject present with its digest, no file of the
evidence left out (missing or extra), the target the caller expects, and a rollback bound.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from .. import __version__
from ..exceptions import UsageError
from ..recording.files import atomic_write, read_limited_bytes, sha256_file, utcnow
from ..recording.signing import SIGNATURE, key_id, public_from_raw, raw_public
from ..recording.store import LOCK

__all__ = ["Bundle", "ENVELOPE", "PAYLOAD_TYPE", "PREDICATE_TYPE", "STATEMENT_TYPE", "check_not_before", "pae",
           "recording_of", "sign_bundle", "sign_reports", "signing_note", "verify_bundle", "verify_reports"]

ENVELOPE = "evidence.dsse.json"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://zdconform.invalid/attestations/evidence/v1"
REPORTS = ("evidence.json", "results.json", "junit.xml", "evidence.html")
ENVELOPE_LIMIT = 32 * 1024 * 1024
_NOT_LISTED = {SIGNATURE, LOCK}  # beside the recording, never part of it


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE's pre-authentication encoding: what is signed."""
    kind = payload_type.encode("utf-8")
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def _files(reports: Path, recording: Path) -> dict[str, Path]:
    """Every file of the evidence by subject name: the reports present and the cassette folder's files."""
    found = {f"reports/{name}": reports / name for name in REPORTS if (reports / name).is_file()}
    if recording.is_dir():
        for path in sorted(recording.rglob("*")):
            if path.is_file() and path.name not in _NOT_LISTED and not path.is_symlink():
                found[f"recording/{path.relative_to(recording).as_posix()}"] = path
    return found


def _recorded_at(recording: Path) -> str | None:
    try:
        manifest = json.loads((recording / "MANIFEST.json").read_text(encoding="utf-8"))
        return max(str(e.get("recorded_at", "")) for e in manifest["cassettes"].values()) or None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def sign_bundle(reports: Path, recording: Path, key: Ed25519PrivateKey, target: dict[str, Any],
                signed_at: str | None = None) -> Path:
    """Sign the evidence in `reports` and the recording in `recording` as one bundle; its envelope's path."""
    public = key.public_key()
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": [{"name": name, "digest": {"sha256": sha256_file(path)}}
                    for name, path in _files(reports, recording).items()],
        "predicateType": PREDICATE_TYPE,
        "predicate": {"target": {k: target.get(k) for k in ("slug", "kind", "base_url")},
                      "recorded_at": _recorded_at(recording), "signed_at": signed_at or utcnow(),
                      "signer": {"keyid": key_id(public),
                                 "public_key": base64.b64encode(raw_public(public)).decode("ascii")},
                      "zdconform_version": __version__},
    }
    payload = json.dumps(statement, indent=1, sort_keys=True).encode("utf-8")
    envelope = {"payloadType": PAYLOAD_TYPE, "payload": base64.b64encode(payload).decode("ascii"),
                "signatures": [{"keyid": key_id(public),
                                "sig": base64.b64encode(key.sign(pae(PAYLOAD_TYPE, payload))).decode("ascii")}]}
    path = reports / ENVELOPE
    atomic_write(path, json.dumps(envelope, indent=2) + "\n")
    return path


@dataclass(frozen=True)
class Bundle:
    """What a verified envelope says: who signed, when, for which target, and what is wrong."""

    problems: list[str]
    keyid: str | None = None
    signed_at: str | None = None
    recorded_at: str | None = None
    target: dict[str, Any] | None = None
    subjects: int = 0


def _read(reports: Path) -> tuple[bytes, dict[str, Any], bytes]:
    """The envelope's payload, its statement and its one signature; UsageError when malformed."""
    path = reports / ENVELOPE
    try:
        envelope = json.loads(read_limited_bytes(path, ENVELOPE_LIMIT, what="evidence envelope"))
        if not isinstance(envelope, dict) or envelope.get("payloadType") != PAYLOAD_TYPE:
            raise ValueError(f"its payloadType is not {PAYLOAD_TYPE}")
        payload = base64.b64decode(str(envelope.get("payload")), validate=True)
        signatures = envelope.get("signatures")
        if not isinstance(signatures, list) or len(signatures) != 1 or not isinstance(signatures[0], dict):
            raise ValueError("it must hold exactly one signature")
        sig = base64.b64decode(str(signatures[0].get("sig")), validate=True)
        statement = json.loads(payload)
        if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE \
                or statement.get("predicateType") != PREDICATE_TYPE or not isinstance(statement.get("subject"), list):
            raise ValueError("its payload is not zdconform's in-toto Statement v1")
        return payload, statement, sig
    except (ValueError, binascii.Error, RecursionError, UnicodeDecodeError) as exc:
        raise UsageError(f"The evidence envelope {str(path)!r} cannot be read ({exc}): it is not the DSSE "
                         "envelope a signed run writes. Sign the evidence again with `zdconform sign --reports`, "
                         "or restore it from where the run's artifacts are kept.") from None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def verify_bundle(reports: Path, recording: Path, trusted: Ed25519PublicKey | None, *,
                  slug: str | None = None, not_before: str | None = None) -> Bundle:
    """Every problem of the evidence bundle in `reports` over the recording in `recording`."""
    payload, statement, sig = _read(reports)
    predicate = _mapping(statement.get("predicate"))
    signer = _mapping(predicate.get("signer"))
    problems: list[str] = []
    try:
        named = public_from_raw(base64.b64decode(str(signer.get("public_key")), validate=True))
    except (ValueError, binascii.Error):
        named = None
    key = trusted or named
    if key is None:
        problems.append("signature: the statement names no signer's key, and no `--public-key` was given")
    else:
        if trusted is not None and named is not None and raw_public(named) != raw_public(trusted):
            problems.append(f"signature: signed by key {key_id(named)}, not by the given key {key_id(trusted)}")
        try:
            key.verify(sig, pae(PAYLOAD_TYPE, payload))
        except InvalidSignature:
            problems.append(f"signature: {ENVELOPE} is not what key {key_id(key)} signed: it was changed after "
                            "signing")
    listed: dict[str, str] = {}
    for subject in statement["subject"]:
        if isinstance(subject, dict) and isinstance(subject.get("digest"), dict):
            listed[str(subject.get("name"))] = str(subject["digest"].get("sha256"))
    present = _files(reports, recording)
    for name, digest in listed.items():
        if name not in present:
            problems.append(f"missing: {name} (signed, not found)")
        elif sha256_file(present[name]) != digest:
            problems.append(f"modified: {name} (its SHA-256 is not the signed one)")
    problems += [f"extra: {name} (not part of the signed evidence)" for name in present if name not in listed]
    target = _mapping(predicate.get("target"))
    if slug is not None and target.get("slug") != slug:
        problems.append(f"target: the evidence was signed for {target.get('slug')!r}, not for {slug!r}: a "
                        "recording of another target")
    recorded = str(predicate.get("recorded_at") or "")
    if not_before and recorded[:len(not_before)] < not_before:
        problems.append(f"rollback: recorded {recorded or 'at an unknown time'}, before the bound {not_before} "
                        "(`--not-before`): an older recording than the one last verified")
    return Bundle(problems, key_id(key) if key else None, str(predicate.get("signed_at") or "") or None,
                  recorded or None, target, len(listed))


def check_not_before(value: str) -> str:
    """`--not-before`: an ISO date or time (UTC), as the evidence writes them."""
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"`--not-before` {value!r} is not an ISO date or time (for example 2026-12-01 or "
                         "2026-12-01T09:00:00Z): give the recording time of the last evidence you verified.") from None
    return value


def signing_note(key: Ed25519PrivateKey | None, signed_at: str) -> dict[str, Any] | None:
    """What evidence.json and its page say of the signature the run is about to write (None: unsigned)."""
    if key is None:
        return None
    return {"envelope": ENVELOPE, "keyid": key_id(key.public_key()), "signed_at": signed_at,
            "format": "DSSE v1 envelope of an in-toto Statement v1, Ed25519", "manifest_signature": SIGNATURE}


def recording_of(reports: Path) -> tuple[dict[str, Any], Path]:
    """The evidence document in `reports` and the cassette folder it names (relative to it)."""
    source = reports / "evidence.json"
    try:
        document = json.loads(read_limited_bytes(source, ENVELOPE_LIMIT, what="evidence"))
        cassettes = document["cassettes"]
        return document, (reports / str(cassettes["base"]) / str(cassettes["folder"])).resolve()
    except (UsageError, ValueError, KeyError, TypeError, RecursionError) as exc:
        why = str(exc) if isinstance(exc, UsageError) else "it is not a zdconform evidence document"
        raise UsageError(f"Cannot read the evidence {str(source)!r} ({why}): give `--reports` the folder of a "
                         "run's evidence.json, with its cassette folder where the run left it (or `--cassettes`)."
                         ) from None


def verify_reports(reports: Path, recording: Path, manifest_sha256: str | None, trusted: Ed25519PublicKey | None,
                   *, slug: str | None, not_before: str | None) -> tuple[list[str], int]:
    """`verify --reports`: the evidence against its manifest, and the signed bundle; lines and exit code."""
    problems: list[str] = []
    document, _ = recording_of(reports)
    named = document["cassettes"].get("manifest_sha256")
    if named != manifest_sha256:
        problems.append(f"evidence: evidence.json names the manifest {named}, but the recording's is "
                        f"{manifest_sha256}: the evidence is not of this recording")
    if not (reports / ENVELOPE).exists():
        note = f"signature: no {ENVELOPE}: the evidence is unsigned (nothing proves it unchanged)"
        problems += [note] if trusted is not None else []
        notes = [] if trusted is not None else [note]
    else:
        bundle = verify_bundle(reports, recording, trusted, slug=slug, not_before=not_before)
        problems += bundle.problems
        notes = [] if bundle.problems else [
            f"signature: {bundle.subjects} file(s) signed by key {bundle.keyid} at {bundle.signed_at}, recorded "
            f"{bundle.recorded_at}, for {(bundle.target or {}).get('slug')}"
            f"{'' if trusted is not None else '; not checked against a trusted key: give `--public-key`'}"]
    verdict = f"{'FAILED' if problems else 'OK'}: the evidence in {reports}, {len(problems)} problem(s)"
    return [*problems, *notes, verdict], 1 if problems else 0


def sign_reports(reports: Path, recording: Path, key: Ed25519PrivateKey,
                 render: Any) -> Path:
    """`sign --reports`: the evidence says it is signed (evidence.json, its page again), then one signature
    over it and the recording; the envelope's path."""
    document, _ = recording_of(reports)
    signed_at = utcnow()
    document["signature"] = signing_note(key, signed_at)
    atomic_write(reports / "evidence.json", json.dumps(document, indent=2) + "\n")
    render(reports)
    return sign_bundle(reports, recording, key, document.get("target", {}), signed_at)
