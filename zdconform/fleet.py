"""A fleet run: every check once per tenant of a fleet file, each tenant a whole run of its own.

The tenant is an outer parametrization (`zd_tenant`, id `@NAME`, the last part of a check's
node id); each tenant has its own `RunState` (target, profile, credentials from its own
variables, pacer, token ledger, `cassettes/NAME/`), opened on first use, and its own reports
in `REPORTS/tenants/NAME/`, written as a single run writes them. Under pytest-xdist,
`TenantScheduling` (xdist's own LoadScopeScheduling, scoped by tenant) keeps each tenant's
checks on one worker, so its pacer and ledger stay whole.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from .exceptions import PreflightError
from .recording.files import atomic_write
from .reporting.junit import junit_xml
from .reporting.results import CheckResult
from .run import RunState, unchecked_methods
from .selection import session_facts
from .session import REPORT_FILES, ProgressLines, SessionWatch, write_line
from .settings import Options
from .settings.fleet import Fleet, credential_names, load_fleet, tenant_env

__all__ = ["TENANT_ARG", "FleetRun", "make_scheduler", "tenant_of", "without_tenant", "worker_id"]

TENANT_ARG = "zd_tenant"
Published = tuple[str, bool, str | None]  # a tenant's summary line, unchecked methods left, a refused report
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


class FleetRun:
    """The fleet of one pytest session: its tenants and the runs opened for them."""

    def __init__(self, options: Options, fleet: Fleet) -> None:
        self.options = options
        self.fleet = fleet
        self.runs: dict[str, RunState] = {}
        self.refused: dict[str, str] = {}  # tenant -> why its preflight refused it (its checks do not run)

    @classmethod
    def load(cls, options: Options) -> FleetRun | None:
        """The fleet `options` name (`--zd-fleet`, narrowed by `--zd-fleet-shard`), or None."""
        if not options.fleet:
            return None
        return cls(options, load_fleet(options.fleet, shard_spec=options.fleet_shard))

    def names(self) -> list[str]:
        return self.fleet.names()

    def reports(self, name: str) -> Path:
        return self.options.reports / "tenants" / name

    def options_for(self, name: str) -> Options:
        """A single run's options for tenant `name`: its URL, profile, reports folder and name."""
        tenant = next(t for t in self.fleet.tenants if t.name == name)
        return dataclasses.replace(self.options, target=tenant.url, profile=tenant.profile, tenant=name,
                                   reports=self.reports(name), emulator_tenant=None, fleet=None,
                                   fleet_shard=None, replay_from=name, credential_names=credential_names(tenant))

    def run(self, name: str, *, start: bool = True) -> RunState:
        """Tenant `name`'s run, opened once (with `start=False`, one that only describes it)."""
        if name in self.runs:
            return self.runs[name]
        tenant = next(t for t in self.fleet.tenants if t.name == name)
        options, env = self.options_for(name), tenant_env(tenant)
        try:
            state = RunState.open(options, env, start=start, preflight=start)
        except PreflightError as exc:  # this tenant alone: the others run
            self.refused[name] = f"preflight failed (exit {exc.exit_code}): {exc}"
            state = RunState.open(options, env, start=False)
        if start:
            self.runs[name] = state
        return state

    def redact(self, text: str) -> str:
        """`text` with every opened tenant's secrets redacted."""
        from .recording.redaction import redact_text

        for state in self.runs.values():
            text = redact_text(text, state.secrets)
        return text

    def results(self) -> list[CheckResult]:
        return [result for state in self.runs.values() for result in state.results]

    # -- the session ----------------------------------------------------------------------
    def drop_stale(self) -> None:
        """Once this run's tenants are published, remove the reports an earlier fleet run left of other
        tenants: the fleet evidence merges every tenant's folder."""
        for folder in (self.options.reports / "tenants").glob("*/"):
            if folder.name not in self.names():
                for file in REPORT_FILES:
                    (folder / file).unlink(missing_ok=True)

    def merge(self) -> list[str]:
        """fleet.json and fleet.html of this run's tenants beside their folders (`zdconform merge`
        of the reports folder), gated for every tenant's secrets; the merge's summary lines."""
        from .recording.scrub import SecretSet
        from .reporting.merge import merge_reports

        secrets = SecretSet()
        for name in self.names():
            for secret, label in self.run(name, start=False).secrets:
                secrets.add(secret, label)
        merged = merge_reports([self.options.reports], self.options.reports, secrets=secrets)
        return merged.summary_lines()

    def start(self, config: pytest.Config) -> None:
        """Progress lines for waits (each names its tenant's host); no preflight per tenant."""
        logging.getLogger("zdconform").setLevel(logging.INFO)
        logging.getLogger("zdconform").addHandler(ProgressLines(config))
        write_line(config, f"zdconform: fleet {self.fleet.source.name}: {len(self.names())} tenant(s)"
                   f"{f' (shard {self.options.fleet_shard})' if self.options.fleet_shard else ''}: "
                   f"{', '.join(self.names())}")

    def parametrize(self, metafunc: pytest.Metafunc) -> None:
        """Every check once per tenant; the tenant's id goes last, as `@NAME`."""
        if TENANT_ARG in metafunc.fixturenames:
            metafunc.parametrize(TENANT_ARG, self.names(), indirect=True, scope="session",
                                 ids=[f"@{name}" for name in self.names()])

    def publish(self, config: pytest.Config, watch: SessionWatch, results: Sequence[CheckResult],
                names: Sequence[str], exitstatus: int, workers: int = 0) -> dict[str, Published]:
        """The reports of tenants `names`, each as a single run writes them, from `results`; per
        tenant its summary line, whether it left an expected method unchecked, and any error."""
        by_tenant: dict[str, list[CheckResult]] = {name: [] for name in names}
        for result in results:
            if result.target in by_tenant:
                by_tenant[result.target].append(dataclasses.replace(result, check=without_tenant(result.check)))
        share = copy.copy(watch)  # every tenant runs the same checks: its share of the session's
        share.selected, share.deselected = (count // max(1, len(self.names()))
                                            for count in (watch.selected, watch.deselected))
        share.workers = workers or watch.workers
        return {name: self._publish_one(config, share, name, by_tenant[name], exitstatus) for name in names}

    def _publish_one(self, config: pytest.Config, share: SessionWatch, name: str, checked: list[CheckResult],
                     exitstatus: int) -> Published:
        from .exceptions import ZdConformError
        from .reporting.publish import gate, publish

        state = self.run(name, start=False)
        unchecked = unchecked_methods(state, checked)
        facts = session_facts(config, share, len(checked), exitstatus, unchecked)
        refused = self.refused.get(name)
        if refused:  # nothing was recorded: its cassettes stay as they were
            facts["complete"], facts["partial"] = False, [*facts["partial"], f"{refused} (its checks did not run)"]
        else:
            state.store.commit(complete=facts["complete"])  # the tenant's recording, whole, before its reports
        info = dataclasses.replace(state.info(), session=facts, project=self.options.project)
        try:
            publish(info, checked)
            junit = junit_xml(f"zdconform {name}", checked)
            gate(junit, self.reports(name) / "junit.xml", info.secrets)
            atomic_write(self.reports(name) / "junit.xml", junit)
        except ZdConformError as exc:  # the leak gate refused a report: the tenant's others are written
            return _summary_line(name, checked, unchecked, refused), bool(unchecked), f"{name}: {exc}"
        return _summary_line(name, checked, unchecked, refused), bool(unchecked), None


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


def worker_id() -> str:
    """The pytest-xdist worker running this process's checks, `main` for a serial run."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def make_scheduler(config: pytest.Config, log: Any) -> Any:
    """xdist's LoadScopeScheduling with the tenant as the scope: one tenant's checks, one worker."""
    from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

    class TenantScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return tenant_of(nodeid) or nodeid.rsplit("::", 1)[0]

    return TenantScheduling(config, log)
