"""The runs of one session: one per tenant of its plan (a single run: one tenant, named None).

`Runs` describes every tenant's run when the session is planned (nothing started), starts a
tenant's run before its first check, runs each tenant's preflight (a refused tenant's checks
do not run; in a fleet, the others do), and publishes each tenant's reports, as a single run
writes them, from its results. A fleet's tenant is an outer parametrization of every check
(id `@NAME`, the last part of its node id); its reports go to `REPORTS/tenants/NAME/`, beside
the fleet evidence that merges them.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..exceptions import PreflightError, ZdConformError
from ..http.preflight import preflight
from ..recording.files import atomic_write, utcnow
from ..recording.redaction import redact_text
from ..recording.scrub import SecretSet
from ..reporting.attestation import ENVELOPE, sign_bundle, signing_note
from ..reporting.junit import junit_xml
from ..reporting.publish import findings, gate, publish
from ..reporting.results import CheckResult, RunInfo, annotate_refusals
from ..settings.options import SEVERITIES
from .end import unchecked_methods
from .plan import Plan
from .state import RunState

__all__ = ["Published", "REPORT_FILES", "Runs", "tenant_of", "without_tenant", "worker_id"]

REPORT_FILES = ("junit.xml", "evidence.json", "evidence.html", "results.json")
_TENANT_ID = re.compile(r"(?:\[|-)@([a-z0-9_-]+)\]$")


def tenant_of(nodeid: str) -> str | None:
    """The fleet tenant a check's node id names (`...[api-token-@acme]` -> `acme`), or None."""
    found = _TENANT_ID.search(nodeid)
    return found.group(1) if found else None


def without_tenant(nodeid: str) -> str:
    """The node id as a single run names the same check: `[api-token-@acme]` -> `[api-token]`."""
    found = _TENANT_ID.search(nodeid)
    if found is None:
        return nodeid
    return nodeid[:found.start()] + ("]" if found.group(0).startswith("-") else "")


def worker_id() -> str:
    """The pytest-xdist worker running this process's checks, `main` for a serial run."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@dataclass(frozen=True)
class Published:
    """What publishing one tenant's reports gave: what the terminal says of it."""

    info: RunInfo
    checked: list[CheckResult]
    line: str  # a fleet's summary line for the tenant
    failed: bool  # a check failed, an expected method went unchecked, the tenant was refused, a finding gated
    error: str | None = None  # the leak gate refused a report
    gated: tuple[str, ...] = ()  # findings at or above `--zd-fail-on-finding`, one line each


class Runs:
    """The runs of one session, by tenant name (None for a single run)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.states = {tenant.name: RunState.describe(tenant) for tenant in plan.tenants}  # refuses a bad plan
        self.refused: dict[str | None, str] = {}  # tenant -> why its preflight refused it (its checks do not run)

    def run(self, name: str | None) -> RunState:
        """Tenant `name`'s run, started before its first check (once)."""
        state = self.states[name]
        state.start()
        return state

    def started(self) -> list[RunState]:
        return [state for state in self.states.values() if state.started]

    def of_check(self, nodeid: str) -> RunState | None:
        """The started run a check's node id belongs to."""
        state = self.states.get(tenant_of(nodeid) if self.plan.is_fleet else None)
        return state if state is not None and state.started else None

    def of_folder(self, folder: str) -> RunState | None:
        """The started run whose cassette folder holds `folder` (None: a user's own VCR test's)."""
        path = Path(folder).resolve()
        return next((s for s in self.started() if path.is_relative_to(s.store.folder.resolve())), None)

    def redact(self, text: str) -> str:
        """`text` with every started run's secrets redacted."""
        for state in self.started():
            text = redact_text(text, state.secrets)
        return text

    def harvest(self, response: Any) -> None:
        """A response's secrets (a token it mints), registered with every started run before any log says it."""
        for state in self.started():
            state.scrubber.harvest_response(response)

    def results(self) -> list[CheckResult]:
        """What this process checked, every tenant's."""
        return [result for state in self.started() for result in state.results]

    def preflight(self, say: Callable[..., None]) -> PreflightError | None:
        """Each tenant's preflight (`http.preflight`), before anything is asked of it: a refused tenant's
        checks do not run. For a single run, its refusal (the session ends with its exit code)."""
        for name, state in self.states.items():
            if state.target.kind != "tenant" or not state.base_url:
                continue
            where = f"fleet tenant {name}: " if name else ""
            try:
                lines = preflight(state.base_url, state.profile, state.credentials["admin"])
            except PreflightError as exc:
                if not self.plan.is_fleet:
                    return exc
                self.refused[name] = f"preflight failed (exit {exc.exit_code}): {exc}"
                say(f"zdconform: {where}{self.refused[name]}", red=True)
                continue
            for line in lines:
                say(f"zdconform: {where}{line}")
        return None

    def publish(self, name: str | None, checked: list[CheckResult], facts: Mapping[str, Any],
                junit: tuple[Path | None, Path | None] | None = None) -> Published:
        """Tenant `name`'s recording committed (unless refused) and its reports written from `checked` and
        the session's `facts`; with `junit` (a single run), pytest's junit.xml (staged, published), else
        one of the tenant's checks only."""
        state = self.states[name]
        checked = annotate_refusals(checked)  # what each expected-denied refusal proves, and what it cannot
        unchecked = unchecked_methods(state, checked)
        refused = self.refused.get(name)
        signer = state.store.signer if not refused else None  # a recording run's key: its evidence is signed
        signed_at = utcnow()
        facts = {**facts, "unchecked_methods": unchecked, "signature": signing_note(signer, signed_at)}
        if refused:  # nothing was recorded: its cassettes stay as they were
            facts |= {"complete": False, "partial": [*facts["partial"], f"{refused} (its checks did not run)"]}
        else:
            state.store.commit(complete=bool(facts["complete"]))  # the recording, whole, before its reports
        info = dataclasses.replace(state.info(), session=facts, project=self.plan.options.project)
        line = _summary_line(name or state.target.slug, checked, unchecked, refused)
        gated = tuple(_gated(info, checked, self.plan.options.fail_on_finding))
        failed = bool(refused or unchecked or gated or any(r.verdict == "fail" for r in checked))
        try:
            if junit is not None:
                publish(info, checked, *junit)
            else:
                publish(info, checked)
                text = junit_xml(f"zdconform {name}", checked)
                gate(text, info.reports / "junit.xml", info.secrets)
                atomic_write(info.reports / "junit.xml", text)
        except ZdConformError as exc:  # the leak gate refused a report: the others are written, none signed
            (info.reports / ENVELOPE).unlink(missing_ok=True)
            return Published(info, checked, line, failed, f"{name}: {exc}" if name else str(exc), gated)
        if signer is not None:  # one signature over the reports and the recording, whole
            sign_bundle(info.reports, state.store.folder, signer, state.store.label, signed_at)
        else:  # never an earlier run's envelope beside this run's unsigned reports
            (info.reports / ENVELOPE).unlink(missing_ok=True)
        return Published(info, checked, line, failed, None, gated)

    def drop_stale(self) -> None:
        """Once a fleet's tenants are published, remove the reports an earlier fleet run left of other
        tenants: the fleet evidence merges every tenant's folder."""
        for folder in (self.plan.options.reports / "tenants").glob("*/"):
            if folder.name not in self.plan.names():
                for file in (*REPORT_FILES, ENVELOPE):
                    (folder / file).unlink(missing_ok=True)

    def merge(self) -> list[str]:
        """fleet.json and fleet.html of a fleet's tenants beside their folders (`zdconform merge` of the
        reports folder), gated for every tenant's secrets; the merge's summary lines."""
        from ..reporting.merge import merge_reports  # a fleet's: a single run does not pay for it (about 8 MiB)
        secrets = SecretSet()
        for state in self.states.values():
            for secret, label in state.secrets:
                secrets.add(secret, label)
        reports = self.plan.options.reports
        return merge_reports([reports], reports, secrets=secrets).summary_lines()

    def close(self) -> None:
        for state in self.states.values():
            state.close()


def _gated(info: RunInfo, checked: list[CheckResult], threshold: str | None) -> list[str]:
    """The findings at or above `threshold` (`--zd-fail-on-finding`): each fails the run, named."""
    if threshold is None:
        return []
    floor = SEVERITIES.index(threshold)
    where = f"{info.tenant}: " if info.tenant else ""
    return [f"zdconform: FAILED by --zd-fail-on-finding {threshold}: {where}[{f['severity']}] {f['finding']}"
            for f in findings(info, checked) if SEVERITIES.index(f["severity"]) >= floor]


def _summary_line(name: str, results: Sequence[CheckResult], unchecked: list[dict[str, Any]],
                  refused: str | None = None) -> str:
    if refused:
        return f"FAIL {name}: {refused}"
    counts = {verdict: sum(1 for r in results if r.verdict == verdict)
              for verdict in ("pass", "expected-denied", "fail", "skipped")}
    verdict = "FAIL" if counts["fail"] or unchecked else "ok"
    workers = ", ".join(sorted({str(r.details["worker"]) for r in results if r.details.get("worker")}))
    return (f"{verdict:4} {name}: {counts['pass']} passed, {counts['expected-denied']} expected-denied, "
            f"{counts['fail']} failed, {counts['skipped']} skipped"
            f"{' (unchecked methods)' if unchecked else ''}{f' (on {workers})' if workers else ''}")
