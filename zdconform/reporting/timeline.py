"""What the evidence notebook shows over time, as plain tables and sentences (no plotting here).

`load(path)` reads what the notebook is given: a history.json (`zdconform history`), a run's
reports folder or evidence.json, or a fleet run's reports folder; a run is read as a history of
one run per tenant, so the notebook has one shape to show. The other functions turn one tenant's
record of that history into the grids and series `plots` draws, each with the sentence that says
what it shows; every change they name comes from the history's own transitions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..conformance.schemas import load_registry
from ..exceptions import UsageError
from ..recording.files import read_limited, utcnow
from .fleet import finding_key
from .fleet_sources import EVIDENCE, EVIDENCE_LIMIT
from .history import SCHEMA, build, load_runs, reports_folders

__all__ = ["SHOWN", "Grid", "checks_grid", "countdown", "drift", "facts_grid", "findings_grid", "latest_evidence",
           "load", "reports_folders", "shown", "staleness", "transitions_of"]

SHOWN = 10  # tenants drawn one by one when none is chosen: a fleet's 120 would be 720 plots


@dataclass(frozen=True)
class Grid:
    """Rows (checks, facts, findings) x the tenant's runs: `cells[row][i]` the state at run i+1, None: absent."""

    rows: list[str]
    runs: list[str]  # each run's label: its number and date
    cells: dict[str, list[str | None]]
    sentence: str


def load(path: Path) -> dict[str, Any]:
    """The history `path` holds: a history.json as written, or the run(s) of a reports folder or evidence.json."""
    path = Path(path)
    if path.is_file() and path.name != EVIDENCE:
        document = json.loads(read_limited(path, EVIDENCE_LIMIT, what="history"))
        violations = load_registry().validate(document, SCHEMA)
        if violations:
            raise UsageError(f"{str(path)!r} is not a history.json written by `zdconform history` "
                             f"({violations[0]}). Give the notebook a history.json, a run's reports folder "
                             "or its evidence.json.")
        return dict(document)
    folder = path.parent if path.is_file() else path
    return build(load_runs([folder]), folder, [folder], utcnow())


def latest_evidence(history: dict[str, Any], base: Path, tenant: dict[str, Any]) -> tuple[dict[str, Any], Path] | None:
    """The evidence of `tenant`'s last run and its folder, when it is still where the history found it."""
    path = Path(base) / tenant["runs"][-1]["source"]["evidence"]
    if not path.is_file():
        return None
    return json.loads(read_limited(path, EVIDENCE_LIMIT, what="evidence")), path.parent


def shown(history: dict[str, Any], names: list[str], limit: int = SHOWN) -> tuple[list[dict[str, Any]], str]:
    """The tenants to draw one by one: those `names` chooses, else every tenant up to `limit`, else those
    that changed most or fail now (up to `limit`); and the sentence saying which were left out."""
    tenants = history["tenants"]
    if names:
        unknown = sorted(set(names) - {t["name"] for t in tenants})
        chosen = [t for t in tenants if t["name"] in names]
        return chosen, f"Not in the history: {', '.join(unknown)}." if unknown else ""
    if len(tenants) <= limit:
        return tenants, ""
    ranked = sorted(tenants, key=lambda t: (-len(t["transitions"]) - len(t["current"]["failing"]), t["name"]))
    chosen = sorted(ranked[:limit], key=lambda t: t["name"])
    return chosen, (f"Drawn one by one: the {limit} tenants of {len(tenants)} that changed most or fail now; set "
                    "TENANTS in the parameters cell to choose others.")


def transitions_of(tenant: dict[str, Any], *prefixes: str) -> list[str]:
    """The summaries of the tenant's transitions whose kind starts with one of `prefixes`."""
    return [t["summary"] for t in tenant["transitions"] if t["kind"].startswith(prefixes)]


def _labels(tenant: dict[str, Any]) -> list[str]:
    return [f"{r['run']}\n{r['started_at'][5:10]}" for r in tenant["runs"]]


def _said(changes: list[str], none: str) -> str:
    return ("; ".join(changes) + ".") if changes else none


def checks_grid(tenant: dict[str, Any]) -> Grid:
    """Each check's verdict at each run; checks that ever failed first."""
    runs = tenant["runs"]
    ids = list(dict.fromkeys(c for r in runs for c in r["checks"]))
    failed = {c for r in runs for c, v in r["checks"].items() if v == "fail"}
    rows = sorted(ids, key=lambda c: (c not in failed, ids.index(c)))
    cells = {c: [r["checks"].get(c) for r in runs] for c in rows}
    sentence = (f"Each check's verdict at each of {tenant['name']}'s {len(runs)} run(s) (✘ fail, ● pass, □ refused "
                "as expected, – skipped). " + _said(transitions_of(tenant, "check"), "No check changed verdict."))
    return Grid(rows, _labels(tenant), cells, sentence)


def facts_grid(tenant: dict[str, Any]) -> Grid:
    """Each fact of the register a run confirmed or contradicted, at each run (absent: not exercised)."""
    runs = tenant["runs"]
    outcome = [{f: o for o, ids in (r["facts"] or {}).items() for f in ids} for r in runs]
    rows = sorted({f for o in outcome for f in o}, key=lambda f: (not any(o.get(f) == "contradicted" for o in outcome),
                                                                   int(f.split("-")[1])))
    always = sum(all(o.get(f) == "confirmed" for o in outcome) for f in rows)
    sentence = ("Which facts of the register (docs/facts.md) each run confirmed (●) or contradicted (✘); a blank: "
                f"not exercised. {always} of {len(rows)} were confirmed on every run. "
                + _said(transitions_of(tenant, "fact"), "No fact changed outcome."))
    return Grid(rows, _labels(tenant), {f: [o.get(f) for o in outcome] for f in rows}, sentence)


def findings_grid(tenant: dict[str, Any]) -> Grid:
    """Each finding (numbers read as N) at each run, as its severity."""
    runs = tenant["runs"]
    seen = [{finding_key(f)[1]: f["severity"] for f in r["findings"]} for r in runs]
    rows = list(dict.fromkeys(k for s in seen for k in s))
    sentence = ("The findings of each run, marked by severity (▲ high, ◆ medium, ▼ low, ● info). "
                + _said(transitions_of(tenant, "finding"), "No finding appeared or disappeared."))
    return Grid(rows, _labels(tenant), {k: [s.get(k) for s in seen] for k in rows}, sentence)


def countdown(tenant: dict[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """Per run: its date, the days left to 2027-04-30, and whether it accepted an API token; the sentence."""
    points = [{"date": r["started_at"][:10], "days_left": r["days_left"], "api_token_access": r["api_token_access"]}
              for r in tenant["runs"]]
    last = points[-1]
    state = {"enabled": "still accepted API tokens", "disabled": "refused API tokens",
             None: "tried no API token"}[last["api_token_access"]]
    sentence = (f"Days left until Zendesk deactivates every API token (2027-04-30) at each run, marked ● where the "
                f"run accepted an API token and ○ where it refused them. The last run ({last['date']}, "
                f"{last['days_left']} days left) {state}. "
                + _said(transitions_of(tenant, "api"), "API token access did not change."))
    return points, sentence


def drift(tenant: dict[str, Any]) -> tuple[list[int | None], str]:
    """Per run, which recording it used (1, 2, ... in order of first use; None: none named); the sentence."""
    order: list[str] = []
    numbers: list[int | None] = []
    for run in tenant["runs"]:
        digest = run["recording"]["manifest_sha256"]
        if digest and digest not in order:
            order.append(digest)
        numbers.append(order.index(digest) + 1 if digest else None)
    changed = [r["run"] for prev, r, n in zip(numbers, tenant["runs"][1:], numbers[1:], strict=False) if n != prev]
    sentence = (f"Which recording (MANIFEST.json digest) each run used: {len(order)} distinct. "
                + (f"The recording changed at run(s) {', '.join(map(str, changed))}: compare them with "
                   "`zdconform diff OLD NEW`." if changed else "Every run used the same recording."))
    return numbers, sentence


def staleness(tenant: dict[str, Any]) -> tuple[list[int | None], int, str]:
    """Per run, the age in days of the oldest cassette it used; the age past which it is stale; the sentence."""
    ages = [r["recording"]["age_days"] for r in tenant["runs"]]
    limit = tenant["runs"][-1]["recording"]["max_age_days"]
    known = [a for a in ages if a is not None]
    stale = [r["run"] for r, a in zip(tenant["runs"], ages, strict=True) if a is not None and a > limit]
    sentence = (f"How old the oldest cassette was when each run started (the line: {limit} days, past which a "
                "replayed cassette is stale). " + (f"Stale at run(s) {', '.join(map(str, stale))}." if stale else
                                                   f"None was stale (oldest {max(known)} days)." if known else
                                                   "No run named its cassettes' recording times."))
    return ages, limit, sentence
