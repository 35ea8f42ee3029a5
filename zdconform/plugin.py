"""pytest plugin: options, markers, fixtures and hooks for the conformance suites.

Hooks and fixtures only; the logic lives in `settings`, `run`, `recording`, `conformance`
and `reporting`. Checks are tests marked `zd_check(endpoint)`; each gets a cassette under
`cassettes/<target>/...`, replayed with the network blocked by default. Each check's
pytest reports become one `CheckResult`; at the end, `reporting.publish` writes the reports.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conformance.notes import CheckNotes
from .exceptions import CassetteError, ZdConformError
from .recording.offline import no_dns
from .recording.redaction import install_log_redaction, redact_report, redact_text
from .reporting import results
from .run import RunState, check_id, skip_reason
from .settings import Options
from .settings.options import declare_options, options_of

RUN = pytest.StashKey[RunState]()
OPTIONS = pytest.StashKey[Options]()
NOTES = pytest.StashKey[CheckNotes]()
UNREDACT = pytest.StashKey[Any]()
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


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "zd_check(endpoint): a conformance check of `endpoint`. See README#checks")
    config.pluginmanager.register(_SessionWatch(config), _WATCH)
    try:
        config.stash[OPTIONS] = options_of(config)
    except ZdConformError as exc:
        raise pytest.UsageError(str(exc)) from None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    checks = [item for item in items if item.get_closest_marker("zd_check")]
    if not checks:
        return
    run = _open_run(config)
    for item in checks:
        item.add_marker(pytest.mark.vcr)
        if run.target.kind == "replay":
            item.add_marker(pytest.mark.block_network)


def _open_run(config: pytest.Config) -> RunState:
    if RUN not in config.stash:
        try:
            config.stash[RUN] = RunState.open(config.stash[OPTIONS])
        except ZdConformError as exc:
            raise pytest.UsageError(str(exc)) from None
        if config.stash[RUN].target.is_live:
            signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
        config.stash[UNREDACT] = install_log_redaction(_redactor(config.stash[RUN]))  # every library's logs
    return config.stash[RUN]


def _redactor(run: RunState) -> Any:
    return lambda text: redact_text(text, run.secrets)


def _sigterm_as_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt("SIGTERM")


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    run = config.stash.get(RUN, None)
    if run is None:
        return  # no conformance check in this session: other cassettes are not ours to touch
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
def zd_run(pytestconfig: pytest.Config) -> RunState:
    """The run's shared state: target, profile, credentials, cassette store, secrets."""
    return _open_run(pytestconfig)


@pytest.fixture
def zd(request: pytest.FixtureRequest, zd_run: RunState, vcr_cassette_dir: str,
       default_cassette_name: str) -> Iterator[Any]:
    """The run as one check sees it: auth objects, client, expectations, minted tokens."""
    from .conformance.context import Conformance

    cassette = Path(vcr_cassette_dir) / f"{default_cassette_name}.yaml"
    notes = request.node.stash[NOTES] = CheckNotes(cassette=str(cassette), target=zd_run.target.slug)
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
            run.record(item, report, item.stash.get(NOTES, None))
        if call.excinfo is not None and type(call.excinfo.value).__name__ == UNMATCHED:
            report.sections.append(("zdconform", _RERECORD_HINT.format(slug=run.target.slug)))
        if report.skipped and run.target.is_live and NOTES in item.stash:
            run.store.mark_skipped(Path(item.stash[NOTES].cassette), skip_reason(report))
    return report


class _SessionWatch:
    """Marks the run interrupted on Ctrl-C or SIGTERM, so no partial cassette is written, and
    counts the checks that pytest-xdist workers report to this (controller) process."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.checks_seen = 0

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.when == "call" and any(key == "zd_check_id" for key, _ in report.user_properties):
            self.checks_seen += 1

    def pytest_keyboard_interrupt(self, excinfo: Any) -> None:
        run = self.config.stash.get(RUN, None)
        if run is not None:
            run.store.interrupted = True


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    watch = config.pluginmanager.get_plugin(_WATCH)
    if RUN not in config.stash and watch is not None and watch.checks_seen:
        terminalreporter.write_line(
            "zdconform: the checks ran under pytest-xdist (-n), each worker seeing only its share, "
            "so no matrix, results or evidence were written. Run the suites without -n (they "
            "replay in about a second) to get them.", yellow=True)
        return
    if RUN in config.stash and config.stash[RUN].results:
        run = config.stash[RUN]
        from .reporting.evidence import stale_warnings  # imported late: it brings jsonschema
        from .reporting.publish import findings

        info = run.info()
        terminalreporter.write_sep("=", "zdconform conformance matrix")
        terminalreporter.write_line(results.render(info, run.results, findings(info, run.results)))
        for line in stale_warnings(info):
            terminalreporter.write_line(line, yellow=True)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    run = session.config.stash.get(RUN, None)
    if run is None:
        return
    if run.target.is_live and (run.ledger.live or run.ledger.pending):
        from .conformance.recovery import recover_all_pending
        from .http.client import ZendeskClient

        with ZendeskClient(run.base_url) as client:
            run.ledger.revoke_all(client)
            unresolved = [o.line() for o in recover_all_pending(client, run.ledger) if not o.resolved]
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for line in unresolved:
            if reporter is not None:
                reporter.write_line(f"zdconform: {line}", yellow=True)
    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker saw only its share: no partial matrix or evidence
    from .reporting.publish import publish

    try:
        publish(run.info(), run.results)
    except ZdConformError as exc:  # the leak gate refused a report: nothing half-written
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"zdconform: {exc}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    config.stash.get(UNREDACT, lambda: None)()
    run = config.stash.get(RUN, None)
    if run is not None:
        run.close()
