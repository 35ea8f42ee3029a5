"""Evidence for auditors: one record per check, traced to its cassette, hashed and timed.

`build(run)` turns a run's results and cassettes into the evidence document described by
`schemas/evidence.json`; `write_reports(run)` validates it, renders `evidence.html`, passes
both through the leak gate and writes them atomically. A failed check's recorded bodies are
validated again against the schemas the checks use, so its record lists the violations.
`policy_findings` and `stale_warnings` are reusable by anything that prints a run.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from .. import __version__
from ..recording.store import atomic_write, leak_gate, sha256_file, utcnow
from ..exceptions import CassetteLeakError, ZdConformError
from .findings import policy_findings, recorded_client_bodies
from ..recording.interactions import body_json, schema_for, try_read_interactions
from ..conformance.schemas import load_registry
from ..recording.scrub import SecretSet, find_leaks

__all__ = ["build", "gate", "policy_findings", "recorded_client_bodies", "stale_warnings",
           "write_reports"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCHEMA = "evidence"
SCHEMA_ID = "https://zdconform.invalid/schemas/evidence.json"
REVALIDATE_CHARS = 16_000  # longer bodies of a passing check: validated by the check itself


def write_reports(run: Any) -> list[Path]:
    """Write evidence.json and evidence.html under the run's reports folder; their paths."""
    from .html import render

    folder = Path(run.options.reports)
    document = build(run)
    texts = {folder / "evidence.json": json.dumps(document, indent=2) + "\n",
             folder / "evidence.html": render(document, folder)}
    for path, text in texts.items():  # gate every report before writing any of them
        gate(text, path, run.secrets)
    for path, text in texts.items():
        atomic_write(path, text)
    return list(texts)


def gate(text: str, path: Path, secrets: SecretSet) -> None:
    """The leak gate for reports, which also reads the text HTML-unescaped."""
    leak_gate(text + "\n" + html.unescape(text), path, secrets,
              "No report was written. Scrub the value where it enters the report (a reason, a "
              "recorded body) and run again.")


def build(run: Any) -> dict[str, Any]:
    """The evidence document of `run`, validated against schemas/evidence.json."""
    store, options = run.store, run.options
    finished = utcnow()
    base = Path(options.cassette_root).parent
    context = {"folder": Path(store.folder), "base": base, "manifest": store.manifest,
               "stale_before": _stale_before(options.max_age_days) if not run.target.is_live else None,
               "scrub": run.scrubber.message}
    checks = [_record(result, run, context) for result in run.results]
    document = {
        "$schema": SCHEMA_ID,
        "product": {"name": "zdconform", "version": __version__, "commit": git_commit()},
        "target": _target(run),
        "profile": _profile(run.profile),
        "run": {"mode": run.target.kind, "started_at": run.started_at or finished,
                "finished_at": finished, "duration_seconds": _seconds(run.started_at, finished)},
        "cassettes": {"folder": _relative(store.folder, base), "base": _relative(base, options.reports),
                      "max_age_days": options.max_age_days, "staleness_checked": not run.target.is_live,
                      "stale": sorted({c["cassette"]["path"] for c in checks
                                       if c["cassette"] and c["cassette"]["stale"]})},
        "summary": _summary(run.results),
        "findings": policy_findings(run.profile, run.results, recorded_client_bodies(run.results)),
        "checks": checks,
    }
    _validate(document)
    return document


def _validate(document: dict[str, Any]) -> None:
    violations = load_registry().validate(document, SCHEMA)
    if violations:
        raise ZdConformError("zdconform built an evidence document that breaks schemas/evidence.json "
                             f"(a bug; please report it): {'; '.join(map(str, violations[:5]))}")


def _record(result: dict[str, Any], run: Any, context: dict[str, Any]) -> dict[str, Any]:
    cassette, interactions = _cassette(result.get("cassette"), context)
    scrub = context["scrub"]
    record = {
        "check_id": result["check_id"], "nodeid": result["check"],
        "target": result.get("target", run.target.slug),
        "target_kind": "reference-emulator" if run.target.is_reference else "tenant",
        "auth_method": result["method"], "endpoint": result["endpoint"],
        "expected": result.get("expected"), "observed_statuses": list(result.get("statuses", [])),
        "verdict": result["verdict"], "reason": scrub(result.get("reason", "")),
        "phase": result.get("phase", "call"), "duration_seconds": float(result.get("duration", 0.0)),
        "schema": _schema_verdict(interactions, result, scrub),
        "cassette": cassette,
    }
    details = {k: result[k] for k in ("token_expires_at", "pages", "users") if k in result}
    return {**record, "details": details} if details else record


def _cassette(path_text: str | None, context: dict[str, Any]) -> tuple[dict[str, Any] | None, list[Any]]:
    if not path_text:
        return None, []
    path = Path(path_text)
    try:
        key = path.resolve().relative_to(context["folder"].resolve()).as_posix()
    except ValueError:
        key = path.name
    entry = context["manifest"].get("cassettes", {}).get(key)
    if entry is None and not path.is_file():
        return None, []  # skipped when recorded: nothing to point at
    interactions, readable = try_read_interactions(path)
    sha = sha256_file(path) if path.is_file() else None
    recorded_at = entry.get("recorded_at") if entry else None
    stale_before = context["stale_before"]
    return {
        "path": _relative(path, context["base"]), "exists": path.is_file(), "readable": readable,
        "sha256": sha, "manifest_sha256": entry.get("sha256") if entry else None,
        "verified": bool(entry and sha == entry.get("sha256")),
        "recorded_at": recorded_at, "zdconform_version": entry.get("zdconform_version") if entry else None,
        "stale": bool(stale_before and recorded_at and _parse(recorded_at) < stale_before),
        "interactions": [{"index": i["index"], "method": i["method"], "path": i["path"],
                          "status": i["status"], "schema": schema_for(i)} for i in interactions],
    }, interactions


def _schema_verdict(interactions: list[dict[str, Any]], result: dict[str, Any],
                    scrub: Any) -> dict[str, Any]:
    """Recorded bodies validated again, except the long ones of a check that passed.

    A passing check validated every body it relied on, so its long bodies (pages of users)
    are taken as the check found them; everything else is validated again here.
    """
    named = [(i, name) for i in interactions if (name := schema_for(i)) is not None]
    again = [(i, name) for i, name in named
             if result["verdict"] == "fail" or len(i["response"]["body"]) <= REVALIDATE_CHARS]
    violations = [{"interaction": i["index"], "schema": name, "path": v.path, "keyword": v.keyword,
                   "message": scrub(v.message)}
                  for i, name in again for v in load_registry().validate(body_json(i["response"]["body"]), name)]
    reason = result.get("reason", "")
    if not violations and "does not conform to schema" in reason:  # what the check said
        violations.append({"interaction": None, "schema": None, "path": "$", "keyword": "-",
                           "message": scrub(reason)})
    verdict = "invalid" if violations else ("valid" if named and result["verdict"] != "skipped" else "not-checked")
    return {"verdict": verdict, "source": "re-validated" if len(again) == len(named) else "check",
            "validated": len(named), "violations": violations}


def stale_warnings(run: Any) -> list[str]:
    """Terminal lines flagging replayed cassettes older than `--zd-max-age-days` (a warning)."""
    if run.target.is_live:
        return []
    limit = _stale_before(run.options.max_age_days)
    old = sorted((str(e.get("recorded_at")), key) for key, e in run.store.manifest.get("cassettes", {}).items()
                 if e.get("recorded_at") and _parse(str(e["recorded_at"])) < limit)
    if not old:
        return []
    return [f"zdconform: warning: {len(old)} cassette(s) in {run.store.folder} were recorded more than "
            f"{run.options.max_age_days} days ago (oldest {old[0][0]}, {old[0][1]}); real tenants "
            "change: re-record them (`zdconform run --target ...`) or raise `--zd-max-age-days`."]


def git_commit(root: Path = PROJECT_ROOT) -> str | None:
    """`git rev-parse HEAD` of the project, or None outside a git checkout."""
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out if re.fullmatch(r"[0-9a-f]{40}", out) else None


def _target(run: Any) -> dict[str, Any]:
    label = {**run.store.label, **(run.store.manifest.get("target") or {} if not run.target.is_live else {})}
    return {"slug": run.target.slug,
            "kind": "reference-emulator" if run.target.is_reference else "tenant",
            "description": str(label.get("description", "")), "base_url": str(label.get("base_url", ""))}


def _profile(profile: Any) -> dict[str, Any]:
    client = profile.oauth_client
    return {"name": profile.name, "source": profile.source, "expect": dict(profile.expect),
            "oauth_client": None if client is None else str(client), "scopes": list(profile.scopes)}


def _summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    from .results import ENDPOINTS, METHODS, cells

    grid = cells(results)
    methods = [m for m in METHODS if any(k[0] == m for k in grid)]
    methods += sorted({k[0] for k in grid} - set(methods))
    endpoints = [e for e in ENDPOINTS if any(k[1] == e for k in grid)]
    endpoints += sorted({k[1] for k in grid} - set(endpoints))
    counts = {v: sum(r["verdict"] == v for r in results) for v in ("pass", "expected-denied", "fail", "skipped")}
    return {"total": len(results), "verdicts": counts, "methods": methods, "endpoints": endpoints,
            "matrix": {m: {e: grid[(m, e)] for e in endpoints if (m, e) in grid} for m in methods}}


def _relative(path: Path | str, start: Path | str) -> str:
    return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()


def _stale_before(days: int) -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=days)


def _parse(stamp: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _seconds(start: str, end: str) -> float:
    try:
        return max(0.0, (_parse(end) - _parse(start)).total_seconds())
    except ValueError:
        return 0.0

