"""The per-tenant evidence `zdconform merge` combines: found in reports folders, read and checked.

A reports folder is a single run's (`evidence.json` at its top) or a fleet run's
(`tenants/<name>/evidence.json`, one folder per tenant); merge takes several (one per CI job).
`load_sources` reads every evidence.json, validates it against schemas/evidence.json, and
refuses, in one paragraph naming the thing and the fix (`UsageError`), a folder with no
evidence, an evidence that is not valid, the same tenant twice, and evidence of different
zdconform versions or commits. Each tenant's cassette folder (`cassettes.base`/`folder`, from
the evidence's folder) must hold the MANIFEST.json the evidence names (`cassettes.manifest_sha256`)
and verify as `zdconform verify` verifies it; `cassettes=False` (`--no-cassettes`) merges the
evidence alone and marks every tenant unverified.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..conformance.schemas import load_registry
from ..exceptions import UsageError, ZdConformError
from ..recording.audit import verify_folder
from ..recording.files import read_limited
from ..recording.manifest import DIGEST, MANIFEST_LIMIT

__all__ = ["EVIDENCE", "Source", "evidence_files", "load_sources", "read_evidence", "tenant_name"]

EVIDENCE = "evidence.json"
EVIDENCE_LIMIT = 64 * 1024 * 1024  # bytes: a run's evidence is a few hundred kilobytes
_NO_CASSETTES = ("pass `--no-cassettes` to merge the evidence alone (fleet.json then marks the tenant's "
                 "manifest unverified)")


@dataclass(frozen=True)
class Source:
    """One tenant's evidence: its name, where it was found, the document, and its manifest check."""

    name: str
    folder: Path  # the folder holding evidence.json
    given: Path  # the reports folder (a REPORTS argument) it was found in
    evidence: dict[str, Any]
    manifest: dict[str, Any] = field(default_factory=dict)

    @property
    def cassette_folder(self) -> Path:
        cassettes = self.evidence["cassettes"]
        return Path(os.path.normpath(self.folder / cassettes["base"] / cassettes["folder"]))


def tenant_name(evidence: dict[str, Any]) -> str:
    """The tenant's name: `target.tenant` (a fleet run sets it), else the target's slug."""
    return str(evidence["target"].get("tenant") or evidence["target"]["slug"])


def load_sources(folders: Sequence[Path], *, cassettes: bool = True) -> list[Source]:
    """Every tenant's evidence in `folders`, checked and sorted by name; refuses as the module says."""
    if not folders:
        raise UsageError("Nothing to merge: give one or more reports folders (`zdconform merge reports/ ...`).")
    sources = [read_evidence(path, Path(given)) for given in folders for path in evidence_files(Path(given))]
    _refuse_duplicates(sources)
    _refuse_mixed_products(sources)
    checked: dict[Path, dict[str, Any]] = {}  # a cassette folder shared by tenants is verified once
    return [_with_manifest(s, cassettes, checked) for s in sorted(sources, key=lambda s: s.name)]


def evidence_files(folder: Path) -> list[Path]:
    """The evidence.json files of one reports folder: at its top, and under `tenants/<name>/`."""
    if not folder.is_dir():
        why = "does not exist" if not folder.exists() else "is not a folder"
        raise UsageError(f"The reports folder {str(folder)!r} {why}. Give the `reports/` folder a run wrote "
                         "(one per CI job, as downloaded), or a fleet run's reports folder.")
    found = [folder / EVIDENCE] if (folder / EVIDENCE).is_file() else []
    tenants = folder / "tenants"
    for sub in sorted(p for p in tenants.iterdir() if p.is_dir()) if tenants.is_dir() else []:
        if not (sub / EVIDENCE).is_file():
            raise UsageError(f"The tenant folder {str(sub)!r} holds no {EVIDENCE}: that tenant's run wrote no "
                             "evidence (a failed preflight, an interrupted job). Run that tenant again, or remove "
                             "its folder to merge the others without it.")
        found.append(sub / EVIDENCE)
    if not found:
        raise UsageError(f"The reports folder {str(folder)!r} holds no evidence: neither {EVIDENCE} at its top "
                         f"(a run's reports) nor tenants/<name>/{EVIDENCE} (a fleet run's). Give the folder a "
                         "`zdconform run` wrote its reports to, after the run finished.")
    return found


def read_evidence(path: Path, given: Path) -> Source:
    """The evidence.json at `path` (found in the reports folder `given`), read and validated; refused as the
    module says."""
    fix = "Run that tenant again to write a fresh one; zdconform never repairs evidence."
    text = read_limited(path, EVIDENCE_LIMIT, what="evidence")
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"The evidence {str(path)!r} is not JSON ({type(exc).__name__}: it is truncated or "
                         f"not an evidence.json). {fix}") from None
    violations = load_registry().validate(document, "evidence")
    if violations:
        raise UsageError(f"The evidence {str(path)!r} is not a valid zdconform evidence document "
                         f"({violations[0]}). {fix}")
    return Source(tenant_name(document), path.parent, given, document)


def _refuse_duplicates(sources: list[Source]) -> None:
    seen: dict[str, Source] = {}
    for source in sources:
        first = seen.setdefault(source.name, source)
        if first is not source:
            raise UsageError(f"The tenant {source.name!r} appears twice: in {str(first.folder / EVIDENCE)!r} and "
                             f"in {str(source.folder / EVIDENCE)!r} (a tenant is named by its evidence's "
                             "`target.tenant`, else its slug). A fleet evidence holds each tenant once: give each "
                             "job's reports folder once, and make each tenant run in exactly one shard.")


def _refuse_mixed_products(sources: list[Source]) -> None:
    versions = _grouped(sources, lambda p: f"{p['name']} {p['version']}")
    if len(versions) > 1:
        raise UsageError("Evidence written by different zdconform versions cannot be merged: "
                         f"{_listing(versions)}. Their checks and verdicts differ; run every tenant with the "
                         "same zdconform (pin it in the CI jobs) and merge again.")
    commits = _grouped([s for s in sources if s.evidence["product"]["commit"]], lambda p: str(p["commit"]))
    if len(commits) > 1:
        raise UsageError("Evidence written by different commits of zdconform cannot be merged: "
                         f"{_listing(commits)}. The suites may differ between them; run every shard from "
                         "the same commit (one workflow run) and merge again.")


def _grouped(sources: Iterable[Source], key: Any) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for source in sources:
        groups.setdefault(key(source.evidence["product"]), []).append(source.name)
    return groups


def _listing(groups: dict[str, list[str]]) -> str:
    def names(tenants: list[str]) -> str:
        shown = ", ".join(repr(t) for t in tenants[:3])
        return shown + (f" and {len(tenants) - 3} more" if len(tenants) > 3 else "")

    return "; ".join(f"{key} (tenant {names(tenants)})" for key, tenants in sorted(groups.items()))


def _with_manifest(source: Source, cassettes: bool, checked: dict[Path, dict[str, Any]]) -> Source:
    declared = source.evidence["cassettes"].get(DIGEST)
    if not cassettes:
        return _marked(source, {"verified": False, "manifest_sha256": declared,
                                "detail": "not checked: merged with --no-cassettes (the evidence alone)"})
    folder = source.cassette_folder
    if declared is None and not any(check.get("cassette") for check in source.evidence.get("checks", [])):
        return _marked(source, {"verified": False, "manifest_sha256": None,  # (a fleet tenant its preflight refused)
                                "detail": "nothing to check: the run recorded no cassette"})
    if declared is None:
        raise UsageError(f"The evidence of tenant {source.name!r} ({str(source.folder / EVIDENCE)!r}) names no "
                         "cassette manifest (`cassettes.manifest_sha256` is absent or null: a run that recorded "
                         f"nothing, or evidence of an older zdconform), so its cassettes cannot be checked. Run it "
                         f"again, or {_NO_CASSETTES}.")
    if not (folder / "MANIFEST.json").is_file():
        raise UsageError(f"The cassettes of tenant {source.name!r} are not beside its report: no MANIFEST.json in "
                         f"{str(folder)!r} (its evidence's `cassettes.base` and `cassettes.folder`). Download the "
                         f"job's cassettes/ with its reports/, keeping their layout, or {_NO_CASSETTES}.")
    if folder not in checked:
        checked[folder] = _verify(folder)
    result = checked[folder]
    if result["found"] != declared:
        raise UsageError(f"The cassette manifest {str(folder / 'MANIFEST.json')!r} is not the one tenant "
                         f"{source.name!r}'s evidence describes: it is sealed {str(result['found'])[:16]}..., the "
                         f"evidence names {declared[:16]}.... The cassettes were re-recorded or edited after that "
                         "run: merge the cassettes that run wrote (the same job's artifact), or run it again.")
    if result["problems"]:
        raise UsageError(f"The cassettes of tenant {source.name!r} in {str(folder)!r} do not verify against their "
                         f"manifest ({'; '.join(result['problems'][:3])}): they were edited after recording. "
                         "`zdconform verify` lists every problem; restore the recording that run wrote, or run "
                         "the tenant again.")
    return _marked(source, {"verified": True, "manifest_sha256": declared, "detail": result["detail"]})


def _marked(source: Source, manifest: dict[str, Any]) -> Source:
    return Source(source.name, source.folder, source.given, source.evidence, manifest)


def _verify(folder: Path) -> dict[str, Any]:
    """What `zdconform verify` (no public key) says of `folder`, and the digest its manifest holds."""
    try:
        manifest = json.loads(read_limited(folder / "MANIFEST.json", MANIFEST_LIMIT, what="cassette manifest"))
        found = manifest.get(DIGEST) if isinstance(manifest, dict) else None
        lines, code = verify_folder(folder, None)
    except (ZdConformError, ValueError, RecursionError) as exc:
        raise UsageError(f"The cassette manifest in {str(folder)!r} cannot be checked ({exc}).") from None
    *notes, last = lines
    problems = [line for line in notes if not line.startswith("signature")] or [last] if code else []
    summary = last.removeprefix("OK: ").removesuffix(f" in {folder}")  # paths live in the tenant's `source`
    return {"found": found, "problems": problems, "detail": "; ".join([summary, *notes])}
