"""pytest plugin: options, markers, fixtures and hooks for the conformance suites.

Hooks and fixtures only; the logic lives in `settings`, `run`, `recording`, `conformance`
and `reporting`. Checks are tests marked `zd_check(endpoint)`; each gets a cassette under
`cassettes/<target>/...`, replayed with the network blocked by default. Each check's
pytest reports become one `CheckResult`; at the end, `reporting.publish` writes the reports.
"""

from __future__ import annotations

import dataclasses
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import closing
from . import fleethooks as fleets
from . import session as sessions
from .conformance.notes import CheckNotes
from .exceptions import CassetteError, ZdConformError
from .recording.modes import recording_conflict
from .recording.offline import no_dns
from .recording.redaction import install_log_redaction, redact_report, redact_text
from .reporting.results import CheckResult, check_id, skip_reason
from .run import RunState, unchecked_message, unchecked_methods
from .session import RUN, WATCH
from .settings import Options, Target, parse_target
from .settings.options import declare_options, options_of

OPTIONS = pytest.StashKey[Options]()
NOTES = pytest.StashKey[CheckNotes]()
UNREDACT = pytest.StashKey[Any]()
REPORTED = pytest.StashKey[tuple[Any, list[CheckResult]]]()  # what the reports said, for the terminal
MATCH_ON = ("method", "zd_path", "query", "zd_body")
_WATCH = "zdconform-session-watch"
UNMATCHED = "CannotOverwriteExistingCassetteException"  # vcrpy: no recorded interaction matches
_RERECORD_HINT = (
    "The request above is not in the recording of {slug}: the check now sends something it did "
    "not send when recording. If that change is intended, record again (`zdconform run --target "
    "emulator` for the reference cassettes, or your tenant URL), review `git diff cassettes/`, "
    "and commit; otherwise fix the check.")


def pytest_addoption(parser: pytest.Parser) -> None:
    declare_options(parser)


@pytest.hookimpl(tryfirst=True)  # before junitxml's: junit.xml goes beside the evidence
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "zd_check(endpoint): a conformance check of `endpoint`. See README#checks")
    config.stash[WATCH] = watch = sessions.SessionWatch(config)
    config.pluginmanager.register(watch, _WATCH)
    try:
        config.stash[OPTIONS] = options = options_of(config)
        target = Target("tenant", slug="fleet") if options.fleet else \
            parse_target(options.target, replay_from=options.replay_from)  # a fleet's tenants are live
        problem = recording_conflict(target, config.getoption("record_mode", None),
                                     config.getoption("disable_recording", False))
        problem = problem if sessions.runs_checks(config) else None
        if sessions.runs_checks(config):
            sessions.reject_early(options)
    except ZdConformError as exc:
        raise pytest.UsageError(str(exc)) from None
    if problem:
        raise pytest.UsageError(problem)
    if sessions.runs_checks(config) and not hasattr(config, "workerinput"):
        sessions.prepare_reports(config, options.reports)
    if options.fleet and sessions.runs_checks(config):
        config.pluginmanager.register(fleets.FleetHooks(config, options), "zdconform-fleet")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist starts its workers
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    if hasattr(config, "workerinput") or not sessions.runs_checks(config) or fleets.FLEET in config.stash:
        return  # a fleet's tenants start in FleetHooks
    try:
        sessions.start(config, config.stash[OPTIONS], config.stash[WATCH])
    except ZdConformError as exc:
        raise pytest.UsageError(str(exc)) from None


@pytest.hookimpl(trylast=True)  # after -k, -m and --lf have deselected theirs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    checks = [item for item in items if item.get_closest_marker("zd_check")]
    if not checks or fleets.FLEET in config.stash:
        return  # a fleet marks its checks in FleetHooks
    run = _open_run(config)
    closing.probe_first(run, items)
    for item in checks:
        item.add_marker(pytest.mark.vcr)
        if run.target.kind == "replay":
            item.add_marker(pytest.mark.block_network)


def _open_run(config: pytest.Config, tenant: str | None = None) -> RunState:
    if tenant is not None:  # a fleet's tenant: its own run, this process's current one
        return fleets.FleetHooks.current(config, tenant)
    if RUN not in config.stash:
        try:
            config.stash[RUN] = RunState.open(config.stash[OPTIONS])
        except ZdConformError as exc:
            sessions.drop_junit(config)  # a rejected run writes no junit.xml
            raise pytest.UsageError(str(exc)) from None
        if config.stash[RUN].target.is_live:
            signal.signal(signal.SIGTERM, sessions.sigterm_as_interrupt)
        config.stash[UNREDACT] = install_log_redaction(_redactor(config.stash[RUN]))  # every library's logs
    return config.stash[RUN]


def _redactor(run: RunState) -> Any:
    return lambda text: redact_text(text, run.secrets)


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    run = config.stash.get(RUN, None)
    if run is None or not Path(vcr.cassette_library_dir).resolve().is_relative_to(run.store.folder.resolve()):
        return  # not one of zdconform's checks: a user's own VCR test keeps its own rules and cassettes
    from .recording import matching

    vcr.register_persister(run.store)
    vcr.register_matcher("zd_path", matching.same_path)
    vcr.register_matcher("zd_body", matching.same_body)
    vcr.match_on = MATCH_ON
    vcr.record_mode = "all" if run.target.is_live else "none"
    vcr.before_record_request = run.scrubber.before_record_request
    if run.target.is_live:  # recorded responses are scrubbed already; vcrpy re-filters on load
        vcr.before_record_response = run.scrubber.before_record_response
    vcr.decode_compressed_response = True
    vcr.allow_playback_repeats = False


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

    cassette = Path(vcr_cassette_dir) / f"{default_cassette_name}.yaml"
    recorded = not request.config.getoption("disable_recording", False)
    notes = request.node.stash[NOTES] = CheckNotes(cassette=str(cassette) if recorded else "",
                                                   target=zd_run.target.slug)
    if zd_run.target.kind == "replay":
        _require_recording(zd_run, cassette)
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


def _require_recording(run: RunState, cassette: Path) -> None:
    reason = run.store.skipped_reason(cassette)
    if reason is not None:
        pytest.skip(f"{reason} (skipped when {run.target.slug} was recorded)")
    if not run.store.is_recorded(cassette) and not cassette.exists():
        pytest.fail(f"zdconform: no recording of this check in {run.store.folder}: record it with "
                    "`zdconform run --target emulator` (or your tenant URL), then commit the cassettes.",
                    pytrace=False)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("zd_check"):
        item.user_properties.append(("zd_check_id", check_id(item)))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if call.excinfo is not None and call.excinfo.errisinstance(CassetteError):
        report.longrepr = f"zdconform: {call.excinfo.value}"  # one paragraph: the message names file and fix
    if RUN in item.config.stash:  # one redaction for the terminal and junit.xml, at any verbosity
        redact_report(report, _redactor(item.config.stash[RUN]))
    if item.get_closest_marker("zd_check") and RUN in item.config.stash:
        run = item.config.stash[RUN]
        if call.excinfo is not None and call.excinfo.errisinstance(KeyboardInterrupt):
            run.store.interrupted = True  # keep the previous cassette, never a partial one
        if report.when == "call" or not report.passed:
            fleets.note_worker(item.config, item.stash.get(NOTES, None))
            run.record(item, report, item.stash.get(NOTES, None))
        if call.excinfo is not None and type(call.excinfo.value).__name__ == UNMATCHED:
            report.sections.append(("zdconform", _RERECORD_HINT.format(slug=run.target.slug)))
        if report.skipped and run.target.is_live and item.stash.get(NOTES, None) and item.stash[NOTES].cassette:
            run.store.mark_skipped(Path(item.stash[NOTES].cassette), skip_reason(report))
    return report


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    reported = config.stash.get(REPORTED, None)
    if reported is None:
        return
    info, checked = reported
    from .reporting.terminal import terminal_lines  # imported late: it brings jsonschema

    terminalreporter.write_sep("=", "zdconform conformance matrix")
    for line, markup in terminal_lines(info, checked):
        terminalreporter.write_line(line, **markup)
    if info.session.get("unchecked_methods"):
        terminalreporter.write_line(unchecked_message(info.session["unchecked_methods"],
                                                               info.profile.name), red=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    run = config.stash.get(RUN, None)
    if run is not None and run.target.is_live:  # the expiry probes, then what is left to revoke
        closing.end_live_run(session, run)
    watch = config.stash[WATCH]
    if hasattr(config, "workerinput"):
        output = watch.output(fleets.results_of(config, run))
        config.workeroutput[sessions.WORKER_KEY] = output  # type: ignore[attr-defined]
        return  # a pytest-xdist worker saw only its share: the controller merges and reports
    if watch.preflight_failed or not sessions.runs_checks(config) or fleets.FLEET in config.stash:
        return  # a fleet publishes per tenant in FleetHooks
    described = sessions.describe(run, config.stash[OPTIONS])
    if isinstance(described, str):
        sessions.write_line(config, described, red=True)
        return
    checked = run.results if run is not None else watch.merged_results()
    unchecked = unchecked_methods(described, checked)
    if (unchecked or any(r.verdict == "fail" for r in checked)) and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    facts = sessions.session_facts(config, watch, len(checked), int(session.exitstatus), unchecked)
    info = dataclasses.replace(described.info(), session=facts, project=described.options.project)
    config.stash[REPORTED] = (info, checked)
    from .reporting.publish import publish

    try:
        publish(info, checked)
    except ZdConformError as exc:  # the leak gate refused a report: nothing half-written
        sessions.write_line(config, f"zdconform: {exc}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    config.stash.get(UNREDACT, lambda: None)()
    run = config.stash.get(RUN, None)
    if run is not None:
        run.close()
