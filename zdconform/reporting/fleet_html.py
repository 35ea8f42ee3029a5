"""fleet.html: the fleet evidence as one self-contained page that answers "does the fleet conform?" first.

The `fleet.html` template shares the single report's styles, verdict banner, verdict cells, legend
and filters (`page`): the fleet's verdict (DOES NOT CONFORM when a tenant failed, INCOMPLETE when
one did not check the whole suite, else CONFORMS) with what its targets were; the failing and
incomplete tenants with their failing checks (facts, reasons in words) and every deviation; the
tenants table; the tenants x (auth method, endpoint) matrix in its own scroll box; the findings
grouped across tenants; then the merge. Each tenant links to its own evidence.html, each failing
check and each matrix cell to its place there, relative to fleet.html.
"""

from __future__ import annotations

from collections import Counter
from typing import Any
from urllib.parse import quote

from .page import BANNERS, SYMBOLS, anchor, cell, cell_id, render_page, target_kind, target_line
from .results import plain_reason

__all__ = ["render_fleet"]

_ORDER = {"fail": 0, "incomplete": 1, "pass": 2}


def render_fleet(document: dict[str, Any]) -> str:
    """The HTML page of a fleet evidence (fleet.json's document)."""
    tenants = [_tenant(t) for t in sorted(document["tenants"], key=lambda t: (_ORDER[t["verdict"]],
                                                                             -len(t["deviations"]), t["name"]))]
    by_name = {t["name"]: t for t in tenants}
    totals, matrix = document["totals"], document["matrix"]
    checks = totals["checks"]
    cells = {row["tenant"]: row["cells"] for row in matrix["rows"]}
    return render_page(
        "fleet.html", title=f"zdconform fleet evidence: {totals['tenants']} tenant(s)", banner=_banner(document),
        filters=[(v, totals[v]) for v in ("fail", "incomplete", "pass") if totals[v]]
        + ([("deviation", totals["deviations"])] if totals["deviations"] else []),
        problems=[t for t in tenants if t["problems"]], tenants=tenants,
        groups=_groups(matrix["columns"]), columns=matrix["columns"],
        rows=[(t, [cell(text, _cell_href(t, c), None) for text, c in zip(cells[t["name"]], matrix["columns"],
                                                                           strict=True)]) for t in tenants],
        findings=[{**f, "tenants": [by_name[n] for n in f["tenants"]]} for f in document["findings"]],
        overview=[("product", f"zdconform {document['product']['version']} "
                              f"(commit {document['product']['commit'] or 'unknown'})"),
                  ("merged", document["merged_at"]), ("reports folders", ", ".join(document["sources"])),
                  ("checks", f"{checks['total']}: " + ", ".join(f"{checks[v]} {v}" for v in SYMBOLS)),
                  ("deviations", str(totals["deviations"]))])


def _banner(document: dict[str, Any]) -> dict[str, Any]:
    totals = document["totals"]
    verdict = "fail" if totals["fail"] else "incomplete" if totals["incomplete"] or not totals["tenants"] else "pass"
    kinds = Counter(target_kind(t["target"]) for t in document["tenants"])
    lines = [{"css": "target", "id": "target", "text": "Targets: " + (
        "; ".join(f"{n} x {kind}" for kind, n in kinds.items()) if kinds else "none merged") + "."}]
    if totals["unverified"]:
        lines.append({"css": "", "id": "", "text": f"{totals['unverified']} tenant(s) merged without checking "
                                                   "their cassettes (--no-cassettes)."})
    return {"verdict": verdict, "word": BANNERS[verdict], "partial": [],
            "headline": f"{totals['fail']} tenant(s) failed, {totals['incomplete']} incomplete, {totals['pass']} "
                        f"passed, of {totals['tenants']}",
            "lines": lines}


def _tenant(tenant: dict[str, Any]) -> dict[str, Any]:
    report = tenant["source"]["report"]
    checks, manifest = tenant["checks"], tenant["manifest"]
    href = quote(report) if report else None
    failures = [{"verdict": "fail", "check_id": f["check_id"], "href": _in_report(href, anchor(f["check_id"])),
                 "where": f"{f['auth_method']}, {f['endpoint']}",
                 "facts": ", ".join(f["contradicted"] or f["facts"]), "text": plain_reason(f["reason"])}
                for f in tenant["failures"]]
    deviations = [{"verdict": "deviation", "check_id": d["check_id"], "href": _in_report(href, anchor(d["check_id"])),
                   "where": "", "facts": ", ".join(d["facts"]), "text": d["message"]} for d in tenant["deviations"]]
    partial = [{"verdict": "incomplete", "check_id": "partial", "href": href or "#tenants", "where": "", "facts": "",
                "text": p} for p in tenant["partial"]] if tenant["verdict"] != "pass" else []
    return {"name": tenant["name"], "slug": anchor(tenant["name"]).removeprefix("check-"), "href": href,
            "verdict": tenant["verdict"], "profile": tenant["profile"], "mode": tenant["mode"],
            "filters": " ".join([tenant["verdict"], *(["deviation"] if deviations else [])]),
            "target": target_line(tenant["target"]).removeprefix("Target: "),
            "counts": ", ".join(f"{checks[v]} {v}" for v in SYMBOLS if checks[v]),
            "manifest": "verified" if manifest["verified"] else "NOT verified", "manifest_detail": manifest["detail"],
            "problems": failures + partial + deviations}


def _in_report(report: str | None, fragment: str) -> str:
    return f"{report}#{fragment}" if report else "#tenants"


def _cell_href(tenant: dict[str, Any], column: dict[str, str]) -> str | None:
    return f"{tenant['href']}#{cell_id(column['method'], column['endpoint'])}" if tenant["href"] else None


def _groups(columns: list[dict[str, str]]) -> list[tuple[str, int]]:
    groups: list[tuple[str, int]] = []
    for column in columns:
        if groups and groups[-1][0] == column["method"]:
            groups[-1] = (column["method"], groups[-1][1] + 1)
        else:
            groups.append((column["method"], 1))
    return groups
