"""zdconform's pytest plugin (entry point `pytest11`): options, markers, fixtures, and the session.

Checks are tests marked `zd_check(endpoint)`. At configure, a session that runs them
(`selection.runs_checks`) is planned whole (`runs.plan.Plan`: options, targets, profiles, fleet
file, emulator tenant file; any refusal is a usage error, before anything is written), its role
decided (the main process or a pytest-xdist worker), and its `session.Session` registered with
the xdist transport. A pytest session without checks imports no more than this module and the
options: the rest is imported only for a session that runs them.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..exceptions import ZdConformError
from ..settings.options import check_environment, check_spelling, declare_options, options_of
from .selection import runs_checks

if TYPE_CHECKING:
    from ..runs.state import RunState
    from .session import Session

SESSION = pytest.StashKey["Session"]()
_NAME = "zdconform-session"


def pytest_addoption(parser: pytest.Parser) -> None:
    declare_options(parser)


def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    check_spelling(parser, args)  # before pytest's own "unrecognized arguments", which suggests nothing


@pytest.hookimpl(tryfirst=True)  # before junitxml's: junit.xml is staged, then published beside the evidence
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "zd_check(endpoint): a conformance check of `endpoint`. See docs/checks.md")
    if runs_checks(config):
        _start(config, reports=True)


@pytest.hookimpl(trylast=True)  # after -k, -m and --lf have deselected theirs
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Checks outside the project's suites (a user's own, beside other tests) run, record and revoke
    as the suites' do, without reports: their session starts when they are collected."""
    if SESSION not in config.stash and any(item.get_closest_marker("zd_check") for item in items):
        _start(config, reports=False).pytest_collection_modifyitems(config, items)


def _start(config: pytest.Config, *, reports: bool) -> Session:
    """The session of this process: planned whole, its role decided once; registered with its transport."""
    from . import session as sessions  # the run's machinery: imported only for a session with checks

    handed = sessions.received(getattr(config, "workerinput", None))  # the role, decided here once
    try:
        options = dataclasses.replace(options_of(config),
                                      run_id=(handed or {}).get("run_id") or sessions.new_run_id())
        notices = check_environment(os.environ, strict=options.strict)  # a set-but-empty variable is refused
        plan = sessions.Plan.make(options, os.environ)
        problem = sessions.recording_conflict(plan.tenants[0].target, config.getoption("record_mode", None),
                                              config.getoption("disable_recording", False),
                                              loaded=config.pluginmanager.has_plugin("recording"))
        if problem:
            raise pytest.UsageError(problem)
        session = sessions.Session(config, plan, handed, notices, reports=reports)
    except (ZdConformError, pytest.UsageError) as exc:
        sessions.write_refusal(getattr(config.option, "xmlpath", None), str(exc))  # `--junitxml`'s, for CI
        raise pytest.UsageError(str(exc)) from None
    config.stash[SESSION] = session
    config.pluginmanager.register(session, _NAME)
    config.pluginmanager.register(session.transport, f"{_NAME}-xdist")
    return session


def _session(config: pytest.Config) -> Session:
    if SESSION not in config.stash:
        raise pytest.UsageError("zdconform's fixtures serve the conformance checks of a project's suites/ "
                                "folder: run pytest on suites/ (or `zdconform run`).")
    return config.stash[SESSION]


@pytest.fixture(scope="session")
def zd_tenant(request: pytest.FixtureRequest) -> str | None:
    """The fleet tenant these checks run for (`--zd-fleet`), or None for a single run."""
    return getattr(request, "param", None)


@pytest.fixture(scope="session")
def zd_run(pytestconfig: pytest.Config, zd_tenant: str | None) -> RunState:
    """The run's shared state: target, profile, credentials, cassette store, secrets."""
    return _session(pytestconfig).open(zd_tenant)


@pytest.fixture
def zd(request: pytest.FixtureRequest, zd_run: RunState, vcr_cassette_dir: str,
       default_cassette_name: str) -> Iterator[Any]:
    """The run as one check sees it: auth objects, client, expectations, minted tokens."""
    cassette = Path(vcr_cassette_dir) / f"{default_cassette_name}.yaml"
    yield from _session(request.config).check(request, zd_run, cassette)
