"""pytest plugin: options, markers, fixtures and hooks for the conformance suites.

Hooks and fixtures only; the logic lives in `settings`, `run`, `recording`, `conformance`
and `reporting`. Checks are tests marked `zd_check(endpoint)`; each gets a cassette under
`cassettes/<target>/...`, replayed with the network blocked by default. Each check's
pytest reports become one `CheckResult`; at the end, `reporting.publish` writes the reports.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .conformance.notes import CheckNotes
from .exceptions import ZdConformError
from .recording.offline import no_dns
from .reporting import results
from .reporting.results import CheckResult
from .run import RunState
from .settings import Options, resolve_options

RUN = pytest.StashKey[RunState]()
OPTIONS = pytest.StashKey[Options]()
NOTES = pytest.StashKey[CheckNotes]()
MATCH_ON = ("method", "zd_path", "query", "zd_body")
_WATCH = "zdconform-session-watch"
UNMATCHED = "CannotOverwriteExistingCassetteException"  # vcrpy: no recorded interaction matches
_RERECORD_HINT = (
    "The request above is not in the recording of {slug}: the check now sends something it did "
    "not send when recording. If that change is intended, record again (`zdconform run --target "
    "emulator` for the reference cassettes, or your tenant URL), review `git diff cassettes/`, "
    "and commit; otherwise fix the check.")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("zendesk", "Zendesk auth conformance")
    group.addoption("--zd-target", dest="zd_target", default=None, metavar="TARGET",
                    help="where checks run: replay (recorded cassettes, offline; default), emulator, or a tenant URL.")
    group.addoption("--zd-profile", dest="zd_profile", default=None, metavar="FILE",
                    help="tenant profile YAML stating which auth methods the tenant should allow.")
    group.addoption("--zd-replay-from", dest="zd_replay_from", default=None, metavar="NAME",
                    help="cassette folder to replay (default: reference-emulator).")
    group.addoption("--zd-cassette-root", dest="zd_cassette_root", default=None, metavar="DIR",
                    help="folder holding one cassette folder per target (default: cassettes).")
    group.addoption("--zd-max-pages", dest="zd_max_pages", default=None, type=int, metavar="N",
                    help="pages walked per pagination style (default: 3).")
    group.addoption("--zd-allow-unverified", dest="zd_allow_unverified", action="store_true", default=None,
                    help="replay cassettes even when they differ from their manifest.")
    group.addoption("--zd-emulator-tenant", dest="zd_emulator_tenant", default=None, metavar="FILE",
                    help="tenant YAML for the emulator target (default: the built-in tenant).")
    group.addoption("--zd-reports", dest="zd_reports", default=None, metavar="DIR",
                    help="folder for results.json and the evidence reports (default: reports).")
    group.addoption("--zd-max-age-days", dest="zd_max_age_days", default=None, type=int, metavar="DAYS",
                    help="flag replayed cassettes recorded more than DAYS days ago as stale (default: 90).")
    for name in ("zd_target", "zd_profile", "zd_replay_from", "zd_cassette_root", "zd_max_pages",
                 "zd_reports"):
        parser.addini(name, help=f"default for --{name.replace('_', '-')}", type="string", default=None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "zd_check(endpoint): a conformance check of `endpoint`. See README#checks")
    keys = ("target", "profile", "replay_from", "cassette_root", "max_pages", "reports",
            "allow_unverified", "emulator_tenant", "max_age_days")
    cli = {key: config.getoption(f"zd_{key}") for key in keys}
    ini = {key: config.getini(f"zd_{key}") for key in keys[:6]}
    config.pluginmanager.register(_SessionWatch(config), _WATCH)
    try:
        config.stash[OPTIONS] = resolve_options(cli, ini, os.environ, Path(str(config.rootpath)))
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
    return config.stash[RUN]


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
    if item.get_closest_marker("zd_check") and RUN in item.config.stash:
        run = item.config.stash[RUN]
        if call.excinfo is not None and call.excinfo.errisinstance(KeyboardInterrupt):
            run.store.interrupted = True  # keep the previous cassette, never a partial one
        if report.when == "call" or not report.passed:
            results.fold(run.results, _result(run, item, report))
        if call.excinfo is not None and type(call.excinfo.value).__name__ == UNMATCHED:
            report.sections.append(("zdconform", _RERECORD_HINT.format(slug=run.target.slug)))
        if report.skipped and run.target.is_live and NOTES in item.stash:
            run.store.mark_skipped(Path(item.stash[NOTES].cassette), _skip_reason(report))
    return report


def _result(run: RunState, item: pytest.Item, report: pytest.TestReport) -> CheckResult:
    """One phase's result of a check: pytest's outcome, judged with what the check noted."""
    notes = item.stash.get(NOTES, None) or CheckNotes(cassette="", target=run.target.slug)
    callspec = getattr(item, "callspec", None)
    return CheckResult(
        check=item.nodeid, check_id=check_id(item), endpoint=_endpoint(item),
        method=notes.method or (callspec.params.get("method", "-") if callspec else "-"),
        verdict=results.verdict(report.outcome, notes.expected),
        reason=run.scrubber.message(_reason(report)), phase=report.when, duration=round(report.duration, 4),
        expected=notes.expected, statuses=tuple(notes.statuses), cassette=notes.cassette or None,
        target=notes.target, details=dict(notes.details))


def _endpoint(item: pytest.Item) -> str:
    marker = item.get_closest_marker("zd_check")
    return str(marker.args[0]) if marker and marker.args else "other"


def check_id(item: pytest.Item) -> str:
    """A stable, readable id: `endpoint[param-id]`, e.g. `create_token[api-token]`."""
    marker = item.get_closest_marker("zd_check")
    endpoint = marker.args[0] if marker and marker.args else item.name
    callspec = getattr(item, "callspec", None)
    return f"{endpoint}[{callspec.id}]" if callspec else str(endpoint)


def _skip_reason(report: pytest.TestReport) -> str:
    if isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    return "skipped"


def _reason(report: pytest.TestReport) -> str:
    if report.skipped:
        return _skip_reason(report)
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        text = crash.message if crash is not None else str(report.longrepr)
        return text.splitlines()[0][:300] if text else "failed"
    return ""


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
        from .conformance.cleanup import recover_all_pending
        from .http.client import ZendeskClient

        with ZendeskClient(run.base_url) as client:
            run.ledger.revoke_all(client)
            recover_all_pending(client, run.ledger)
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
    run = config.stash.get(RUN, None)
    if run is not None:
        run.close()
