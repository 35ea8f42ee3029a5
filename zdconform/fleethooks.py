"""The pytest hooks of a fleet run (`--zd-fleet`), registered by the plugin only for one.

`FleetHooks` parametrizes every check by tenant, makes the tenant of the check about to run
this process's current run (so the plugin's cassette, recording and reporting hooks act on
that tenant's run, as in a single run), hands pytest-xdist a scheduler that keeps each tenant
on one worker, revokes what any tenant's checks left, and publishes each tenant's reports with
a summary line per tenant.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from .closing import end_live_run
from .conformance.notes import CheckNotes
from .exceptions import ZdConformError
from .fleet import FleetRun, Published, make_scheduler, tenant_of, worker_id
from .interrupts import take_sigterm_as_interrupt
from .reporting.results import CheckResult, check_id
from .run import RunState
from .session import RUN, WATCH, write_line
from .settings import Options

__all__ = ["FLEET", "FleetHooks", "note_worker", "results_of"]

FLEET = pytest.StashKey[FleetRun]()
SUMMARY = pytest.StashKey[list[str]]()
WORKER_KEY = "zdconform-fleet"  # a worker's published tenants, in its workeroutput
UNREDACT = pytest.StashKey[Any]()


def note_worker(config: pytest.Config, notes: CheckNotes | None) -> None:
    """A fleet check's result names the worker it ran on (each tenant's stay on one)."""
    if notes is not None and FLEET in config.stash:
        notes.details["worker"] = worker_id()


def results_of(config: pytest.Config, run: RunState | None) -> list[CheckResult]:
    """What this process checked: every tenant's results in a fleet, else its run's."""
    if FLEET in config.stash:
        return config.stash[FLEET].results()
    return list(run.results) if run is not None else []


class FleetHooks:
    """A fleet session's hooks: one parametrization, many runs, one scheduler, many reports."""

    def __init__(self, config: pytest.Config, options: Options) -> None:
        try:
            fleet = FleetRun.load(options)
        except ZdConformError as exc:
            raise pytest.UsageError(str(exc)) from None
        assert fleet is not None
        config.stash[FLEET] = self.fleet = fleet
        self.config = config
        self.from_workers: dict[str, Published] = {}

    @staticmethod
    def current(config: pytest.Config, tenant: str) -> RunState:
        """Tenant `tenant`'s run, opened on first use, and made this process's current run."""
        from .recording.redaction import install_log_redaction

        fleet = config.stash[FLEET]
        first = not fleet.runs
        try:
            run = fleet.run(tenant)
        except ZdConformError as exc:
            raise pytest.UsageError(f"fleet tenant {tenant!r}: {exc}") from None
        if first:
            take_sigterm_as_interrupt(config)
            config.stash[UNREDACT] = install_log_redaction(fleet.redact)  # every tenant's secrets
        if tenant in fleet.refused and not run.results and not hasattr(config, "workerinput"):
            write_line(config, f"zdconform: fleet tenant {tenant}: {fleet.refused[tenant]}", red=True)
        config.stash[RUN] = run
        return run

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if not hasattr(session.config, "workerinput"):
            take_sigterm_as_interrupt(session.config)  # the controller too: its workers stop as on Ctrl-C
            session.config.stash[WATCH].live = True  # and its end waits out further signals
            self.fleet.start(session.config)

    @pytest.hookimpl(trylast=True)  # after the checks' own parameters: the tenant's id goes last
    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        self.fleet.parametrize(metafunc)

    @pytest.hookimpl(trylast=True)  # after -k, -m and --lf have deselected theirs
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Every check recorded (a fleet runs live); the expiry probes first, as on a single tenant."""
        from .conformance.expiry import PROBE_CHECK

        for item in items:
            if item.get_closest_marker("zd_check"):
                item.add_marker(pytest.mark.vcr)
        items.sort(key=lambda item: not item.get_closest_marker("zd_check") or check_id(item) != PROBE_CHECK)

    @pytest.hookimpl(tryfirst=True)  # before the check's fixtures: they find the tenant's run current
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        tenant = tenant_of(item.nodeid)
        if tenant is not None and item.get_closest_marker("zd_check"):
            self.current(self.config, tenant)
            if tenant in self.fleet.refused:
                pytest.skip(f"fleet tenant {tenant}: {self.fleet.refused[tenant]}")

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        return make_scheduler(config, log)

    @pytest.hookimpl(tryfirst=True)  # before the plugin hands a worker's results to the controller
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        config, watch, names = session.config, session.config.stash[WATCH], self.fleet.names()
        for run in self.fleet.runs.values():  # each tenant's expiry probes, then what is left to revoke
            if run.target.is_live:
                config.stash[RUN] = run
                end_live_run(session, run)
        if hasattr(config, "workerinput"):  # each worker writes the reports of the tenants it ran
            workers = int(config.workerinput.get("workercount", 0))
            mine = self.fleet.publish(config, watch, self.fleet.results(), list(self.fleet.runs),
                                      int(session.exitstatus), workers)
            config.workeroutput[WORKER_KEY] = json.dumps(mine)  # type: ignore[attr-defined]
            return
        published = dict(self.from_workers)
        rest = [name for name in names if name not in published]  # serial; or tenants no worker ran
        checked = self.fleet.results() if self.fleet.runs else watch.merged_results()
        published.update(self.fleet.publish(config, watch, checked, rest, int(session.exitstatus)))
        errors = [error for _, _, error in published.values() if error]
        for error in errors:
            write_line(config, f"zdconform: {error}", red=True)
        if (errors or any(line.startswith("FAIL") for line, _, _ in published.values())) \
                and session.exitstatus == pytest.ExitCode.OK:  # a check failed, maybe only at the run's end
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        self.fleet.drop_stale()
        try:  # the fleet evidence: fleet.json and fleet.html beside the tenants' folders
            merged = self.fleet.merge()
        except ZdConformError as exc:
            merged = [f"zdconform: no fleet evidence: {exc}"]
            if session.exitstatus == pytest.ExitCode.OK:  # an interrupted run stays interrupted (2)
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
        config.stash[SUMMARY] = [published[name][0] for name in names] + merged

    @pytest.hookimpl(optionalhook=True)  # pytest-xdist's: `-p no:xdist` leaves it undeclared
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        """A worker's tenants, published: their summary lines, unchecked methods and errors."""
        text = getattr(node, "workeroutput", {}).get(WORKER_KEY)
        if text:
            self.from_workers.update({name: (line, unchecked, problem)
                                      for name, (line, unchecked, problem) in json.loads(text).items()})

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        lines = config.stash.get(SUMMARY, None)
        if lines is None:
            return
        terminalreporter.write_sep("=", f"zdconform fleet: {len(self.fleet.names())} tenant(s)")
        for line in lines:
            terminalreporter.write_line(line, red=line.startswith("FAIL"), green=line.startswith("ok"))
        terminalreporter.write_line(f"reports per tenant: {self.fleet.options.reports / 'tenants'}/NAME/")

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        config.stash.get(UNREDACT, lambda: None)()
        for run in self.fleet.runs.values():
            run.close()
