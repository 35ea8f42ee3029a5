"""fleet.html: the fleet evidence as one self-contained page, failures and deviations first.

The single report's style and verdict cells (`html`), no script, no external asset, every value
HTML-escaped: the fleet's verdict, the failing and incomplete tenants with their failing checks
(facts, reasons) and every deviation, the tenants table, the tenants x (auth method, endpoint)
matrix, and the findings grouped across tenants. Each tenant links to its own evidence.html
(and each failing check to its place there), relative to fleet.html.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any
from urllib.parse import quote

from .fleet import plain_reason
from .html import CSS, SYMBOLS
from .html import _cell as cell  # the single report's verdict cell: colour plus text

__all__ = ["render_fleet"]

_ORDER = {"fail": 0, "incomplete": 1, "pass": 2}
_FLEET_CSS = (".v-incomplete{background:#fdf0cc;color:#7a4b00} .banner.pass{border-color:#14532d;"
              "background:#d9f2dd} .matrix td,.matrix th{font-size:12px;padding:.2em .4em} li{overflow-wrap:anywhere}")


def render_fleet(document: dict[str, Any]) -> str:
    """The HTML page of a fleet evidence (fleet.json's document)."""
    tenants = sorted(document["tenants"], key=lambda t: (_ORDER[t["verdict"]], -len(t["deviations"]), t["name"]))
    totals = document["totals"]
    title = f"zdconform fleet evidence: {totals['tenants']} tenant(s)"
    parts = [f"<h1>{escape(title)}</h1>", _banner(document), _overview(document),
             _problems(tenants), _tenants(tenants), _matrix(document["matrix"], tenants),
             _findings(document["findings"], {t["name"]: t for t in tenants})]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{CSS}{_FLEET_CSS}</style></head>"
            "<body>\n" + "\n".join(parts) + "\n</body></html>\n")


def _banner(document: dict[str, Any]) -> str:
    totals = document["totals"]
    text = (f"FLEET {document['verdict'].upper()}: {totals['fail']} tenant(s) failed, {totals['incomplete']} "
            f"incomplete, {totals['pass']} passed, of {totals['tenants']}")
    kind = "pass" if document["verdict"] == "pass" else "partial"
    note = (f"<br><small>{totals['unverified']} tenant(s) merged without checking their cassettes "
            "(--no-cassettes).</small>") if totals["unverified"] else ""
    return f"<div class=\"banner {kind}\" id=\"verdict\">{escape(text)}{note}</div>"


def _overview(document: dict[str, Any]) -> str:
    product, checks = document["product"], document["totals"]["checks"]
    rows = [("product", f"zdconform {product['version']} (commit {product['commit'] or 'unknown'})"),
            ("merged", document["merged_at"]), ("reports folders", ", ".join(document["sources"])),
            ("checks", f"{checks['total']}: " + ", ".join(f"{checks[v]} {v}" for v in SYMBOLS)),
            ("deviations", str(document["totals"]["deviations"]))]
    body = "".join(f"<tr><th scope=\"row\">{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in rows)
    return f"<table id=\"run\"><tbody>{body}</tbody></table>"


def _link(tenant: dict[str, Any], anchor: str = "") -> str:
    report = tenant["source"]["report"]
    name = escape(tenant["name"])
    if not report:
        return name
    return f"<a href=\"{escape(quote(report) + anchor)}\">{name}</a>"


def _check_link(tenant: dict[str, Any], check_id: str) -> str:
    """The failing check, linked to its section in the tenant's evidence.html."""
    report, code = tenant["source"]["report"], f"<code>{escape(check_id)}</code>"
    return f"<a href=\"{escape(quote(report) + '#' + _anchor(check_id))}\">{code}</a>" if report else code


def _badge(verdict: str) -> str:
    return f"<span class=\"v v-{escape(verdict)}\">{SYMBOLS.get(verdict, '!')} {escape(verdict)}</span>"


def _problems(tenants: list[dict[str, Any]]) -> str:
    """Failing and incomplete tenants, then deviations: what an auditor reads first."""
    wrong = [t for t in tenants if t["verdict"] != "pass"]
    deviating = [t for t in tenants if t["deviations"]]
    if not wrong and not deviating:
        return "<h2 id=\"failures\">Failures and deviations</h2><p>None: every tenant passed, with no deviation.</p>"
    sections = [_problem(t) for t in wrong]
    sections += [f"<section class=\"check\"><h3>{_link(t)}: {len(t['deviations'])} deviation(s)</h3><ul>"
                 + "".join(f"<li><code>{escape(d['check_id'])}</code> [{escape(', '.join(d['facts']))}]: "
                           f"{escape(d['message'])}</li>" for d in t["deviations"]) + "</ul></section>"
                 for t in deviating]
    return "<h2 id=\"failures\">Failures and deviations</h2>" + "".join(sections)


def _problem(tenant: dict[str, Any]) -> str:
    items = "".join(f"<li>{_check_link(tenant, f['check_id'])} "
                    f"({escape(f['auth_method'])}, {escape(f['endpoint'])}) facts "
                    f"{escape(', '.join(f['facts']) or '-')}"
                    + (f", contradicted {escape(', '.join(f['contradicted']))}" if f["contradicted"] else "")
                    + f": {escape(plain_reason(f['reason']))}</li>" for f in tenant["failures"])
    partial = "".join(f"<li>partial: {escape(p)}</li>" for p in tenant["partial"])
    return (f"<section class=\"check\" id=\"tenant-{escape(_slug(tenant['name']))}\">"
            f"<h3>{_badge(tenant['verdict'])} {_link(tenant)}</h3><ul>{items}{partial}</ul></section>")


def _anchor(check_id: str) -> str:
    """The id of a check's section in its evidence.html (as html.py names it)."""
    return "check-" + _slug(check_id)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def _tenants(tenants: list[dict[str, Any]]) -> str:
    rows = []
    for t in tenants:
        checks, manifest = t["checks"], t["manifest"]
        counts = ", ".join(f"{checks[v]} {v}" for v in SYMBOLS if checks[v])
        state = "verified" if manifest["verified"] else "NOT verified"
        cells = [_link(t), _badge(t["verdict"]), escape(t["profile"]), escape(t["mode"]),
                 escape(t["target"]["base_url"] or t["target"]["slug"]), escape(counts),
                 f"{escape(state)}<br><small>{escape(manifest['detail'])}</small>"]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("tenant", "verdict", "profile", "mode", "target", "checks",
                                             "cassette manifest"))
    return (f"<h2 id=\"tenants\">Tenants</h2><table id=\"tenants-table\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _matrix(matrix: dict[str, Any], tenants: list[dict[str, Any]]) -> str:
    columns = matrix["columns"]
    groups: list[tuple[str, int]] = []
    for column in columns:
        if groups and groups[-1][0] == column["method"]:
            groups[-1] = (column["method"], groups[-1][1] + 1)
        else:
            groups.append((column["method"], 1))
    top = "".join(f"<th colspan=\"{n}\" scope=\"colgroup\">{escape(m)}</th>" for m, n in groups)
    second = "".join(f"<th scope=\"col\">{escape(c['endpoint'])}</th>" for c in columns)
    cells = {row["tenant"]: row["cells"] for row in matrix["rows"]}
    body = "".join(f"<tr><th scope=\"row\">{_link(t)}</th>{''.join(cell(c) for c in cells[t['name']])}</tr>"
                   for t in tenants)
    return (f"<h2 id=\"matrix\">Tenants x (auth method, endpoint)</h2><div style=\"overflow-x:auto\">"
            "<table class=\"matrix\" id=\"fleet-matrix\">"
            f"<thead><tr><th rowspan=\"2\">tenant</th>{top}</tr><tr>{second}</tr></thead>"
            f"<tbody>{body}</tbody></table></div>")


def _findings(findings: list[dict[str, Any]], tenants: dict[str, dict[str, Any]]) -> str:
    if not findings:
        return "<h2 id=\"findings\">Findings across tenants</h2><p>No findings.</p>"
    rows = "".join(f"<tr class=\"sev-{escape(f['severity'])}\"><td class=\"v\">{escape(f['severity'].upper())}</td>"
                   f"<td>{escape(f['topic'])}</td><td>{escape(f['summary'])}</td>"
                   f"<td>{', '.join(_link(tenants[n]) for n in f['tenants'])}</td></tr>" for f in findings)
    return ("<h2 id=\"findings\">Findings across tenants</h2><table id=\"fleet-findings\"><thead><tr>"
            f"<th>severity</th><th>topic</th><th>finding</th><th>tenants</th></tr></thead><tbody>{rows}</tbody></table>")
