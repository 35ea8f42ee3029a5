"""What one check ended as (`CheckResult`), what the run was (`RunInfo`), and the matrix.

The plugin turns each check's pytest reports into one `CheckResult` (`fold` keeps the worst
phase); everything the run reports (the matrix, findings, evidence.json, evidence.html,
results.json) is a pure function of `RunInfo` and that list.

A check's own notes (`token_expires_at`, `pages`, `observed_status`, ...) live in `details`,
apart from the fields computed here, so nothing a suite notes can overwrite a verdict.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pytest

from ..conformance.endpoints import ENDPOINTS, METHODS
from ..conformance.notes import CheckNotes
from ..recording.scrub import SecretSet
from ..settings import Profile

__all__ = ["CheckResult", "RunInfo", "UNPROVEN_REFUSAL", "Verdict", "amend", "annotate_refusals", "axes", "cells",
           "check_id", "fold", "plain_reason", "result_of", "skip_reason", "verdict"]

Verdict = Literal["pass", "expected-denied", "fail", "skipped"]
VERDICTS: tuple[Verdict, ...] = ("pass", "expected-denied", "fail", "skipped")
_RANK = {"fail": 3, "skipped": 0, "expected-denied": 1, "pass": 1}


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: computed fields, then what the check noted (`details`)."""

    check: str  # pytest node id
    check_id: str  # `endpoint[param-id]`, also junit.xml's `zd_check_id` property
    endpoint: str
    method: str  # auth method (a matrix row), "-" when none applies
    verdict: Verdict
    reason: str = ""  # scrubbed; never truncated
    phase: str = "call"
    duration: float = 0.0
    expected: str | None = None  # "allowed" / "denied": what the profile expects of the method
    statuses: tuple[int, ...] = ()  # every status the check observed, in order
    cassette: str | None = None
    target: str = ""
    facts: tuple[str, ...] = ()  # ids of the facts the check rests on
    details: Mapping[str, Any] = field(default_factory=dict)
    contradicted: tuple[str, ...] = ()  # facts the check's failure contradicts
    deviations: tuple[Mapping[str, Any], ...] = ()  # shape differences on inferred facts (the check passed)

    def as_json(self) -> dict[str, Any]:
        """The JSON form of results.json (statuses and facts as lists)."""
        data = dataclasses.asdict(self)
        data.update(statuses=list(self.statuses), facts=list(self.facts), details=dict(self.details),
                    contradicted=list(self.contradicted), deviations=[dict(d) for d in self.deviations])
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckResult:
        """The result `as_json` wrote (results.json), read back."""
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values.update(statuses=tuple(data.get("statuses") or ()), facts=tuple(data.get("facts") or ()),
                      details=dict(data.get("details") or {}), contradicted=tuple(data.get("contradicted") or ()),
                      deviations=tuple(dict(d) for d in data.get("deviations") or ()))
        return cls(**values)


@dataclass(frozen=True)
class RunInfo:
    """What the reports need to know of the run that produced the results."""

    slug: str
    mode: str  # replay | emulator | tenant
    is_reference: bool
    is_live: bool
    profile: Profile
    label: Mapping[str, Any]  # the target's label (kind, description, base_url, profile)
    manifest: Mapping[str, Any]  # the cassette folder's MANIFEST.json as loaded
    cassette_folder: Path
    cassette_root: Path
    reports: Path
    max_age_days: int
    started_at: str
    secrets: SecretSet
    scrub: Callable[[str], str]  # redacts secrets and pseudonymizes people in free text
    # what the pytest session selected and how it ended (zdconform.pytest.selection.session_facts)
    session: Mapping[str, Any] = field(default_factory=dict)
    project: Path | None = None  # the project root (pytest's rootdir): git is asked for its commit there
    tenant: str | None = None  # the fleet's name of the tenant (a fleet run's per-tenant reports only)


def verdict(outcome: str, expected: str | None) -> Verdict:
    """The verdict of a pytest outcome, given what the profile expected."""
    if outcome == "failed":
        return "fail"
    if outcome == "skipped":
        return "skipped"
    return "expected-denied" if expected == "denied" else "pass"


def fold(results: list[CheckResult], result: CheckResult) -> None:
    """Fold one phase's result into `results`: a failure in any phase wins."""
    for index, previous in enumerate(results):
        if previous.check == result.check:
            if _RANK[result.verdict] >= _RANK[previous.verdict] or previous.verdict == "skipped":
                results[index] = result
            return
    results.append(result)


def amend(results: list[CheckResult], check_id: str, verdict: Verdict, reason: str,
          details: Mapping[str, Any], contradicted: tuple[str, ...] = ()) -> None:
    """A check judged again at the run's end (the expiry probe): its verdict, reason and details."""
    for index, result in enumerate(results):
        if result.check_id == check_id:
            results[index] = dataclasses.replace(
                result, verdict=verdict, reason=reason, details={**result.details, **details},
                contradicted=tuple(dict.fromkeys((*result.contradicted, *contradicted))))


UNPROVEN_REFUSAL = "refused: a disabled method and a wrong credential look the same"


def annotate_refusals(results: Sequence[CheckResult]) -> list[CheckResult]:
    """Each expected-denied result says what its refusal proves (`details.refusal_proves`): a method the
    profile disables cannot show its credential valid, so the refusal alone cannot tell a disabled
    method from a wrong credential; where another method authenticated the same admin in this run (an
    API token or OAuth token check passed), the evidence says the user exists and works."""
    working = sorted({r.method for r in results if r.verdict == "pass" and r.method in ("api_token", "oauth_token")})
    annotated = []
    for result in results:
        if result.verdict == "expected-denied" and "refusal_proves" not in result.details:
            proof = f"{UNPROVEN_REFUSAL}: this run cannot show the {result.method} credential valid" + (
                f"; the same admin authenticates with {' and '.join(working)} in this run, so it is no unknown "
                "user" if working else "")
            result = dataclasses.replace(result, details={**result.details, "refusal_proves": proof})
        annotated.append(result)
    return annotated


def cells(results: Iterable[CheckResult]) -> dict[tuple[str, str], str]:
    """The matrix: (auth method, endpoint) -> the cell's text, e.g. `pass` or `fail (1/3)`."""
    grid: dict[tuple[str, str], list[str]] = {}
    for r in results:
        grid.setdefault((r.method, r.endpoint), []).append(r.verdict)
    return {key: _combine(values) for key, values in grid.items()}


def _combine(verdicts: list[str]) -> str:
    for word in ("fail", "expected-denied", "pass"):
        if word in verdicts:
            n = verdicts.count(word)
            return word if n == len(verdicts) else f"{word} ({n}/{len(verdicts)})"
    return "skipped"


def axes(grid: Mapping[tuple[str, str], str]) -> tuple[list[str], list[str]]:
    """The matrix's rows (auth methods) and columns (endpoints), known ones first, in order."""
    methods = [m for m in METHODS if any(k[0] == m for k in grid)]
    methods += sorted({k[0] for k in grid} - set(methods))
    endpoints = [e for e in ENDPOINTS if any(k[1] == e for k in grid)]
    endpoints += sorted({k[1] for k in grid} - set(endpoints))
    return methods, endpoints


def result_of(item: pytest.Item, report: pytest.TestReport, notes: CheckNotes,
              scrub: Callable[[str], str]) -> CheckResult:
    """One phase's result of a check: pytest's outcome, judged with what the check noted."""
    callspec = getattr(item, "callspec", None)
    return CheckResult(
        check=item.nodeid, check_id=check_id(item), endpoint=_endpoint(item),
        method=notes.method or (callspec.params.get("method", "-") if callspec else "-"),
        verdict=verdict(report.outcome, notes.expected),
        reason=scrub(_reason(report)), phase=report.when, duration=round(report.duration, 4),
        expected=notes.expected, statuses=tuple(notes.statuses), cassette=notes.cassette or None,
        target=notes.target, details=dict(notes.details), facts=tuple(notes.facts),
        contradicted=tuple(notes.contradicted), deviations=tuple(notes.deviations))


def _endpoint(item: pytest.Item) -> str:
    marker = item.get_closest_marker("zd_check")
    return str(marker.args[0]) if marker and marker.args else "other"


def check_id(item: pytest.Item) -> str:
    """A stable, readable id: `endpoint[param-id]`, e.g. `create_token[api-token]`."""
    marker = item.get_closest_marker("zd_check")
    endpoint = marker.args[0] if marker and marker.args else item.name
    callspec = getattr(item, "callspec", None)
    ident = callspec.id if callspec else ""
    if callspec and "zd_tenant" in callspec.params:  # a fleet's tenant (the last id, `@NAME`): every
        ident = ident.removesuffix(f"@{callspec.params['zd_tenant']}").removesuffix("-")  # tenant runs the same checks
    return f"{endpoint}[{ident}]" if ident else str(endpoint)


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
        return plain_reason(text.strip()) or "failed"  # whole: a hint at its end (`--zd-...`) must survive
    return ""


_OWN_EXCEPTION = re.compile(r"^zdconform\.exceptions\.\w+: ")


def plain_reason(reason: str) -> str:
    """A reason in words: without the name of zdconform's own exception and the tool's prefix (another
    exception keeps its name: `KeyError: 'id'` says what broke)."""
    return _OWN_EXCEPTION.sub("", reason).removeprefix("zdconform: ")
