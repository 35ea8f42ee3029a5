"""fleet.json: many tenants' evidence as one fleet evidence (a pure function of the sources).

`build(sources, out, folders, merged_at)` turns the checked per-tenant evidence
(`fleet_sources.Source`) into the document described by `schemas/fleet.json`: per tenant its
verdict (`fail` when a check failed, else `incomplete` when the run did not check the whole
suite or left a method unchecked, else `pass`), failing checks with their facts, deviations,
findings and manifest check; the tenants x (auth method, endpoint) matrix; findings grouped
across tenants ("API token access enabled on 37 of 120 tenants"); totals; and the fleet's
verdict, which passes only when every tenant passed. Everything but `merged_at`, `sources`
and each tenant's `source` (paths relative to `out`) depends on the evidence alone, so the
same evidence split across any number of folders merges to the same fleet evidence.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .fleet_sources import Source
from .page import run_verdict
from .results import VERDICTS, axes, plain_reason

__all__ = ["SCHEMA", "SCHEMA_ID", "TENANT_VERDICTS", "build", "finding_key", "plain_reason", "relative_path",
           "tenant_record"]

SCHEMA = "fleet"
SCHEMA_ID = "https://zdconform.invalid/schemas/fleet.json"
TENANT_VERDICTS = ("fail", "incomplete", "pass")  # worst first: the order pages and summaries use
_SEVERITY = ("high", "medium", "low", "info")


def build(sources: Sequence[Source], out: Path, folders: Sequence[Path], merged_at: str) -> dict[str, Any]:
    """The fleet evidence of `sources` (sorted by name), with paths relative to the folder `out`."""
    tenants = [tenant_record(s, out) for s in sources]
    product = sources[0].evidence["product"] if sources else {"name": "zdconform", "version": "", "commit": None}
    commits = {s.evidence["product"]["commit"] for s in sources} - {None}
    failing = [t["name"] for t in tenants if t["verdict"] != "pass"]
    return {
        "$schema": SCHEMA_ID,
        "product": {"name": product["name"], "version": product["version"],
                    "commit": next(iter(commits)) if len(commits) == 1 else None},
        "merged_at": merged_at,
        "verdict": "fail" if failing or not tenants else "pass",
        "sources": [relative_path(Path(f), out) for f in folders],
        "totals": _totals(tenants),
        "tenants": tenants,
        "matrix": _matrix(sources),
        "findings": _grouped_findings(tenants),
    }


def tenant_record(source: Source, out: Path) -> dict[str, Any]:
    """One tenant's line of the fleet evidence."""
    evidence = source.evidence
    run, summary, target = evidence["run"], evidence["summary"], evidence["target"]
    verdict, partial = run_verdict(evidence)
    complete = bool(run.get("complete")) and not partial
    failures = [_failure(c) for c in evidence["checks"] if c["verdict"] == "fail"]
    report = source.folder / "evidence.html"
    return {
        "name": source.name,
        "target": {"slug": target["slug"], "kind": target["kind"], "base_url": target["base_url"]},
        "profile": evidence["profile"]["name"],
        "mode": run["mode"],
        "started_at": run["started_at"],
        "complete": complete,
        "partial": partial,
        "verdict": verdict,
        "checks": {"total": summary["total"], **{v: summary["verdicts"].get(v, 0) for v in VERDICTS}},
        "failures": failures,
        "deviations": [{"check_id": c["check_id"], "facts": list(c.get("facts") or []), "message": d["message"]}
                       for c in evidence["checks"] for d in c.get("deviations") or []],
        "findings": [{k: f[k] for k in ("finding", "severity", "topic", "detail") if k in f}
                     for f in evidence["findings"]],
        "manifest": dict(source.manifest),
        "source": {"reports": relative_path(source.given, out),
                   "evidence": relative_path(source.folder / "evidence.json", out),
                   "report": relative_path(report, out) if report.is_file() else None,
                   "cassettes": relative_path(source.cassette_folder, out)},
    }


def _failure(check: dict[str, Any]) -> dict[str, Any]:
    return {"check_id": check["check_id"], "auth_method": check["auth_method"], "endpoint": check["endpoint"],
            "reason": check["reason"], "facts": list(check.get("facts") or []),
            "contradicted": list(check.get("contradicted") or [])}


def _totals(tenants: list[dict[str, Any]]) -> dict[str, Any]:
    return {"tenants": len(tenants),
            **{v: sum(t["verdict"] == v for t in tenants) for v in TENANT_VERDICTS},
            "unverified": sum(not t["manifest"]["verified"] for t in tenants),
            "deviations": sum(len(t["deviations"]) for t in tenants),
            "checks": {v: sum(t["checks"][v] for t in tenants) for v in ("total", *VERDICTS)}}


def _matrix(sources: Sequence[Source]) -> dict[str, Any]:
    """Columns (auth method, endpoint) in the single report's order; a row per tenant (null: not run)."""
    grids = {s.name: {(m, e): text for m, row in s.evidence["summary"]["matrix"].items() for e, text in row.items()}
             for s in sources}
    methods, endpoints = axes({key: "" for grid in grids.values() for key in grid})
    columns = [(m, e) for m in methods for e in endpoints if any((m, e) in g for g in grids.values())]
    return {"columns": [{"method": m, "endpoint": e} for m, e in columns],
            "rows": [{"tenant": name, "cells": [grid.get(c) for c in columns]} for name, grid in grids.items()]}


def _grouped_findings(tenants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each finding (its title, numbers as N) with the tenants having it, most severe and widest first."""
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for tenant in tenants:
        for finding in tenant["findings"]:
            key = finding_key(finding)
            group = groups.setdefault(key, {"finding": key[1], "topic": key[0], "severity": "info", "tenants": []})
            group["severity"] = min(group["severity"], finding["severity"], key=_rank)
            if tenant["name"] not in group["tenants"]:
                group["tenants"].append(tenant["name"])
    total = len(tenants)
    found = [{**g, "count": len(g["tenants"]), "of": total,
              "summary": f"{g['finding']} on {len(g['tenants'])} of {total} tenants"} for g in groups.values()]
    return sorted(found, key=lambda g: (_rank(g["severity"]), -g["count"], g["topic"], g["finding"]))


def finding_key(finding: dict[str, Any]) -> tuple[str, str]:
    """A finding's identity across tenants and runs: its topic and its title with numbers read as N."""
    return finding.get("topic", "policy"), re.sub(r"\d+", "N", finding["finding"])


def _rank(severity: str) -> int:
    return _SEVERITY.index(severity) if severity in _SEVERITY else len(_SEVERITY)


def relative_path(path: Path, out: Path) -> str:
    """`path` relative to the folder `out` (where the report naming it is written), with forward slashes."""
    return Path(os.path.relpath(Path(path).resolve(), Path(out).resolve())).as_posix()
