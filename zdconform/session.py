"""The pytest session of a conformance run: its reports folder, what it selected, its workers merged.

- `runs_checks`: a session runs the checks when an argument (or testpath) is at, in or above
  `<rootdir>/suites`; only such a session touches the reports folder.
- `prepare_reports`: junit.xml is staged (unless `--junitxml` says otherwise) and published with
  evidence.json, evidence.html and results.json, so the four always describe the same run; nothing
  in the reports folder changes before the run publishes (a refused run changes nothing).
- `start`: what a session against a live target does first: progress lines for waits, SIGTERM
  taken as Ctrl-C, and for a tenant the preflight (`http.preflight`), which ends the session with
  its own exit code.
- `SessionWatch`: counts the checks selected and deselected, and on a pytest-xdist controller
  merges the workers' results (each worker's `workeroutput`), so `-n 4` reports as a serial run.
  While checks run, what collection built is frozen (`gc.freeze`), vcrpy's missing libraries absent;
  on Ctrl-C, no partial cassette is written and the traceback is mended (`interrupts`).
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from .exceptions import PreflightError, UsageError, ZdConformError
from .settings.targets import parse_target

if TYPE_CHECKING:  # imported where used: a pytest run without conformance checks stays light
    from .reporting.results import CheckResult
    from .run import RunState
    from .settings import Options, Target

__all__ = ["OPTIONS", "REPORT_FILES", "RUN", "WATCH", "ProgressLines", "SessionWatch", "arg_paths", "describe",
           "drop_junit", "junit_paths", "name_junit", "prepare_reports", "publish_junit", "reject_early", "replay_line",
           "require_recording", "runs_checks", "start", "write_line"]

RUN = pytest.StashKey["RunState"]()  # the run of this process (a serial run, or one xdist worker)
WATCH = pytest.StashKey["SessionWatch"]()
JUNIT = pytest.StashKey[tuple[Path, Path]]()  # junit.xml: where pytest writes it, where it is published
OPTIONS = pytest.StashKey["Options"]()  # the run's options, resolved once at configure
REPORT_FILES = ("junit.xml", "evidence.json", "evidence.html", "results.json")
WORKER_KEY = "zdconform"
RUN_ID_KEY = "zdconform_run_id"  # the controller's run id, in each worker's workerinput


def runs_checks(config: pytest.Config) -> bool:
    """True when this session runs the conformance suites (and so writes their reports)."""
    suites = (config.rootpath / "suites").resolve()
    if config.option.help or config.option.version or config.option.collectonly or not suites.is_dir():
        return False
    return any(path == suites or suites in path.parents or path in suites.parents for path in arg_paths(config))


def arg_paths(config: pytest.Config) -> list[Path]:
    """The paths of the session's arguments, resolved from where pytest was started."""
    base = config.invocation_params.dir
    return [(base / str(arg).split("::")[0]).resolve() for arg in config.args]


def write_line(config: pytest.Config, text: str, **markup: bool) -> None:
    """One line on the terminal now, even while pytest captures a check's output."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            reporter.write_line(text, **markup)


class ProgressLines(logging.Handler):
    """zdconform's own log lines (retry and pacing waits) as one terminal line each, as they happen."""

    def __init__(self, config: pytest.Config) -> None:
        super().__init__(logging.INFO)
        self.config = config

    def emit(self, record: logging.LogRecord) -> None:
        write_line(self.config, f"zdconform: {record.getMessage()}", yellow=True)


def reject_early(options: Options, target: Target) -> None:
    """A bad profile, a reports folder that cannot be written or a replay where a live run is required
    rejects the run before anything is touched."""
    from .recording.files import check_writable_folder
    from .settings.profiles import load_profile

    if options.require_live and not target.is_live:
        raise UsageError(
            f"This run must be live (`--zd-require-live` or ZDCONFORM_REQUIRE_LIVE), but its target is a replay "
            f"of {target.slug!r}: no `--zd-target` was given and ZENDESK_TARGET is unset (or misspelt, or holds "
            "`replay`). Give the tenant's URL: `--zd-target \"$ZENDESK_TARGET\"` in CI, with the variable set "
            "from the job's secrets. Nothing was run.")
    check_writable_folder(options.reports, "reports folder", "Give `--zd-reports` a folder you can write to.")
    if options.profile:
        load_profile(options.profile)


def prepare_reports(config: pytest.Config, reports: Path) -> None:
    """junit.xml goes beside the evidence (unless `--junitxml` names another file, or `-p no:junitxml`
    turned pytest's junitxml off). pytest writes it into a staging folder of its own; it reaches the
    reports folder only with the run's other reports (`publish`), so a refused run leaves every report
    of the run before it as it was."""
    if hasattr(config.option, "xmlpath") and not config.option.xmlpath:
        staged = Path(tempfile.mkdtemp(prefix="zdconform-junit-"))
        config.add_cleanup(lambda: shutil.rmtree(staged, ignore_errors=True))
        config.option.xmlpath = str(staged / "junit.xml")
        config.stash[JUNIT] = (staged / "junit.xml", reports / "junit.xml")


def junit_paths(config: pytest.Config) -> tuple[Path | None, Path | None]:
    """Where pytest writes this run's junit.xml, and where it goes with the run's reports (the same file
    for `--junitxml`); (None, None) when pytest writes none (`-p no:junitxml`)."""
    if JUNIT in config.stash:
        return config.stash[JUNIT]
    given = getattr(config.option, "xmlpath", None)
    return (Path(given), Path(given)) if given else (None, None)


def publish_junit(config: pytest.Config) -> None:
    """pytest's junit.xml of the session, from where it was staged into the reports folder."""
    from .recording.files import atomic_write

    staged, final = junit_paths(config)
    if staged is not None and final is not None and staged != final and staged.is_file():
        atomic_write(final, staged.read_text(encoding="utf-8"))
        name_junit(config, final)


def name_junit(config: pytest.Config, path: Path) -> None:
    """pytest's closing line ("generated xml file: ...") names the junit.xml the reports folder holds."""
    from _pytest.junitxml import xml_key

    xml = config.stash.get(xml_key, None)
    if xml is not None:
        xml.logfile = str(path)


def drop_junit(config: pytest.Config) -> None:
    """No junit.xml for a run that never started (its preflight failed)."""
    from _pytest.junitxml import xml_key

    xml = config.stash.get(xml_key, None)
    if xml is not None:
        del config.stash[xml_key]  # so that junitxml's own unconfigure has nothing left to unregister
        config.pluginmanager.unregister(xml)


def start(config: pytest.Config, options: Options, watch: SessionWatch) -> None:
    """Progress lines for a live run, SIGTERM taken as Ctrl-C (a pytest-xdist controller too, whose
    workers then stop and revoke as on Ctrl-C); the preflight of a tenant (a failure ends the session)."""
    target = parse_target(options.target, replay_from=options.replay_from)
    if not target.is_live:
        write_line(config, replay_line(target.slug, _recorded(options.cassette_root / target.slug)), yellow=True)
        from .settings.credentials import CREDENTIAL_VARIABLES
        live = sorted(name for name in CREDENTIAL_VARIABLES if os.environ.get(name))
        if live:
            write_line(config, f"zdconform: warning: {', '.join(live)} {'is' if len(live) == 1 else 'are'} set, but "
                       "this run replays and sends nothing: to check a tenant, set ZENDESK_TARGET (or "
                       "`--zd-target`) to its URL.", yellow=True)
        return
    from .interrupts import take_sigterm_as_interrupt
    take_sigterm_as_interrupt(config)
    watch.live = True
    logging.getLogger("zdconform").setLevel(logging.INFO)
    logging.getLogger("zdconform").addHandler(ProgressLines(config))
    if config.getoption("disable_recording", False):
        write_line(config, f"zdconform: --disable-recording: the checks run live against {target.slug} and "
                   "record nothing: cassettes/ stays as it is, and the evidence links no cassette.")
    if target.kind != "tenant" or target.base_url is None:
        return
    from .http.preflight import preflight
    from .settings import Credentials, default_profile, load_profile

    profile = load_profile(options.profile) if options.profile else default_profile()
    try:
        lines = preflight(target.base_url, profile, Credentials.from_env("admin"))
    except PreflightError as exc:
        watch.preflight_failed = True
        drop_junit(config)
        pytest.exit(f"zdconform: preflight failed (exit {exc.exit_code}): {exc}", returncode=exc.exit_code)
    for line in lines:
        write_line(config, f"zdconform: {line}")


def replay_line(slug: str, manifest: Any) -> str:
    """What a replay says first and last: what it replays, when that was recorded (its manifest's latest
    cassette), that it is offline."""
    try:
        recorded = max(str(e.get("recorded_at", "")) for e in manifest["cassettes"].values())[:10]
    except (ValueError, KeyError, TypeError, AttributeError):
        recorded = ""
    return (f"zdconform: REPLAY of {slug}, recorded {recorded or 'at an unknown date'}, offline: no tenant "
            "was contacted")


def _recorded(folder: Path) -> Any:
    """The manifest of a replay's folder before the run opens it (a broken one is refused then, in full)."""
    try:
        return json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def describe(run: RunState | None, options: Options) -> RunState | str:
    """The run to report: this process's, or one that only describes it (an xdist controller)."""
    from .run import RunState

    try:
        return run if run is not None else RunState.open(options, start=False)
    except ZdConformError as exc:
        return f"zdconform: no reports written: {exc}"


class SessionWatch:
    """The session as the evidence reports it: checks selected, deselected and (xdist) merged."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.selected = 0
        self.deselected = 0
        self.workers = 0
        self.order: list[str] = []
        self.merged: list[CheckResult] = []
        self.preflight_failed = False
        self.live = False  # a live run's session (serial, or an xdist controller): its end waits out signals
        self.undo: Callable[[], None] | None = None  # while checks run: what `_thaw` calls
        config.add_cleanup(self._thaw)  # added first, so done last: after pytest's own last collections

    def pytest_deselected(self, items: Sequence[pytest.Item]) -> None:
        self.deselected += sum(1 for item in items if item.get_closest_marker("zd_check"))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.selected = sum(1 for item in session.items if item.get_closest_marker("zd_check"))
        if self.selected:
            from .recording.replay import mark_absent_libraries
            self.undo = mark_absent_libraries()  # vcrpy looks for them at each connection
            gc.freeze()  # modules, items, fixtures: they live to the end, so the collector's passes skip them

    def _thaw(self) -> None:
        if self.undo is not None:  # a process that runs pytest again (an IDE, pytester) starts afresh
            gc.unfreeze()
            self.undo()

    @pytest.hookimpl(wrapper=True, tryfirst=True)  # around every other: pytest-xdist's waiting for its workers
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        """A live run's end (its workers', or its own, revocation and reports) is not cut short by another
        Ctrl-C or SIGTERM: one waits (a line says so), the next stops at once (`interrupts.signals_wait`)."""
        if not self.live:
            return (yield)
        from .interrupts import signals_wait

        with signals_wait(session, lambda line: write_line(self.config, line, yellow=True)):
            return (yield)

    @pytest.hookimpl(tryfirst=True)  # before the terminal reporter renders the interrupt's traceback
    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        run = self.config.stash.get(RUN, None)
        if run is not None:
            run.store.interrupted = True  # no partial cassette is written
        if self.selected or runs_checks(self.config):  # (an xdist controller collects nothing itself)
            from .interrupts import mend_traceback
            mend_traceback(excinfo.value)

    # -- pytest-xdist: the controller merges what each worker ran ---------------------------
    @pytest.hookimpl(optionalhook=True)  # pytest-xdist's: the workers of a run stage into one folder
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[RUN_ID_KEY] = self.config.stash[OPTIONS].run_id

    def output(self, checked: Sequence[CheckResult]) -> str:
        """What a worker hands the controller (its `workeroutput`): the results it checked."""
        results = [r.as_json() for r in checked]
        return json.dumps({"results": results, "selected": self.selected, "deselected": self.deselected})

    @pytest.hookimpl(optionalhook=True)  # pytest-xdist's hooks: `-p no:xdist` leaves them undeclared
    def pytest_xdist_node_collection_finished(self, node: Any, ids: Sequence[str]) -> None:
        if not self.order:
            self.order = list(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        text = getattr(node, "workeroutput", {}).get(WORKER_KEY)
        if not text:
            return
        from .reporting.results import CheckResult

        data = json.loads(text)
        self.workers += 1
        self.selected = max(self.selected, int(data["selected"]))  # every worker collects the whole session
        self.deselected = max(self.deselected, int(data["deselected"]))
        self.merged += [CheckResult.from_json(r) for r in data["results"]]

    def merged_results(self) -> list[CheckResult]:
        """The workers' results in collection order, as a serial run lists them."""
        rank = {nodeid: index for index, nodeid in enumerate(self.order)}
        return sorted(self.merged, key=lambda r: rank.get(r.check, len(rank)))


def require_recording(run: RunState, cassette: Path) -> None:
    """Skip a replayed check whose recording was a skip; fail one that was never recorded."""
    reason = run.store.skipped_reason(cassette)
    if reason is not None:
        pytest.skip(f"{reason} (skipped when {run.target.slug} was recorded)")
    if not run.store.is_recorded(cassette) and not cassette.exists():
        pytest.fail(f"zdconform: no recording of this check in {run.store.folder}: record it with "
                    "`zdconform run --target emulator` (or your tenant URL), then commit the cassettes.",
                    pytrace=False)
