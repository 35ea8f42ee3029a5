"""evidence.json: one record per check, traced to its cassette, hashed and timed.

`build(info, results)` turns a run's results and cassettes into the evidence document
described by `schemas/evidence.json`, and validates it. A failed check's recorded bodies are
validated again against the schemas the checks use, so its record lists the violations.
`stale_warnings` flags replayed cassettes older than `--zd-max-age-days`.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import platform
import re
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import __version__
from ..conformance.endpoints import schema_for
from ..conformance.schemas import load_registry
from ..exceptions import ZdConformError
from ..recording.files import known_sha256, utcnow
from ..recording.interactions import body_json, try_read_interactions
from ..settings import Profile
from .factcheck import subject, tally
from .results import VERDICTS, CheckResult, RunInfo, axes, cells

__all__ = ["SCHEMA", "build", "git_commit", "stale_warnings"]

SCHEMA = "evidence"
SCHEMA_ID = "https://zdconform.invalid/schemas/evidence.json"
REVALIDATE_CHARS = 16_000  # longer bodies of a passing check: validated by the check itself


def build(info: RunInfo, results: Sequence[CheckResult], findings: list[dict[str, str]]) -> dict[str, Any]:
    """The evidence document of a run, validated against schemas/evidence.json."""
    finished = utcnow()
    base = info.cassette_root.parent.resolve()
    context = _Context(info, base, _stale_before(info.max_age_days) if not info.is_live else None,
                       info.cassette_folder.resolve())
    checks = [_record(result, context) for result in results]
    document = {
        "$schema": SCHEMA_ID,
        "product": {"name": "zdconform", "version": __version__,
                    "commit": git_commit(info.project) if info.project else None},
        "environment": environment(),
        "target": _target(info),
        "profile": _profile(info.profile),
        "run": {"mode": info.mode, "started_at": info.started_at or finished,
                "finished_at": finished, "duration_seconds": _seconds(info.started_at, finished),
                **_session(info)},
        "cassettes": {"folder": _relative(info.cassette_folder, base), "base": _relative(base, info.reports),
                      "manifest_sha256": info.manifest.get("manifest_sha256"),
                      "max_age_days": info.max_age_days, "staleness_checked": not info.is_live,
                      "stale": sorted({c["cassette"]["path"] for c in checks
                                       if c["cassette"] and c["cassette"]["stale"]})},
        "summary": _summary(results),
        "findings": findings,
        "facts": {"subject": subject(info.slug, info.is_reference), **tally(results)},
        "checks": checks,
        **({"signature": info.session["signature"]} if info.session.get("signature") else {}),
    }
    _validate(document)
    return document


def _validate(document: dict[str, Any]) -> None:
    violations = load_registry().validate(document, SCHEMA)
    if violations:
        raise ZdConformError("zdconform built an evidence document that breaks schemas/evidence.json "
                             f"(a bug; please report it): {'; '.join(map(str, violations[:5]))}")


@dataclass(frozen=True)
class _Context:
    info: RunInfo
    base: Path  # the folder holding the cassette root (resolved): cassette paths are relative to it
    stale_before: dt.datetime | None
    folder: Path  # the target's cassette folder, resolved: the manifest's keys are relative to it


def _record(result: CheckResult, context: _Context) -> dict[str, Any]:
    cassette, interactions = _cassette(result.cassette, context)
    scrub = context.info.scrub
    record: dict[str, Any] = {
        "check_id": result.check_id, "nodeid": result.check,
        "target": result.target or context.info.slug,
        "target_kind": target_kind(context.info),
        "auth_method": result.method, "endpoint": result.endpoint,
        "expected": result.expected, "observed_statuses": list(result.statuses),
        "verdict": result.verdict, "reason": scrub(result.reason),
        "phase": result.phase, "duration_seconds": float(result.duration),
        "schema": _schema_verdict(interactions, result, scrub),
        "cassette": cassette,
    }
    record.update(facts=list(result.facts), contradicted=list(result.contradicted),
                  deviations=[{**d, "body": scrub(str(d.get("body", ""))),
                               "message": scrub(str(d.get("message", "")))} for d in result.deviations])
    return {**record, "details": dict(result.details)} if result.details else record


def _cassette(path_text: str | None, context: _Context) -> tuple[dict[str, Any] | None, list[Any]]:
    if not path_text:
        return None, []
    path = Path(path_text)
    resolved = path.resolve()
    try:
        key = resolved.relative_to(context.folder).as_posix()
    except ValueError:
        key = path.name
    entry = context.info.manifest.get("cassettes", {}).get(key)
    if entry is None and not path.is_file():
        return None, []  # skipped when recorded: nothing to point at
    interactions, readable = try_read_interactions(path)
    sha = known_sha256(path) if path.is_file() else None  # hashed once, when replay loaded it
    recorded_at = entry.get("recorded_at") if entry else None
    stale_before = context.stale_before
    return {
        "path": _posix_relpath(resolved, context.base), "exists": path.is_file(),
        "readable": readable,
        "sha256": sha, "manifest_sha256": entry.get("sha256") if entry else None,
        "verified": bool(entry and sha == entry.get("sha256")),
        "recorded_at": recorded_at, "zdconform_version": entry.get("zdconform_version") if entry else None,
        "stale": bool(stale_before and recorded_at and _parse(recorded_at) < stale_before),
        "interactions": [{"index": i["index"], "method": i["method"], "path": i["path"],
                          "status": i["status"], "schema": schema_for(i)} for i in interactions],
    }, interactions


def _schema_verdict(interactions: list[dict[str, Any]], result: CheckResult,
                    scrub: Callable[[str], str]) -> dict[str, Any]:
    """Recorded bodies validated again, except the long ones of a check that passed.

    A passing check validated every body it relied on, so its long bodies (pages of users)
    are taken as the check found them; everything else is validated again here.
    """
    named = [(i, name) for i in interactions if (name := schema_for(i)) is not None]
    again = [(i, name) for i, name in named
             if result.verdict == "fail" or len(i["response"]["body"]) <= REVALIDATE_CHARS]
    violations = [{"interaction": i["index"], "schema": name, "path": v.path, "keyword": v.keyword,
                   "message": scrub(v.message)}
                  for i, name in again for v in load_registry().validate(body_json(i["response"]["body"]), name)]
    reason = result.reason
    if not violations and "does not conform to schema" in reason:  # what the check said
        violations.append({"interaction": None, "schema": None, "path": "$", "keyword": "-",
                           "message": scrub(reason)})
    verdict = "invalid" if violations else ("valid" if named and result.verdict != "skipped" else "not-checked")
    return {"verdict": verdict, "source": "re-validated" if len(again) == len(named) else "check",
            "validated": len(named), "violations": violations}


def stale_warnings(info: RunInfo) -> list[str]:
    """Terminal lines flagging replayed cassettes older than `--zd-max-age-days` (a warning)."""
    if info.is_live:
        return []
    limit = _stale_before(info.max_age_days)
    old = sorted((str(e.get("recorded_at")), key) for key, e in info.manifest.get("cassettes", {}).items()
                 if e.get("recorded_at") and _parse(str(e["recorded_at"])) < limit)
    if not old:
        return []
    return [f"zdconform: warning: {len(old)} cassette(s) in {info.cassette_folder} were recorded more than "
            f"{info.max_age_days} days ago (oldest {old[0][0]}, {old[0][1]}); real tenants "
            "change: re-record them (`zdconform run --target ...`) or raise `--zd-max-age-days`."]


def _session(info: RunInfo) -> dict[str, Any]:
    """What the session selected and whether it ran all of it; null when not known (not a pytest run)."""
    session = info.session
    return {"complete": session.get("complete"), "partial": list(session.get("partial", [])),
            "selection": session.get("selection"), "unchecked_methods": list(session.get("unchecked_methods", []))}


JUDGES = ("pytest", "pytest-recording", "vcrpy", "requests", "urllib3", "jsonschema", "jsonschema-rs")


@functools.lru_cache(maxsize=1)
def environment() -> dict[str, Any]:
    """What judged the tenant besides zdconform: Python, the OS, and the libraries a verdict rests on."""
    versions: dict[str, str | None] = {}
    for name in JUDGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "os": f"{platform.system()} {platform.release()}".strip(), "machine": platform.machine(),
            "packages": versions}


CI_COMMIT_VARIABLES = ("CI_COMMIT_SHA", "GITHUB_SHA")  # GitLab's and GitHub's: the commit a CI job checked out


def git_commit(root: Path, env: Mapping[str, str] | None = None) -> str | None:
    """`git rev-parse HEAD` of the project; where git is missing or the folder is no checkout (a CI image
    without git), the commit the CI names (`CI_COMMIT_SHA`, `GITHUB_SHA`); else None."""
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    if re.fullmatch(r"[0-9a-f]{40}", out):
        return out
    env = os.environ if env is None else env
    named = next((env[v].strip().lower() for v in CI_COMMIT_VARIABLES if env.get(v, "").strip()), "")
    return named if re.fullmatch(r"[0-9a-f]{40}", named) else None


def _target(info: RunInfo) -> dict[str, Any]:
    label = {**info.label, **(info.manifest.get("target") or {} if not info.is_live else {})}
    target: dict[str, Any] = {"slug": info.slug, "kind": target_kind(info),
              "description": str(label.get("description", "")), "base_url": str(label.get("base_url", ""))}
    if isinstance(label.get("emulator_tenant"), dict):
        target["emulator_tenant"] = {k: str(label["emulator_tenant"].get(k, "")) for k in ("file", "sha256")}
    return {**target, "tenant": info.tenant} if info.tenant else target


def target_kind(info: RunInfo) -> str:
    """`reference-emulator` (the built-in tenant), `emulator` (the emulator serving a tenant file) or `tenant`."""
    if info.is_reference:
        return "reference-emulator"
    return "emulator" if info.label.get("kind") == "emulator" else "tenant"


def _profile(profile: Profile) -> dict[str, Any]:
    client = profile.oauth_client
    return {"name": profile.name, "source": profile.source, "expect": dict(profile.expect),
            "oauth_client": None if client is None else str(client), "scopes": list(profile.scopes),
            "oauth": profile.oauth_section()}


def _summary(results: Sequence[CheckResult]) -> dict[str, Any]:
    grid = cells(results)
    methods, endpoints = axes(grid)
    counts = {v: sum(r.verdict == v for r in results) for v in VERDICTS}
    return {"total": len(results), "verdicts": counts, "methods": methods, "endpoints": endpoints,
            "matrix": {m: {e: grid[(m, e)] for e in endpoints if (m, e) in grid} for m in methods}}


def _relative(path: Path | str, start: Path | str) -> str:
    return _posix_relpath(Path(path).resolve(), Path(start).resolve())


def _posix_relpath(path: Path, start: Path) -> str:
    """`path` from `start`, both resolved already, with forward slashes."""
    return Path(os.path.relpath(path, start)).as_posix()


def _stale_before(days: int) -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(days=days)


def _parse(stamp: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _seconds(start: str, end: str) -> float:
    try:
        return max(0.0, (_parse(end) - _parse(start)).total_seconds())
    except ValueError:
        return 0.0

