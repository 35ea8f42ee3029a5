"""pytest plugin: options, markers, fixtures and hooks for the conformance suites.

Hooks and fixtures only; the logic lives in `settings`, `run`, `recording`, `conformance`
and `reporting`. Checks are tests marked `zd_check(endpoint)`; each gets a cassette under
`cassettes/<target>/...`, replayed with the network blocked by default. Each check's
pytest reports become one `CheckResult`; at the end, `reporting.publish` writes the reports.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import closing
from . import session as sessions
from .exceptions import CassetteError, ZdConformError
from .recording.staging import new_run_id
from .session import OPTIONS, RUN, WATCH
from .settings.options import check_environment, declare_options, options_of
from .settings.targets import Target, parse_target

if TYPE_CHECKING:  # the rest is imported when a check is collected: a run without checks stays light
    from .conformance.notes import CheckNotes
    from .reporting.results import CheckResult
    from .run import RunState

NOTES: pytest.StashKey[CheckNotes] = pytest.StashKey()
UNREDACT = pytest.StashKey[Any]()
NOTICES = pytest.StashKey[list[str]]()  # lines for the session's start: unknown variables, a replay's
REPORTED = pytest.StashKey[tuple[Any, "list[CheckResult]"]]()  # what the reports said, for the terminal
_WATCH = "zdconform-session-watch"
_FLEET = "zdconform-fleet"  # the name of a fleet run's FleetHooks (zdconform.fleethooks)
UNMATCHED = "CannotOverwriteExistingCassetteException"  # vcrpy: no recorded interaction matches


def pytest_addoption(parser: pytest.Parser) -> None:
    declare_options(parser)


@pytest.hookimpl(tryfirst=True)  # before junitxml's: junit.xml goes beside the evidence
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "zd_check(endpoint): a conformance check of `endpoint`. See README#checks")
    config.stash[WATCH] = watch = sessions.SessionWatch(config)
    config.pluginmanager.register(watch, _WATCH)
    try:
        workerinput = getattr(config, "workerinput", None)
        run_id = workerinput.get(sessions.RUN_ID_KEY) if workerinput is not None else None  # the controller's
        config.stash[OPTIONS] = options = dataclasses.replace(options_of(config), run_id=run_id or new_run_id())
        target = Target("tenant", slug="fleet") if options.fleet else \
            parse_target(options.target, replay_from=options.replay_from)  # a fleet's tenants are live
        from .recording.modes import recording_conflict
        option = config.getoption
        problem = recording_conflict(target, option("record_mode", None), option("disable_recording", False),
                                     loaded=config.pluginmanager.has_plugin("recording"))
        problem = problem if sessions.runs_checks(config) else None
        if sessions.runs_checks(config):
            config.stash[NOTICES] = check_environment(os.environ)  # a set-but-empty variable is refused
            sessions.reject_early(options, target)
    except ZdConformError as exc:
        raise pytest.UsageError(str(exc)) from None
    if problem:
        raise pytest.UsageError(problem)
    if sessions.runs_checks(config) and not hasattr(config, "workerinput"):
        sessions.prepare_reports(config, options.reports)
    if options.fleet and sessions.runs_checks(config):
        from .fleethooks import FleetHooks  # imported for a fleet only: a run without one stays light
        config.pluginmanager.register(FleetHooks(config, options), _FLEET)


def _is_fleet(config: pytest.Config) -> bool:  # FleetHooks are registered for a fleet run only
    return config.pluginmanager.has_plugin(_FLEET)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist starts its workers
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput") or not sessions.runs_checks(config):
        return
    for line in config.stash.get(NOTICES, []):
        sessions.write_line(config, f"zdconform: warning: {line}", yellow=True)
    if _is_fleet(config):
        return  # a fleet's tenants start in FleetHooks
    try:
        sessions.start(config, config.stash[OPTIONS], config.stash[WATCH])
    except ZdConformError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(trylast=True)  # after -k, -m and --lf have deselected theirs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    checks = [item for item in items if item.get_closest_marker("zd_check")]
    if not checks or _is_fleet(config):
        return  # a fleet marks its checks in FleetHooks
    run = _open_run(config)
    closing.probe_first(run, items)
    for item in checks:
        item.add_marker(pytest.mark.vcr)
        if run.target.kind == "replay":
            item.add_marker(pytest.mark.block_network)


def _open_run(config: pytest.Config, tenant: str | None = None) -> RunState:
    if tenant is not None:  # a fleet's tenant: its own run, this process's current one
        from .fleethooks import FleetHooks
        return FleetHooks.current(config, tenant)
    if RUN not in config.stash:
        from .recording.redaction import install_log_redaction
        from .run import RunState
        try:
            config.stash[RUN] = RunState.open(config.stash[OPTIONS])
        except ZdConformError as exc:
            sessions.drop_junit(config)  # a rejected run writes no junit.xml
            raise pytest.UsageError(str(exc)) from None
        if config.stash[RUN].target.is_live:
            from .interrupts import take_sigterm_as_interrupt
            take_sigterm_as_interrupt(config)
        config.stash[UNREDACT] = install_log_redaction(_redactor(config.stash[RUN]))  # every library's logs
    return config.stash[RUN]


def _redactor(run: RunState) -> Any:
    from .recording.redaction import redact_text
    return lambda text: redact_text(text, run.secrets)


@pytest.hookimpl(optionalhook=True)  # pytest-recording's hook: `-p no:recording` leaves it undeclared
def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    run = config.stash.get(RUN, None)
    if run is None or not Path(vcr.cassette_library_dir).resolve().is_relative_to(run.store.folder.resolve()):
        return  # not one of zdconform's checks: a user's own VCR test keeps its own rules and cassettes
    from .recording.replay import configure
    configure(vcr, run.store, run.scrubber, live=run.target.is_live)


@pytest.fixture(scope="session")
def zd_tenant(request: pytest.FixtureRequest) -> str | None:
    """The fleet tenant these checks run for (`--zd-fleet`), or None for a single run."""
    return getattr(request, "param", None)


@pytest.fixture(scope="session")
def zd_run(pytestconfig: pytest.Config, zd_tenant: str | None) -> RunState:
    """The run's shared state: target, profile, credentials, cassette store, secrets."""
    return _open_run(pytestconfig, zd_tenant)


@pytest.fixture
def zd(request: pytest.FixtureRequest, zd_run: RunState, vcr_cassette_dir: str,
       default_cassette_name: str) -> Iterator[Any]:
    """The run as one check sees it: auth objects, client, expectations, minted tokens."""
    from .conformance.context import Conformance
    from .conformance.notes import CheckNotes
    from .recording.offline import no_dns

    cassette = Path(vcr_cassette_dir) / f"{default_cassette_name}.yaml"
    recorded = not request.config.getoption("disable_recording", False)
    notes = request.node.stash[NOTES] = CheckNotes(cassette=str(cassette) if recorded else "",
                                                   target=zd_run.target.slug)
    if zd_run.target.kind == "replay":
        sessions.require_recording(zd_run, cassette)
    elif zd_run.emulator is not None:
        zd_run.emulator.clear()  # each check starts from the same tenant: re-records are identical
    context = Conformance(zd_run, notes)
    if zd_run.target.kind == "replay":
        with no_dns():  # pytest-recording blocks connections; this blocks lookups too
            yield context
    else:
        yield context
    left = context.close()
    if left:
        pytest.fail(f"zdconform: could not revoke token(s) {left}; run `zdconform cleanup`.")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("zd_check"):
        from .reporting.results import check_id
        item.user_properties.append(("zd_check_id", check_id(item)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance(CassetteError):
        report.longrepr = f"zdconform: {call.excinfo.value}"  # one paragraph: the message names file and fix
    if RUN in item.config.stash:  # one redaction for the terminal and junit.xml, at any verbosity
        from .recording.redaction import redact_report
        redact_report(report, _redactor(item.config.stash[RUN]))
    if item.get_closest_marker("zd_check") and RUN in item.config.stash:
        run = item.config.stash[RUN]
        if call.excinfo is not None and call.excinfo.errisinstance(KeyboardInterrupt):
            run.store.interrupted = True  # keep the previous cassette, never a partial one
        if report.when == "call" or not report.passed:
            if _is_fleet(item.config):
                from .fleethooks import note_worker
                note_worker(item.config, item.stash.get(NOTES, None))
            run.record(item, report, item.stash.get(NOTES, None))
        if call.excinfo is not None and type(call.excinfo.value).__name__ == UNMATCHED:
            from .recording.replay import RERECORD_HINT
            report.sections.append(("zdconform", RERECORD_HINT.format(slug=run.target.slug)))
        if report.skipped and run.target.is_live and item.stash.get(NOTES, None) and item.stash[NOTES].cassette:
            from .reporting.results import skip_reason
            run.store.mark_skipped(Path(item.stash[NOTES].cassette), skip_reason(report))
    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    reported = config.stash.get(REPORTED, None)
    if reported is None:
        return
    info, checked = reported
    from .reporting.terminal import terminal_lines  # imported late: it brings jsonschema
    from .run import unchecked_message

    terminalreporter.write_sep("=", "zdconform conformance matrix")
    for line, markup in terminal_lines(info, checked):
        terminalreporter.write_line(line, **markup)
    if info.session.get("unchecked_methods"):
        terminalreporter.write_line(unchecked_message(info.session["unchecked_methods"],
                                                               info.profile.name), red=True)
    if info.mode == "replay":
        terminalreporter.write_line(sessions.replay_line(info.slug, info.manifest), yellow=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    run = config.stash.get(RUN, None)
    if run is not None and run.target.is_live:  # the expiry probes, then what is left to revoke
        closing.end_live_run(session, run)
    watch = config.stash[WATCH]
    if hasattr(config, "workerinput"):  # a pytest-xdist worker saw only its share: the controller reports
        checked: list[CheckResult] = []
        if run is not None or _is_fleet(config):
            from .fleethooks import results_of  # every tenant's results in a fleet, else the run's
            checked = results_of(config, run)
        config.workeroutput[sessions.WORKER_KEY] = watch.output(checked)  # type: ignore[attr-defined]
        return
    if watch.preflight_failed or not sessions.runs_checks(config):
        return
    if _is_fleet(config):  # a fleet publishes per tenant in FleetHooks; here the session's junit.xml
        sessions.publish_junit(config)
        return
    described = sessions.describe(run, config.stash[OPTIONS])
    if isinstance(described, str):
        sessions.write_line(config, described, red=True)
        return
    checked = run.results if run is not None else watch.merged_results()
    from .run import unchecked_methods
    from .selection import session_facts
    unchecked = unchecked_methods(described, checked)
    if (unchecked or any(r.verdict == "fail" for r in checked)) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    facts = session_facts(config, watch, len(checked), int(session.exitstatus), unchecked)
    described.store.commit(complete=facts["complete"])  # the recording, whole, before the reports name it
    info = dataclasses.replace(described.info(), session=facts, project=described.options.project)
    config.stash[REPORTED] = (info, checked)
    from .reporting.publish import publish

    try:
        publish(info, checked, *sessions.junit_paths(config))
        sessions.name_junit(config, info.reports / "junit.xml")
    except ZdConformError as exc:  # the leak gate refused a report: nothing half-written
        sessions.write_line(config, f"zdconform: {exc}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    config.stash.get(UNREDACT, lambda: None)()
    run = config.stash.get(RUN, None)
    if run is not None:
        run.close()
