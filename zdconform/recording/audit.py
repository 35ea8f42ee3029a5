"""What `zdconform verify` and `zdconform sign` do to a cassette folder, as lines to print.

`verify_folder` lists every problem (modified, missing, extra or unsafe cassettes, an edited
manifest, and with a trusted public key a missing, foreign or stale signature); `sign_folder`
signs only a folder that matches its manifest.
"""

from __future__ import annotations

from pathlib import Path

from ..exceptions import CassetteError, UsageError
from . import signing
from .store import MANIFEST, CassetteStore, Problem

__all__ = ["sign_folder", "verify_folder"]


def verify_folder(folder: Path, public_key: str | None, *, slug: str | None = None,
                  not_before: str | None = None) -> tuple[list[str], int]:
    """The lines `verify` prints and its exit code: 0 when nothing is wrong, 1 otherwise. `slug`: the
    target the folder must be the recording of; `not_before`: the oldest recording time accepted."""
    trusted = signing.load_public_key(Path(public_key)) if public_key else None
    store = CassetteStore(folder, verify=False)  # list every problem instead of stopping at the first
    problems = store.problems()
    if trusted is not None:  # the trusted key's verdict on the signature replaces the self-check's
        problems = [p for p in problems if p.kind != "signature"]
        why = signing.check_signature(folder, trusted)
        problems += [Problem("signature", signing.SIGNATURE, why)] if why else []
    claimed = store.manifest.get("target", {}).get("slug")
    if slug is not None and claimed != slug:
        problems.append(Problem("target", MANIFEST, f"the recording of {claimed!r}, not of {slug!r}: a folder "
                                "copied from another target"))
    recorded = max((str(e.get("recorded_at", "")) for e in store.manifest["cassettes"].values()), default="")
    if not_before and recorded[:len(not_before)] < not_before:
        problems.append(Problem("rollback", MANIFEST, f"recorded {recorded or 'at an unknown time'}, before the "
                                f"bound {not_before} (`--not-before`): older than the recording last verified"))
    lines = [str(problem) for problem in problems]
    if trusted is None:
        lines += [note] if (note := signing.signature_note(folder)) and not any(
            p.kind == "signature" for p in problems) else []
    elif not any(p.kind == "signature" for p in problems):
        lines.append(f"signature: MANIFEST.json is signed by key {signing.key_id(trusted)}, the key given")
    lines.append(f"{'FAILED' if problems else 'OK'}: {len(store.manifest['cassettes'])} cassette(s) in the "
                 f"manifest, recorded {recorded[:19] or 'never'}, {len(problems)} problem(s) in {folder}")
    return lines, 1 if problems else 0


def sign_folder(folder: Path, key_file: str | None) -> str:
    """Sign `folder`'s manifest with the key in `key_file` (or the environment's); what was done."""
    key = signing.load_private_key(Path(key_file)) if key_file else signing.signer_from_env()
    if key is None:
        raise UsageError("No signing key: give `--key FILE`, or set ZDCONFORM_SIGNING_KEY (the PEM text) or "
                         "ZDCONFORM_SIGNING_KEY_FILE. Make a key pair with `zdconform keygen`.")
    problems = [p for p in CassetteStore(folder, verify=False).problems() if p.kind != "signature"]  # replaced
    if problems:
        raise CassetteError(f"Refusing to sign {str(folder)!r}: it does not match its manifest ({problems[0]}; "
                            f"{len(problems)} problem(s) in all, see `zdconform verify`). Restore it from "
                            "version control or re-record it, then sign.")
    return f"signed {folder / signing.SIGNATURE} with key {signing.sign_manifest(folder, key)}"
