"""What changed in a tenant's runs, and the fleet's weekly trends: the derived parts of history.json.

Pure functions of the run records `history.run_record` makes (ordered by start time), so the
notebook and the reports show these and compute nothing of their own:

- `changes(runs)`: each transition at the run it happened, comparing each run with the last run
  that said something: a check that starts or stops failing (a skipped or absent check says
  nothing), a fact that becomes contradicted or is confirmed again (not exercised says nothing),
  a finding that appears or disappears, API token access switched off or on.
- `current_state(runs)`: since which run each check has been failing and each fact contradicted.
- `weekly_trends(tenants)`: per ISO week, each tenant's last run that week: how many accepted API
  tokens ("API token access enabled on 37 of 120 tenants"), and how many passed or failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from .fleet import finding_key

__all__ = ["changes", "current_state", "weekly_trends"]

_FAILING = {"fail": True, "pass": False, "expected-denied": False}  # skipped: the run says nothing


def changes(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every transition in `runs`, in run order (within a run: checks, facts, findings, API tokens)."""
    found = [*_check_changes(runs), *_fact_changes(runs), *_finding_changes(runs), *_token_changes(runs)]
    order = ("check", "fact", "finding", "api")
    return sorted(found, key=lambda t: (t["run"], order.index(t["kind"].split("-")[0]), t["subject"]))


def current_state(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """What fails and what is contradicted as of the last run that judged it, each with the run it began at."""
    return {"failing": [{"check_id": k, **since} for k, since in sorted(_streaks(_check_states(runs), True).items())],
            "contradicted": [{"fact": k, **since}
                             for k, since in sorted(_streaks(_fact_states(runs), "contradicted").items())]}


def weekly_trends(tenants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per ISO week with a run, over the tenants that ran that week (each its last run of the week)."""
    weeks: dict[str, dict[str, dict[str, Any]]] = {}
    for tenant in tenants:
        for run in tenant["runs"]:
            weeks.setdefault(_week(run["started_at"]), {})[tenant["name"]] = run
    return [_trend(week, last) for week, last in sorted(weeks.items())]


def _trend(week: str, last: dict[str, dict[str, Any]]) -> dict[str, Any]:
    enabled = sorted(name for name, run in last.items() if run["api_token_access"] == "enabled")
    total = len(last)
    return {"week": week, "starts": dt.date.fromisoformat(f"{week}-1").isoformat(), "tenants": total,
            "api_token_enabled": enabled,
            "api_token_unknown": sorted(name for name, run in last.items() if run["api_token_access"] is None),
            "verdicts": {v: sum(run["verdict"] == v for run in last.values()) for v in ("fail", "incomplete", "pass")},
            "summary": f"API token access enabled on {len(enabled)} of {total} tenant{'s' * (total != 1)}"}


def _week(timestamp: str) -> str:
    year, week, _ = dt.date.fromisoformat(timestamp[:10]).isocalendar()
    return f"{year}-W{week:02d}"


def _transition(run: dict[str, Any], kind: str, subject: str, old: Any, new: Any, summary: str) -> dict[str, Any]:
    return {"run": run["run"], "started_at": run["started_at"], "kind": kind, "subject": subject,
            "from": old, "to": new, "summary": f"{summary} at run {run['run']} ({run['started_at'][:10]})"}


def _check_states(runs: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], str, Any]]:
    """(run, check id, failing?) for every check a run judged."""
    for run in runs:
        for check_id, verdict in run["checks"].items():
            if verdict in _FAILING:
                yield run, check_id, _FAILING[verdict]


def _fact_states(runs: list[dict[str, Any]]) -> Iterator[tuple[dict[str, Any], str, Any]]:
    """(run, fact id, outcome) for every fact a run confirmed or contradicted."""
    for run in runs:
        for outcome, ids in (run["facts"] or {}).items():
            for fact in ids:
                yield run, fact, outcome


def _flips(states: Iterator[tuple[dict[str, Any], str, Any]]) -> Iterator[tuple[dict[str, Any], str, Any, Any]]:
    """(run, subject, before, now) wherever a subject's state differs from the one it last had."""
    last: dict[str, Any] = {}
    for run, subject, state in states:
        if subject in last and last[subject] != state:
            yield run, subject, last[subject], state
        last[subject] = state


def _streaks(states: Iterator[tuple[dict[str, Any], str, Any]], bad: Any) -> dict[str, dict[str, Any]]:
    """For each subject whose last state is `bad`: the run its unbroken run of `bad` began at."""
    since: dict[str, dict[str, Any]] = {}
    for run, subject, state in states:
        if state != bad:
            since.pop(subject, None)
        elif subject not in since:
            since[subject] = {"since_run": run["run"], "since": run["started_at"]}
    return since


def _check_changes(runs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for run, check_id, before, failing in _flips(_check_states(runs)):
        kind, verb = ("check-fails", "starts failing") if failing else ("check-recovers", "stops failing")
        verdict = run["checks"][check_id]
        yield _transition(run, kind, check_id, "fail" if before else "not failing", verdict,
                          f"{check_id} {verb} ({verdict})")


def _fact_changes(runs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for run, fact, before, outcome in _flips(_fact_states(runs)):
        kind = "fact-contradicted" if outcome == "contradicted" else "fact-confirmed"
        yield _transition(run, kind, fact, before, outcome, f"{fact} is {outcome} (it was {before})")


def _finding_changes(runs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for before, run in zip(runs, runs[1:], strict=False):
        old = {finding_key(f): f["finding"] for f in before["findings"]}
        new = {finding_key(f): f["finding"] for f in run["findings"]}
        for key in sorted(new.keys() - old.keys()):
            yield _transition(run, "finding-appears", new[key], None, new[key], f"finding {new[key]!r} appears")
        for key in sorted(old.keys() - new.keys()):
            yield _transition(run, "finding-disappears", old[key], old[key], None,
                              f"finding {old[key]!r} disappears")


def _token_changes(runs: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    states = ((run, "api_token_access", run["api_token_access"]) for run in runs if run["api_token_access"])
    for run, subject, before, now in _flips(states):
        kind = "api-token-access-on" if now == "enabled" else "api-token-access-off"
        yield _transition(run, kind, subject, before, now, f"API token access switched {kind.rsplit('-', 1)[1]}")
