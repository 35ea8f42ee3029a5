"""evidence.html's history strip: the last verdicts of each check, from a history.json.

`strip(history, evidence)` is an HTML fragment for `html.render`: for the evidence's tenant, a
table of each check x its last `RUNS` runs in the history (the verdict as symbol and text, the
page's verdict classes; the column of the run the page shows is marked), then what fails since
which run and the tenant's latest transitions, as the history states them. Every value is
escaped; the page stays self-contained.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..exceptions import UsageError
from .fleet_sources import tenant_name
from .html import SYMBOLS

__all__ = ["RUNS", "strip"]

RUNS = 8  # columns: the last runs shown
_CHANGES = 5  # the latest transitions listed under the table


def strip(history: dict[str, Any], evidence: dict[str, Any], runs: int = RUNS) -> str:
    """The history strip of `evidence`'s tenant; refuses a history without it."""
    name = tenant_name(evidence)
    tenant = next((t for t in history["tenants"] if t["name"] == name), None)
    if tenant is None:
        known = ", ".join(repr(t["name"]) for t in history["tenants"][:5]) or "none"
        raise UsageError(f"The history holds no run of tenant {name!r} (it has {known}): give `--history` the "
                         "history.json that `zdconform history` wrote from this tenant's reports folders.")
    shown = tenant["runs"][-runs:]
    this = evidence["run"]["started_at"]
    marked = ' class="this-run"'
    head = "".join(f"<th{marked if r['started_at'] == this else ''}>run {r['run']}<br>"
                   f"{escape(r['started_at'][:10])}</th>" for r in shown)
    rows = "".join(f"<tr><td><code>{escape(c['check_id'])}</code></td>"
                   + "".join(_cell(r["checks"].get(c["check_id"])) for r in shown) + "</tr>"
                   for c in evidence["checks"])
    return (f"<h2 id=\"history\">History</h2><p>The last {len(shown)} of {len(tenant['runs'])} run(s) of "
            f"{escape(name)} in the history, oldest first (the run this page shows is marked).</p>"
            f"<table id=\"history-strip\"><thead><tr><th>check</th>{head}</tr></thead><tbody>{rows}</tbody></table>"
            + _notes(tenant))


def _cell(verdict: str | None) -> str:
    if verdict is None:
        return "<td>·</td>"  # the check did not exist in, or was not selected by, that run
    return f"<td class=\"v v-{escape(verdict)}\" title=\"{escape(verdict)}\">{SYMBOLS.get(verdict, '')}</td>"


def _notes(tenant: dict[str, Any]) -> str:
    now = tenant["current"]
    lines = [f"{f['check_id']} failing since run {f['since_run']} ({f['since'][:10]})" for f in now["failing"]]
    lines += [f"{f['fact']} contradicted since run {f['since_run']} ({f['since'][:10]})" for f in now["contradicted"]]
    lines += [t["summary"] for t in tenant["transitions"][-_CHANGES:]]
    return f"<ul id=\"history-notes\">{''.join(f'<li>{escape(line)}</li>' for line in lines)}</ul>" if lines else ""
