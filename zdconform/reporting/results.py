"""The conformance matrix: auth method x endpoint -> pass / expected-denied / fail / skipped."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..recording.store import atomic_write, leak_gate

__all__ = ["ENDPOINTS", "observe", "render", "verdict", "write_results"]

ENDPOINTS = ("list_clients", "create_token", "users_bearer", "negative_auth", "roles",
             "token_errors", "token_lifecycle")
METHODS = ("oauth_token", "api_token", "password", "none")  # none: no usable credential at all
_RANK = {"fail": 3, "skipped": 0, "expected-denied": 1, "pass": 1}


def verdict(outcome: str, expected: str | None) -> str:
    if outcome == "failed":
        return "fail"
    if outcome == "skipped":
        return "skipped"
    return "expected-denied" if expected == "denied" else "pass"


def observe(run: Any, item: pytest.Item, report: pytest.TestReport) -> None:
    """Fold one phase's report into the item's result (a failure in any phase wins)."""
    if report.when != "call" and report.passed:
        return
    marker = item.get_closest_marker("zd_check")
    record = dict(item.stash.get(_record_key(), {}))
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec else {}
    result = {
        "check": item.nodeid,
        "check_id": check_id(item),
        "duration": round(report.duration, 4),
        "endpoint": marker.args[0] if marker and marker.args else "other",
        "method": params.get("method", "-"),
        "verdict": verdict(report.outcome, record.get("expected")),
        "reason": run.scrubber.message(_reason(report)),
        "phase": report.when,
        **record,
    }
    previous = next((r for r in run.results if r["check"] == item.nodeid), None)
    if previous is None:
        run.results.append(result)
    elif _RANK[result["verdict"]] >= _RANK[previous["verdict"]] or previous["verdict"] == "skipped":
        previous.update(result)


def check_id(item: pytest.Item) -> str:
    """A stable, readable id: `endpoint[param-id]`, e.g. `create_token[api-token]`."""
    marker = item.get_closest_marker("zd_check")
    endpoint = marker.args[0] if marker and marker.args else item.name
    callspec = getattr(item, "callspec", None)
    return f"{endpoint}[{callspec.id}]" if callspec else str(endpoint)


def _record_key() -> Any:
    from ..plugin import RECORD

    return RECORD


def skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return "skipped"


def _reason(report: pytest.TestReport) -> str:
    if report.skipped:
        return skip_reason(report)
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        text = crash.message if crash is not None else str(report.longrepr)
        return text.splitlines()[0][:300] if text else "failed"
    return ""


def cells(results: list[dict[str, Any]]) -> dict[tuple[str, str], str]:
    grid: dict[tuple[str, str], list[str]] = {}
    for r in results:
        grid.setdefault((r["method"], r["endpoint"]), []).append(r["verdict"])
    return {key: _combine(values) for key, values in grid.items()}


def _combine(verdicts: list[str]) -> str:
    for word in ("fail", "expected-denied", "pass"):
        if word in verdicts:
            n = verdicts.count(word)
            return word if n == len(verdicts) else f"{word} ({n}/{len(verdicts)})"
    return "skipped"


def render(run: Any) -> str:
    grid = cells(run.results)
    methods = [m for m in METHODS if any(k[0] == m for k in grid)]
    endpoints = [e for e in ENDPOINTS if any(k[1] == e for k in grid)]
    width = {e: max([len(v) for k, v in grid.items() if k[1] == e] + [len(e)]) + 2 for e in endpoints}
    lines = [f"target: {run.target.slug}  profile: {run.profile.name}  "
             f"expects {', '.join(f'{k}={v}' for k, v in run.profile.expect.items())}",
             "auth method".ljust(14) + "".join(e.ljust(width[e]) for e in endpoints)]
    for method in methods:
        lines.append(method.ljust(14) + "".join(grid.get((method, e), "-").ljust(width[e]) for e in endpoints))
    failures = [r for r in run.results if r["verdict"] == "fail"]
    lines += [f"FAIL {r['check']}: {r['reason']}" for r in failures]
    return "\n".join(lines + findings_lines(run))


def findings_lines(run: Any) -> list[str]:
    """The tenant policy findings (from the profile and what the checks saw), one per line."""
    from .findings import policy_findings, recorded_client_bodies

    found = policy_findings(run.profile, run.results, recorded_client_bodies(run.results))
    lines = [f"  [{f['severity']}] {f['finding']}: {f['detail']}" for f in found]
    return ["tenant policy findings:", *lines] if lines else ["tenant policy findings: none"]


def write_results(run: Any, folder: Path) -> Path:
    path = folder / "results.json"
    data = {"target": run.target.slug, "profile": run.profile.name, "started_at": run.started_at,
            "results": sorted(run.results, key=lambda r: r["check"])}
    text = json.dumps(data, indent=2, sort_keys=True, default=str) + "\n"
    leak_gate(text, path, run.secrets, "Scrub the value where it enters the check's reason.")
    atomic_write(path, text)
    return path
