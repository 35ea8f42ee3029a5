"""history.json: many runs' evidence of the same tenants, in run order (`zdconform history`).

`load_runs(folders)` finds every evidence.json in the reports folders (single runs' and fleet
runs', as `zdconform merge` finds them: `fleet_sources`; a folder of such folders is read as
them all), validates each, drops an exact copy of
a run already read (the same artifact downloaded twice) and refuses, in one paragraph, two
different evidence documents claiming the same tenant and start time; of each it keeps only
what a history needs (a year of a fleet's runs fits in memory). Unlike merge, runs of
different zdconform versions are kept: a history spans upgrades, and each run names its
version. `build(sources, out, folders, written_at)` turns them into the document described by
`schemas/history.json`: per tenant its runs ordered by start time (verdict, per-check verdicts,
facts confirmed and contradicted, deviations, findings, API token access, the recording's
manifest digest and age) and what changed between them (`history_changes`), and across the
fleet the weekly trends. `write_history` validates, gates for leaks and writes it atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..conformance.schemas import load_registry
from ..exceptions import UsageError, ZdConformError
from ..recording.files import atomic_write, check_writable_folder, utcnow
from ..recording.scrub import SecretSet
from ..settings import API_TOKENS_DEACTIVATED
from .fleet import relative_path, tenant_record
from .fleet_sources import EVIDENCE, Source, evidence_files, read_evidence
from .history_changes import changes, current_state, weekly_trends
from .publish import gate, run_date

__all__ = ["SCHEMA", "SCHEMA_ID", "api_token_access", "build", "load_runs", "reports_folders", "run_record",
           "write_history"]

SCHEMA = "history"
SCHEMA_ID = "https://zdconform.invalid/schemas/history.json"
_CHECK_KEYS = ("check_id", "auth_method", "endpoint", "verdict", "reason", "observed_statuses")


def load_runs(folders: Sequence[Path]) -> list[Source]:
    """Every run's evidence in `folders`, validated, exact copies dropped, ordered by tenant then start."""
    if not folders:
        raise UsageError("No history to build: give one or more reports folders (`zdconform history "
                         "reports-2026-11-02/ reports-2026-11-09/ ...`), each a run's or a fleet run's reports.")
    runs: dict[tuple[str, str], tuple[Source, str]] = {}
    for given in (found for folder in map(Path, folders) for found in reports_folders(folder) or [folder]):
        for path in evidence_files(given):
            source = read_evidence(path, given)
            digest = hashlib.sha256(json.dumps(source.evidence, sort_keys=True).encode()).hexdigest()
            key = (source.name, source.evidence["run"]["started_at"])
            first, seen = runs.setdefault(key, (_essentials(source), digest))
            if seen != digest:
                raise UsageError(
                    f"Two different evidence documents claim the run of tenant {source.name!r} started at "
                    f"{key[1]}: {str(first.folder / EVIDENCE)!r} and {str(source.folder / EVIDENCE)!r}. One of "
                    "them was edited after its run (a copy of the same run is dropped, but not a changed one): "
                    "keep the one the run wrote, or remove the other folder from the history.")
    return sorted((s for s, _ in runs.values()), key=lambda s: (s.name, _instant(s.evidence["run"]["started_at"])))


def reports_folders(folder: Path, depth: int = 3) -> list[Path]:
    """`folder` when it is a reports folder (evidence.json at its top, or a fleet run's tenants/), else the
    reports folders below it, up to `depth` levels (a folder of past reports: past/2026-11-02/reports/)."""
    if (folder / EVIDENCE).is_file() or (folder / "tenants").is_dir():
        return [folder]
    if depth == 0 or not folder.is_dir():
        return []
    return [f for sub in sorted(p for p in folder.iterdir() if p.is_dir()) for f in reports_folders(sub, depth - 1)]


def _essentials(source: Source) -> Source:
    """`source` with only what a history keeps of its evidence: a year of a fleet's runs fits in memory."""
    evidence = dict(source.evidence)
    evidence.pop("environment", None)
    evidence["checks"] = [{**{k: c[k] for k in _CHECK_KEYS}, "facts": c.get("facts") or [],
                           "contradicted": c.get("contradicted") or [],
                           "deviations": [{"message": d["message"]} for d in c.get("deviations") or []],
                           "cassette": c["cassette"] and {"recorded_at": c["cassette"]["recorded_at"]}}
                          for c in evidence["checks"]]
    if evidence.get("facts"):
        evidence["facts"] = {"facts": [{"id": f["id"], "outcome": f["outcome"]} for f in evidence["facts"]["facts"]]}
    return Source(source.name, source.folder, source.given, evidence)


def api_token_access(evidence: dict[str, Any]) -> str | None:
    """What the run observed (never what the profile says): `enabled` when a check with an API token got a
    2xx (the finding "API token access enabled"), `disabled` when such checks ran and none did, else null."""
    ran = [c for c in evidence["checks"] if c["auth_method"] == "api_token" and c["verdict"] != "skipped"]
    if any(200 <= s < 300 for c in ran for s in c["observed_statuses"]):
        return "enabled"
    return "disabled" if ran else None


def run_record(source: Source, number: int, out: Path) -> dict[str, Any]:
    """One run of one tenant, as history.json keeps it (`number` counts the tenant's runs from 1)."""
    evidence, line = source.evidence, tenant_record(source, out)
    run, facts = evidence["run"], evidence.get("facts")
    return {
        "run": number,
        "started_at": run["started_at"], "finished_at": run["finished_at"], "mode": run["mode"],
        "product": {"version": evidence["product"]["version"], "commit": evidence["product"]["commit"]},
        "profile": line["profile"],
        "verdict": line["verdict"], "complete": line["complete"], "partial": line["partial"],
        "counts": line["checks"],
        "checks": {c["check_id"]: c["verdict"] for c in evidence["checks"]},
        "failures": line["failures"],
        "facts": None if facts is None else {outcome: [f["id"] for f in facts["facts"] if f["outcome"] == outcome]
                                             for outcome in ("confirmed", "contradicted")},
        "deviations": line["deviations"],
        "findings": line["findings"],
        "api_token_access": api_token_access(evidence),
        "days_left": (API_TOKENS_DEACTIVATED - run_date(run["started_at"])).days,
        "recording": _recording(evidence),
        "source": {"reports": line["source"]["reports"], "evidence": line["source"]["evidence"]},
    }


def build(sources: Sequence[Source], out: Path, folders: Sequence[Path], written_at: str) -> dict[str, Any]:
    """The history of `sources` (as `load_runs` orders them), paths relative to the folder `out`."""
    tenants: dict[str, list[Source]] = {}
    for source in sources:
        tenants.setdefault(source.name, []).append(source)
    records = [_tenant(name, runs, out) for name, runs in tenants.items()]
    return {
        "$schema": SCHEMA_ID,
        "written_at": written_at,
        "versions": sorted({s.evidence["product"]["version"] for s in sources}),
        "sources": [relative_path(Path(f), out) for f in folders],
        "totals": {"tenants": len(records), "runs": len(sources),
                   "transitions": sum(len(t["transitions"]) for t in records)},
        "tenants": records,
        "trends": weekly_trends(records),
    }


def write_history(folders: Sequence[Path], output: Path, secrets: SecretSet | None = None) -> dict[str, Any]:
    """Build the history of `folders`, validate it, gate it for leaks, write it atomically to `output`."""
    if output.is_dir():
        raise UsageError(f"The history output {str(output)!r} is a folder: give `--output` a file name "
                         "(such as history.json).")
    check_writable_folder(output.parent, "history output folder", "Give `--output` a file in a folder you can "
                          "write to.")
    document = build(load_runs(folders), output.parent, folders, utcnow())
    violations = load_registry().validate(document, SCHEMA)
    if violations:
        raise ZdConformError("zdconform built a history that breaks schemas/history.json (a bug; please report "
                             f"it): {'; '.join(map(str, violations[:5]))}")
    text = json.dumps(document, indent=2) + "\n"
    gate(text, output, secrets or SecretSet())
    atomic_write(output, text)
    return document


def _tenant(name: str, sources: list[Source], out: Path) -> dict[str, Any]:
    runs = [run_record(source, number, out) for number, source in enumerate(sources, start=1)]
    target = sources[-1].evidence["target"]
    return {"name": name, "target": {k: target[k] for k in ("slug", "kind", "base_url")},
            "runs": runs, "transitions": changes(runs), "current": current_state(runs)}


def _recording(evidence: dict[str, Any]) -> dict[str, Any]:
    """The recording the run replayed or made: its manifest digest, its cassettes' recording times, and
    how old the oldest was when the run started (whole days)."""
    times = sorted(c["cassette"]["recorded_at"] for c in evidence["checks"]
                   if c["cassette"] and c["cassette"]["recorded_at"])
    oldest = times[0] if times else None
    age = max(0, (_instant(evidence["run"]["started_at"]) - _instant(oldest)).days) if oldest else None
    return {"manifest_sha256": evidence["cassettes"].get("manifest_sha256"), "oldest": oldest,
            "newest": times[-1] if times else None, "age_days": age,
            "stale": len(evidence["cassettes"]["stale"]), "max_age_days": evidence["cassettes"]["max_age_days"]}


def _instant(timestamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
