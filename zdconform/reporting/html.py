"""evidence.html: the evidence document as one self-contained page that answers "does it conform?" first.

Rendered from the `evidence.html` template (`page`: Jinja2, autoescaped), with inline CSS, a few
lines of script for the filters by verdict (the page works without it) and no external asset:
the verdict banner (CONFORMS, DOES NOT CONFORM, INCOMPLETE; the target's kind; the signature),
the failures and deviations, each linked to its check; the matrix in its own scroll box, each
cell linked to its check, with a legend of every cell text; the findings, linked to the checks
they name; the run and its environment; the facts; then each check (`check_sections`), failures
first, with its recorded requests and responses read from its cassette.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .check_sections import cassette_file, check_section, ordered
from .page import BANNERS, SYMBOLS, anchor, cell, cell_id, mentioned, render_page, run_verdict, target_line
from .results import plain_reason

__all__ = ["SYMBOLS", "cassette_file", "render"]

TOPICS = {"policy": "tenant policy", "migration": "migration readiness"}


def render(evidence: dict[str, Any], reports_dir: Path, **extra: Any) -> str:
    """The HTML page for `evidence`; cassettes are found relative to `reports_dir`. `extra` goes to the
    template as it is: `history`, an HTML fragment (`history_strip.strip`), is placed after the findings."""
    summary, checks = evidence["summary"], evidence["checks"]
    first = _first_check_of_cells(checks)
    rows = [(m, [cell(summary["matrix"].get(m, {}).get(e), *_cell_link(m, e, first)) for e in summary["endpoints"]])
            for m in summary["methods"]]
    ids = [c["check_id"] for c in checks]
    return render_page(
        "evidence.html", slug=evidence["target"]["slug"], banner=_banner(evidence),
        filters=_filters(checks), problems=_problems(checks), total=summary["total"],
        counts=", ".join(f"{n} {v}" for v, n in summary["verdicts"].items()),
        endpoints=summary["endpoints"], rows=rows, run_rows=_run(evidence),
        findings=[{**f, "topic": TOPICS.get(f.get("topic", "policy"), f.get("topic", "")),
                   "checks": [{"check_id": c, "anchor": anchor(c)} for c in mentioned(f["finding"] + f["detail"], ids)]}
                  for f in evidence["findings"]],
        facts=_facts(evidence.get("facts")), stale=_stale(evidence["cassettes"]),
        checks=[check_section(c, evidence, Path(reports_dir)) for c in ordered(checks)], **extra)


def _banner(evidence: dict[str, Any]) -> dict[str, Any]:
    verdict, partial = run_verdict(evidence)
    counts = evidence["summary"]["verdicts"]
    headline = (f"{counts.get('fail', 0)} of {evidence['summary']['total']} checks failed" if verdict == "fail" else
                f"{evidence['summary']['total']} checks, none failed" + ("" if verdict == "pass" else
                                                                         ", but the run is not whole"))
    target, mode = evidence["target"], evidence["run"]["mode"]
    how = (f"A replay of recorded cassettes ({_recorded(evidence['checks'])}), offline." if mode == "replay" else
           f"A live run, recording, started {evidence['run']['started_at']}.")
    return {"verdict": verdict, "word": BANNERS[verdict], "headline": headline, "partial": partial,
            "lines": [{"css": "target", "id": "target", "text": target_line(target)},
                      {"css": "", "id": "", "text": how + (f" {target['description']}" if target["kind"] != "tenant"
                                                           else "")},
                      {"css": "", "id": "signature", "text": _signature(evidence)}]}


def _signature(evidence: dict[str, Any]) -> str:
    """Whether the evidence is signed, by which key, when; and how to check it."""
    signed = evidence.get("signature")
    if not signed:
        return ("Unsigned: no signature covers this evidence; it shows what the run wrote, and nothing proves it "
                "unchanged since. A run with a signing key (ZDCONFORM_SIGNING_KEY) or `zdconform sign --reports` "
                "signs it.")
    return (f"Signed by key {signed['keyid']} at {signed['signed_at']}: one signature ({signed['format']}, in "
            f"{signed['envelope']}) covers this page, evidence.json, results.json, junit.xml and every file of the "
            "recording. Check it with the signer's public key: `zdconform verify --reports . --public-key KEY.pub`, "
            "or the README's route without zdconform.")


def _filters(checks: list[dict[str, Any]]) -> list[tuple[str, int]]:
    shown = [(v, sum(c["verdict"] == v for c in checks)) for v in SYMBOLS]
    deviating = sum(1 for c in checks if c.get("deviations"))
    return [(v, n) for v, n in shown if n] + ([("deviation", deviating)] if deviating else [])


def _problems(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failing checks, then deviations: what a reader reads first."""
    failed = [{"verdict": "fail", "check_id": c["check_id"], "href": "#" + anchor(c["check_id"]),
               "where": f"{c['auth_method']}, {c['endpoint']}", "facts": ", ".join(c.get("contradicted") or []),
               "text": (plain_reason(c["reason"]).splitlines() or ["failed"])[0]} for c in checks
              if c["verdict"] == "fail"]
    return failed + [{"verdict": "deviation", "check_id": c["check_id"], "href": "#" + anchor(c["check_id"]),
                      "where": f"{c['auth_method']}, {c['endpoint']}", "facts": d["fact"], "text": d["message"]}
                     for c in checks for d in c.get("deviations") or []]


def _first_check_of_cells(checks: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """Each matrix cell's check to link to: its first failure, else its first check."""
    first: dict[tuple[str, str], str] = {}
    for check in ordered(checks):
        first.setdefault((check["auth_method"], check["endpoint"]), check["check_id"])
    return first


def _cell_link(method: str, endpoint: str, first: dict[tuple[str, str], str]) -> tuple[str | None, str]:
    check = first.get((method, endpoint))
    return ("#" + anchor(check) if check else None), cell_id(method, endpoint)


def _run(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    run, product, profile = evidence["run"], evidence["product"], evidence["profile"]
    expects = ", ".join(f"{k}={v}" for k, v in profile["expect"].items())
    return [("mode", run["mode"]), ("started", run["started_at"]), ("finished", run["finished_at"]),
            ("duration", f"{run['duration_seconds']:.1f} s"),
            ("product", f"zdconform {product['version']} (commit {product['commit'] or 'unknown'})"),
            ("environment", _environment(evidence["environment"]) if evidence.get("environment") else "not recorded"),
            ("profile", f"{profile['name']}: expects {expects}"),
            ("cassettes", evidence["cassettes"]["folder"]),
            ("recorded", _recorded(evidence["checks"]) + _recorded_note(evidence))]


def _environment(env: dict[str, Any]) -> str:
    packages = ", ".join(f"{name} {version or 'absent'}" for name, version in env["packages"].items())
    return f"{env['implementation']} {env['python']} on {env['os']} ({env['machine']}); {packages}"


def _recorded(checks: list[dict[str, Any]]) -> str:
    stamps = sorted({str(c["cassette"]["recorded_at"]) for c in checks
                     if c["cassette"] and c["cassette"]["recorded_at"]})
    return "-" if not stamps else stamps[0] if len(stamps) == 1 else f"{stamps[0]} to {stamps[-1]}"


def _recorded_note(evidence: dict[str, Any]) -> str:
    """Why a live run's cassettes can say they were recorded before the run started."""
    started, mode = evidence["run"]["started_at"], evidence["run"]["mode"]
    kept = sum(1 for c in evidence["checks"] if mode != "replay" and c["cassette"]
               and str(c["cassette"]["recorded_at"] or started) < started)
    return (f" ({kept} cassette(s) recorded again byte for byte identical keep the date they were first "
            "recorded: their file did not change, so re-records stay diff-clean)") if kept else ""


def _facts(facts: dict[str, Any] | None) -> dict[str, Any] | None:
    """Which facts of the register the run confirmed, contradicted or did not exercise."""
    if not facts:
        return None
    counts = facts["counts"]
    order = {"contradicted": 0, "confirmed": 1, "not-exercised": 2}
    return {"head": f"Facts observed on {facts['subject']}: {counts['confirmed']} confirmed, "
                    f"{counts['contradicted']} contradicted, {counts['not-exercised']} not exercised",
            "rows": [{**f, "confidence": f["confidence"] + (" (security)" if f["security"] else ""),
                      "checks": ", ".join(f["contradicted_by"] or f["confirmed_by"])}
                     for f in sorted(facts["facts"], key=lambda f: (order.get(f["outcome"], 3), f["id"]))]}


def _stale(cassettes: dict[str, Any]) -> dict[str, Any] | None:
    if not cassettes["staleness_checked"]:
        return None
    return {"days": cassettes["max_age_days"], "paths": cassettes["stale"]}
