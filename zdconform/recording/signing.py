"""Signed evidence: an Ed25519 signature over the exact bytes of a cassette folder's MANIFEST.json.

The manifest lists every cassette with its SHA-256 and seals its own content (target, profile,
skipped checks) with `manifest_sha256`, so one signature over its bytes covers the whole
recording. The signature sits beside it in `MANIFEST.json.sig`, JSON:
`{"algorithm": "Ed25519", "signed_file": "MANIFEST.json", "public_key": b64, "signature": b64}`
(raw 32-byte key, raw 64-byte signature, standard base64). The embedded public key only names
the signer (its id: the first 16 hex digits of its SHA-256); trust comes from the key an auditor
passes to `zdconform verify --public-key`.

Keys are PEM: PKCS#8 private (`zdconform keygen`, or `openssl genpkey -algorithm ed25519`),
SubjectPublicKeyInfo public. The private key comes from a file (`--key`,
`ZDCONFORM_SIGNING_KEY_FILE`) or the PEM text in `ZDCONFORM_SIGNING_KEY`, never from a
committed file; no message ever quotes it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..exceptions import CassetteError, UsageError
from .files import atomic_write, read_limited_bytes
from .manifest import SIGNATURE

__all__ = ["KEY_ENV", "KEY_FILE_ENV", "SIGNATURE", "check_signature", "generate_keys", "key_id",
           "load_private_key", "load_public_key", "public_from_raw", "raw_public", "sign_manifest",
           "signature_note", "signer_from_env", "stale_signature"]

MANIFEST = "MANIFEST.json"
KEY_ENV = "ZDCONFORM_SIGNING_KEY"  # the private key's PEM text
KEY_FILE_ENV = "ZDCONFORM_SIGNING_KEY_FILE"  # or the path of its PEM file
KEY_LIMIT = 16 * 1024  # bytes: an Ed25519 PEM is about 120
SIGNATURE_LIMIT = 4 * 1024
MANIFEST_LIMIT = 16 * 1024 * 1024
_MAKE = "Make a key pair with `zdconform keygen`."


def key_id(key: Ed25519PublicKey) -> str:
    """The public key's short id: the first 16 hex digits of the SHA-256 of its 32 raw bytes."""
    return hashlib.sha256(_raw(key)).hexdigest()[:16]


def raw_public(key: Ed25519PublicKey) -> bytes:
    """The public key's 32 raw bytes."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


_raw = raw_public


def public_from_raw(raw: bytes) -> Ed25519PublicKey:
    """The Ed25519 public key of 32 raw bytes; ValueError otherwise."""
    return Ed25519PublicKey.from_public_bytes(raw)


def _private_from(data: bytes, where: str) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        raise UsageError(f"{where} does not hold an unencrypted Ed25519 private key in PEM (PKCS#8, "
                         f"`-----BEGIN PRIVATE KEY-----`); its content is not shown. {_MAKE}")
    return key


def load_private_key(path: Path) -> Ed25519PrivateKey:
    """The Ed25519 private key in the PEM file `path`."""
    return _private_from(read_limited_bytes(path, KEY_LIMIT, what="signing key"), f"The signing key {str(path)!r}")


def signer_from_env(env: Mapping[str, str] | None = None) -> Ed25519PrivateKey | None:
    """The signing key from `ZDCONFORM_SIGNING_KEY` (PEM text) or `ZDCONFORM_SIGNING_KEY_FILE`, or None."""
    env = os.environ if env is None else env
    if env.get(KEY_ENV):
        return _private_from(env[KEY_ENV].encode("utf-8", "replace"), f"`{KEY_ENV}`")
    if env.get(KEY_FILE_ENV):
        return load_private_key(Path(env[KEY_FILE_ENV]))
    return None


def load_public_key(path: Path) -> Ed25519PublicKey:
    """The Ed25519 public key in the PEM file `path`; a private key there is refused."""
    data = read_limited_bytes(path, KEY_LIMIT, what="public key")
    if b"PRIVATE KEY" in data:
        raise UsageError(f"{str(path)!r} is a private key: give the public half (the `.pub` file of "
                         "`zdconform keygen`). Keep the private key away from auditors and version control.")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, Ed25519PublicKey):
        raise UsageError(f"The public key {str(path)!r} is not an Ed25519 public key in PEM "
                         f"(`-----BEGIN PUBLIC KEY-----`). {_MAKE}")
    return key


def generate_keys(prefix: Path) -> tuple[Path, Path]:
    """A new key pair: PREFIX.key (private, mode 600) and PREFIX.pub; existing files are kept."""
    private, public = prefix.with_name(prefix.name + ".key"), prefix.with_name(prefix.name + ".pub")
    for path in (private, public):
        if path.exists() or path.is_symlink():
            raise UsageError(f"{str(path)!r} exists already: keygen never overwrites a key. "
                             "Choose another `--out` prefix, or remove the old pair if it is no longer needed.")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        atomic_write(private, pem.decode("ascii"), mode=0o600)
        atomic_write(public, pub.decode("ascii"))
    except OSError as exc:
        raise UsageError(f"Cannot write the key pair at {str(prefix)!r} ({exc.strerror or type(exc).__name__}): "
                         "choose a writable folder with `--out`.") from None
    return private, public


def sign_manifest(folder: Path, key: Ed25519PrivateKey, manifest: bytes | None = None) -> str:
    """Sign `folder`'s MANIFEST.json (or the bytes just written to it); the signer's key id."""
    if manifest is None:
        manifest = read_limited_bytes(folder / MANIFEST, MANIFEST_LIMIT, what="cassette manifest")
    public = key.public_key()
    record = {"algorithm": "Ed25519", "signed_file": MANIFEST,
              "public_key": base64.b64encode(_raw(public)).decode("ascii"),
              "signature": base64.b64encode(key.sign(manifest)).decode("ascii")}
    atomic_write(folder / SIGNATURE, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return key_id(public)


def _read_signature(folder: Path) -> tuple[Ed25519PublicKey, bytes]:
    """The signer's embedded public key and the signature; CassetteError when malformed."""
    path = folder / SIGNATURE
    try:
        data: Any = json.loads(read_limited_bytes(path, SIGNATURE_LIMIT, what="signature file"))
        if not isinstance(data, dict) or data.get("algorithm") != "Ed25519":
            raise ValueError("not an Ed25519 signature record")
        raw = base64.b64decode(str(data.get("public_key")), validate=True)
        signature = base64.b64decode(str(data.get("signature")), validate=True)
        if len(raw) != 32 or len(signature) != 64:
            raise ValueError("wrong lengths")
        return Ed25519PublicKey.from_public_bytes(raw), signature
    except (UsageError, ValueError, binascii.Error, RecursionError) as exc:
        why = str(exc) if isinstance(exc, UsageError) else "it is not the JSON record `zdconform sign` writes"
        raise CassetteError(f"The signature {str(path)!r} cannot be read ({why}). Sign the folder again "
                            "with `zdconform sign`, or restore it from version control.") from None


def check_signature(folder: Path, trusted: Ed25519PublicKey) -> str | None:
    """Why `folder`'s signature does not prove its MANIFEST.json was signed by `trusted`, or None."""
    if not (folder / SIGNATURE).exists() and not (folder / SIGNATURE).is_symlink():
        return (f"no {SIGNATURE}: the folder was never signed, or its signature was removed; "
                "the recording cannot be proven unchanged")
    try:
        signer, signature = _read_signature(folder)
    except CassetteError as exc:
        return str(exc)
    if _raw(signer) != _raw(trusted):
        return f"signed by key {key_id(signer)}, not by the given key {key_id(trusted)}"
    try:
        trusted.verify(signature, read_limited_bytes(folder / MANIFEST, MANIFEST_LIMIT, what="cassette manifest"))
    except InvalidSignature:
        return f"{MANIFEST} is not the file key {key_id(trusted)} signed: it was changed after signing"
    return None


def stale_signature(folder: Path) -> str | None:
    """Why `folder`'s present signature does not match its MANIFEST.json even by the key it names (an
    edit after signing), or None (matching, or no signature). No trusted key is needed to see this."""
    if not (folder / SIGNATURE).exists() and not (folder / SIGNATURE).is_symlink():
        return None
    try:
        signer, _ = _read_signature(folder)
    except CassetteError as exc:
        return str(exc)
    return check_signature(folder, signer)


def signature_note(folder: Path) -> str | None:
    """One line on the folder's signature when no key was given to check it, or None if unsigned."""
    if not (folder / SIGNATURE).exists():
        return None
    try:
        signer, _ = _read_signature(folder)
    except CassetteError as exc:
        return str(exc)
    stale = check_signature(folder, signer)
    if stale is not None:
        return f"signature: {SIGNATURE} is stale ({stale}); sign again with `zdconform sign`"
    return (f"signature: present, by key {key_id(signer)}; not checked against a trusted key: "
            "give `--public-key FILE` to prove who signed")
