"""The pytest session of a conformance run: one object, one hook per phase.

`Session` is registered at configure for a session that runs the checks (`selection.runs_checks`),
with its role decided then: the main process (serial, or a pytest-xdist controller) or a worker.
It holds the session's plan (`runs.plan`, resolved and validated whole before it exists) and its
runs (`runs.tenants.Runs`, one per tenant: a single run is a fleet of one). A check finds its run
through its fixtures (`zd_run`, by its tenant), never through a "current run".

- start: notices, a replay's first line or a fleet's, progress lines, SIGTERM taken as Ctrl-C
  (once per process of a live run), each tenant's preflight (a single run's refusal ends the
  session with its exit code, 10-14, having written nothing);
- collection: a fleet's tenant parametrization, the checks marked (cassette, blocked network for
  a replay, the expiry probe first), counted, and what collection built frozen (`gc.freeze`);
- each check: its reports folded into its run's results, redacted for the terminal and junit.xml;
- the end: each live run's expiry probes judged and leftovers revoked (signals wait meanwhile), a
  worker's results handed to the controller (`xdist.Transport`), the main process's recording
  committed and reports published per tenant; then the one place the exit status is set.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import logging
import os
from collections.abc import Callable, Generator, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from ..conformance.context import Conformance
from ..conformance.notes import CheckNotes
from ..exceptions import CassetteError, ZdConformError
from ..recording.modes import recording_conflict
from ..recording.offline import no_dns
from ..recording.redaction import install_log_redaction, redact_report
from ..recording.replay import RERECORD_HINT, configure, mark_absent_libraries
from ..recording.staging import new_run_id
from ..reporting.results import CheckResult, check_id, skip_reason
from ..runs.end import end_live_run, probe_first
from ..runs.plan import Plan
from ..runs.state import RunState
from ..runs.tenants import Published, Runs, without_tenant, worker_id
from ..settings.credentials import CREDENTIAL_VARIABLES
from .junit import JunitPaths, name_junit, publish_junit, stage_junit, write_refusal
from .selection import session_facts
from .signals import mend_traceback, signals_wait, take_sigterm_as_interrupt
from .terminal import ProgressLines, one_paragraph, replay_line, summary, verdict, write_line
from .xdist import Transport, received

__all__ = ["Plan", "Session", "TENANT_ARG", "new_run_id", "received", "recording_conflict", "write_refusal"]

TENANT_ARG = "zd_tenant"
UNMATCHED = "CannotOverwriteExistingCassetteException"  # vcrpy: no recorded interaction matches
NOTES = pytest.StashKey[CheckNotes]()


@dataclasses.dataclass
class Counts:
    """What the session counted (for a fleet: each tenant's share of it)."""

    selected: int = 0
    deselected: int = 0
    workers: int = 0


class Session:
    """The conformance session of this process."""

    def __init__(self, config: pytest.Config, plan: Plan, handed: dict[str, Any] | None,
                 notices: Sequence[str], *, reports: bool = True) -> None:
        self.config = config
        self.plan = plan
        self.main = handed is None  # the role, decided once: the main process, or a pytest-xdist worker
        self.reports = reports and self.main  # a session of the project's suites publishes; checks elsewhere do not
        self.notices = list(notices)
        self.runs = Runs(plan)  # every tenant's run described: a plan that cannot run is refused here
        self.runs.refused.update((handed or {}).get("refused", {}))
        self.counts = Counts()
        self.progress: list[str] = []  # a worker's lines, carried to the controller's terminal (`xdist`)
        self.transport = Transport(lambda: {"run_id": plan.options.run_id, "refused": self.runs.refused},
                                   plan.is_fleet, self._say)
        self.junit: JunitPaths = stage_junit(config, plan.options.reports) if self.reports else (None, None)
        self.published: dict[str | None, Published] | None = None
        self.merged: list[str] | None = None
        config.add_cleanup(self.runs.close)
        config.add_cleanup(install_log_redaction(self.runs.redact, self.runs.harvest))  # every library's logs
        config.add_cleanup(self._thaw)  # added early, so done late: after pytest's own last collections
        self.undo: Callable[[], None] | None = None
        if plan.is_live:  # once per process, a controller's too: its workers then stop as on Ctrl-C
            take_sigterm_as_interrupt(config)
        self.waiting: contextlib.AbstractContextManager[list[int]] | None = None  # signals wait (`_wait`)
        self.noted: list[int] = []
        self.refused = False  # a single run's preflight refused it: pytest says why, once
        self.exit_code = 0

    # -- the session's start ----------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)  # before pytest-xdist starts its workers
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        if not self.main:
            if self.plan.is_live:  # a worker's progress lines travel to the controller (`xdist.Transport`)
                self._log_progress()
            return
        say = self._say
        for line in self.notices:
            say(f"zdconform: warning: {line}", yellow=True)
        if self.plan.fleet is not None:
            say(f"zdconform: fleet {self.plan.fleet.source.name}: {len(self.plan.tenants)} tenant(s)"
                f"{f' (shard {self.plan.options.fleet_shard})' if self.plan.options.fleet_shard else ''}: "
                f"{', '.join(str(name) for name in self.plan.names())}")
        elif not self.plan.is_live:
            state = self.runs.states[None]
            say(replay_line(state.target.slug, state.store.manifest), yellow=True)
            live = sorted(name for name in CREDENTIAL_VARIABLES if os.environ.get(name))
            if live:
                say(f"zdconform: warning: {', '.join(live)} {'is' if len(live) == 1 else 'are'} set, but this "
                    "run replays and sends nothing: to check a tenant, set ZENDESK_TARGET (or `--zd-target`) to "
                    "its URL.", yellow=True)
            return
        self._log_progress()
        if self.config.getoption("disable_recording", False):
            say(f"zdconform: --disable-recording: the checks run live against {self.plan.tenants[0].target.slug} "
                "and record nothing: cassettes/ stays as it is, and the evidence links no cassette.")
        refused = self.runs.preflight(say)
        if refused is not None:  # a single run: nothing was asked of the tenant, nothing is written (but
            message = f"zdconform: preflight failed (exit {refused.exit_code}): {refused}"  # --junitxml's file)
            staged, final = self.junit
            write_refusal(str(final) if final is not None and staged == final else None, message)
            self.refused = True
            pytest.exit(message, returncode=refused.exit_code)

    # -- collection -------------------------------------------------------------------------
    @pytest.hookimpl(trylast=True)  # after the checks' own parameters: the tenant's id goes last
    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if self.plan.is_fleet and TENANT_ARG in metafunc.fixturenames:
            names = [str(name) for name in self.plan.names()]
            metafunc.parametrize(TENANT_ARG, names, indirect=True, scope="session", ids=[f"@{n}" for n in names])

    @pytest.hookimpl(trylast=True)  # after -k, -m and --lf have deselected theirs
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        checks = [item for item in items if item.get_closest_marker("zd_check")]
        if not checks:
            return
        if not self.plan.is_fleet:  # a single run starts before its first check; a fleet's tenant, on first use
            self.open(None)
        if any(tenant.target.kind == "tenant" for tenant in self.plan.tenants):
            probe_first(items)
        replay = not self.plan.is_live
        for item in checks:
            item.add_marker(pytest.mark.vcr)
            if replay:
                item.add_marker(pytest.mark.block_network)
            item.user_properties.append(("zd_check_id", check_id(item)))

    def pytest_deselected(self, items: Sequence[pytest.Item]) -> None:
        self.counts.deselected += sum(1 for item in items if item.get_closest_marker("zd_check"))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.counts.selected = sum(1 for item in session.items if item.get_closest_marker("zd_check"))
        if self.counts.selected:
            self.undo = mark_absent_libraries()  # vcrpy looks for them at each connection
            gc.freeze()  # modules, items, fixtures: they live to the end, so the collector's passes skip them

    def _thaw(self) -> None:
        if self.undo is not None:  # a process that runs pytest again (an IDE, pytester) starts afresh
            gc.unfreeze()
            self.undo()

    # -- each check -------------------------------------------------------------------------
    def open(self, tenant: str | None) -> RunState:
        """The run of `tenant` (None: the single run), started before its first check."""
        if tenant in self.runs.refused:
            pytest.skip(f"fleet tenant {tenant}: {self.runs.refused[tenant]}")
        try:
            return self.runs.run(tenant)
        except ZdConformError as exc:
            raise pytest.UsageError(f"fleet tenant {tenant!r}: {exc}" if tenant else str(exc)) from None

    def check(self, request: pytest.FixtureRequest, run: RunState, cassette: Path) -> Iterator[Conformance]:
        """The `zd` fixture: the run as one check sees it; its tokens revoked after it."""
        recorded = not request.config.getoption("disable_recording", False)
        notes = request.node.stash[NOTES] = CheckNotes(cassette=str(cassette) if recorded else "",
                                                       target=run.target.slug)
        if run.target.kind == "replay":
            _require_recording(run, cassette)
        elif run.emulator is not None:
            run.emulator.clear()  # each check starts from the same tenant: re-records are identical
        context = Conformance(run, notes)
        with no_dns() if run.target.kind == "replay" else contextlib.nullcontext():  # lookups blocked too
            yield context
        left = context.close()
        if left:
            pytest.fail(f"zdconform: could not revoke token(s) {left}; run `zdconform cleanup`.")

    @pytest.hookimpl(optionalhook=True)  # pytest-recording's hook: `-p no:recording` leaves it undeclared
    def pytest_recording_configure(self, config: pytest.Config, vcr: Any) -> None:
        run = self.runs.of_folder(vcr.cassette_library_dir)
        if run is not None:  # else not one of zdconform's checks: a user's own VCR test keeps its own rules
            configure(vcr, run.store, run.scrubber, live=run.target.is_live)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        report = yield
        redact_report(report, self.runs.redact)  # one redaction for the terminal and junit.xml, at any verbosity
        run = self.runs.of_check(item.nodeid) if item.get_closest_marker("zd_check") else None
        if run is not None:
            self._record(item, call, report, run)
        if call.excinfo is not None and call.excinfo.errisinstance(ZdConformError) and (
                call.excinfo.errisinstance(CassetteError) or item.config.getoption("tbstyle", "auto") != "long"):
            report.longrepr = self.runs.redact(one_paragraph(item, call.excinfo))  # no library traceback
        return report

    def _record(self, item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport,
                run: RunState) -> None:
        """A check's report folded into its run's results (its reason: the exception's own message)."""
        notes = item.stash.get(NOTES, None)
        if call.excinfo is not None and call.excinfo.errisinstance(KeyboardInterrupt):
            run.store.interrupted = True  # keep the previous cassette, never a partial one
        if report.when == "call" or not report.passed:
            if notes is not None and self.plan.is_fleet:
                notes.details["worker"] = worker_id()  # each tenant's checks stay on one worker
            run.record(item, report, notes)
        if call.excinfo is not None and type(call.excinfo.value).__name__ == UNMATCHED:
            report.sections.append(("zdconform", RERECORD_HINT.format(slug=run.target.slug)))
        if report.skipped and run.target.is_live and notes is not None and notes.cassette:
            run.store.mark_skipped(Path(notes.cassette), skip_reason(report))

    @pytest.hookimpl(wrapper=True)  # around the terminal reporter's: before it renders the interrupt's traceback
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> Generator[None, None, None]:
        for run in self.runs.started():
            run.store.interrupted = True  # no partial cassette is written
        mend_traceback(excinfo.value)
        if self.plan.is_live and self.waiting is None and excinfo.errisinstance(KeyboardInterrupt):
            self._wait()  # from the first interrupt on, another one waits for the run's end (pytest still
            # renders this one; a pytest-xdist controller's workers revoke meanwhile)
        result = yield
        reporter = self.config.pluginmanager.get_plugin("terminalreporter")
        if self.refused and reporter is not None:  # pytest wrote the refusal once (stderr): not again as an
            reporter._keyboardinterrupt_memo = None  # interruption at the end
        return result

    def _wait(self) -> list[int]:
        """Signals wait from now to the end of the session (`signals.signals_wait`); what they noted."""
        self.waiting = signals_wait(self._say) if self.plan.is_live else contextlib.nullcontext([])
        self.noted = self.waiting.__enter__()
        self.config.add_cleanup(self._unwait)  # whatever happens, the handlers before are back
        return self.noted

    def _unwait(self) -> None:
        if self.waiting is not None:
            waiting, self.waiting = self.waiting, None
            waiting.__exit__(None, None, None)

    # -- the end ----------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True, trylast=True)  # inside pytest's own wrappers: before the terminal summary
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        """Each live run's end first (before pytest tears the checks' fixtures down); then every other end
        (junit.xml written, pytest-xdist's workers shut down); then the worker's results handed on, or the
        main process's reports published. A
        live run's end is not cut short by another Ctrl-C or SIGTERM: one waits (a line says so), the
        next stops at once (`signals.signals_wait`)."""
        noted = self.noted if self.waiting is not None else self._wait()
        try:
            failed = False
            for run in self.runs.started():  # before the checks' fixtures are torn down: the expiry
                if run.target.is_live:  # probes, then what is left to revoke, each line said
                    failed |= end_live_run(run, self._say)
            result = yield
            if not self.main:
                Transport.output(self.config, self.runs.results(), self.counts.selected, self.counts.deselected,
                                 self.progress)
            elif self.reports:
                failed |= self._publish(session, interrupted=bool(noted))
        finally:
            self._unwait()  # the handlers before are back
        self._exit_status(session, failed=failed, interrupted=bool(noted))
        self.exit_code = int(session.exitstatus)
        return result

    def _publish(self, session: pytest.Session, *, interrupted: bool) -> bool:
        """Every tenant's recording committed and reports written; True when the session fails for it."""
        checked = self.runs.results() + self.transport.merged_results()
        by_tenant: dict[str | None, list[CheckResult]] = {name: [] for name in self.plan.names()}
        for result in checked:
            name = result.target if self.plan.is_fleet else None
            if name in by_tenant:
                by_tenant[name].append(dataclasses.replace(result, check=without_tenant(result.check)))
        tenants = len(self.plan.tenants)
        share = Counts(max(self.counts.selected, self.transport.selected) // tenants,
                       max(self.counts.deselected, self.transport.deselected) // tenants, self.transport.workers)
        status = pytest.ExitCode.INTERRUPTED if interrupted else session.exitstatus
        published = {name: self.runs.publish(name, results, session_facts(self.config, share, len(results),
                                                                          int(status)),
                                              None if self.plan.is_fleet else self.junit)
                     for name, results in by_tenant.items()}
        errors = [done.error for done in published.values() if done.error]
        if self.plan.is_fleet:
            publish_junit(self.config, self.junit)
            self.runs.drop_stale()
            try:  # the fleet evidence: fleet.json and fleet.html beside the tenants' folders
                self.merged = self.runs.merge()
            except ZdConformError as exc:
                self.merged = [f"zdconform: no fleet evidence: {exc}"]
                errors.append("")
        elif not errors:
            name_junit(self.config, self.plan.options.reports / "junit.xml")
        for error in filter(None, errors):
            self._say(f"zdconform: {error}", red=True)
        for done in published.values():
            for line in done.gated:
                self._say(line, red=True)
        self.published = published
        return bool(errors) or any(done.failed for done in published.values())

    @staticmethod
    def _exit_status(session: pytest.Session, *, failed: bool, interrupted: bool) -> None:
        """The one place the session's exit status is set: interrupted (a signal while the run's end
        revoked its tokens) stays interrupted; a failure found at the end fails a session that passed."""
        if interrupted:
            session.exitstatus = pytest.ExitCode.INTERRUPTED
        elif failed and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any, config: pytest.Config) -> None:
        if self.published is not None:
            summary(terminalreporter, self.published, self.merged, self.plan.options.reports)
            text, markup = verdict(self.published, self.merged, self.exit_code)
            config.add_cleanup(functools.partial(self._say, text, **markup))  # the last line: after pytest's counts

    def _say(self, text: str, **markup: bool) -> None:
        if self.main:
            write_line(self.config, text, **markup)
        else:  # a worker's terminal is not shown: the controller says it
            self.progress.append(text)

    def _log_progress(self) -> None:
        logging.getLogger("zdconform").setLevel(logging.INFO)
        logging.getLogger("zdconform").addHandler(ProgressLines(self._say))


def _require_recording(run: RunState, cassette: Path) -> None:
    """Skip a replayed check whose recording was a skip; fail one that was never recorded."""
    reason = run.store.skipped_reason(cassette)
    if reason is not None:
        pytest.skip(f"{reason} (skipped when {run.target.slug} was recorded)")
    if not run.store.is_recorded(cassette) and not cassette.exists():
        pytest.fail(f"zdconform: no recording of this check in {run.store.folder}: record it with "
                    "`zdconform run --target emulator` (or your tenant URL), then commit the cassettes.",
                    pytrace=False)
