"""Every token the suite creates is revoked: on failure, on error, on Ctrl-C, on SIGTERM,
after a lost Create Token answer, and (for a killed run) by `zdconform cleanup`.

Each test runs real suites in a fresh interpreter against a real emulator over loopback,
targeted as a tenant URL with the emulator's fake admin credentials, and then counts the
tokens the emulator still holds: zero of those the run created may be left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _fleet import fleet_env, tokens_of, write_fleet

from zdconform.cli import main as zdconform
from zdconform.emulator import DEFAULT_CREDENTIALS, FleetEmulator, ZendeskEmulator, default_tenant, tenant_to_dict

from _helpers import ADHOC_CONFTEST, ROOT, SUITES, child_env, made_once, run_suites

ADMIN = DEFAULT_CREDENTIALS["admin"]
ENV = {"ZENDESK_EMAIL": ADMIN["email"], "ZENDESK_API_TOKEN": ADMIN["api_token"],
       "ZENDESK_OAUTH_TOKEN": ADMIN["oauth_token"]}

pytestmark = pytest.mark.e2e  # every test here starts a conformance run in a fresh interpreter

# Each users page 0.4 s late: a signal sent once a token is minted finds its check still running.
SLOW_USERS = [{"kind": "latency", "latency_ms": 400, "paths": ["/api/v2/users"]}]
# And each revocation answered 3 s late (the emulator logs it, and revokes, when it arrives).
SLOW_REVOCATIONS = [*SLOW_USERS, {"kind": "latency", "latency_ms": 3000, "methods": ["DELETE"],
                                  "paths": ["/api/v2/oauth/tokens/*"]}]


def tenant(**settings):
    data = tenant_to_dict(default_tenant())
    data["settings"].update(settings)
    return data


def left_behind(emulator: ZendeskEmulator) -> list[int]:
    created = {t["id"] for t in emulator.tokens_created()}
    return sorted(created & {t["id"] for t in emulator.live_tokens()})


def args(emulator, tmp_path: Path, *extra: str) -> list[str]:
    return [f"--zd-target={emulator.url}", f"--zd-cassette-root={tmp_path / 'cassettes'}",
            f"--zd-reports={tmp_path / 'reports'}", *extra]


ADHOC_TESTS = '''
import pytest

@pytest.mark.zd_check("create_token")
def test_fails_after_minting(zd):
    zd.mint_token(zd.auth("api_token"), method="api_token")
    assert False, "deliberate failure after minting"

@pytest.mark.zd_check("create_token")
def test_errors_after_minting(zd):
    zd.mint_token(zd.auth("oauth_token"), method="oauth_token")
    raise RuntimeError("deliberate error after minting")
'''


def test_failed_and_erroring_checks_still_revoke_their_tokens(tmp_path):
    (tmp_path / "conftest.py").write_text(ADHOC_CONFTEST)
    (tmp_path / "test_adhoc.py").write_text(ADHOC_TESTS)
    with ZendeskEmulator(tenant=tenant()) as emulator:
        proc = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path), "-p", "no:cacheprovider",
                               *args(emulator, tmp_path)], env={**_clean_env(), **ENV}, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert "2 failed" in proc.stdout, proc.stdout + proc.stderr
        assert len(emulator.tokens_created()) == 2
        assert left_behind(emulator) == []


@pytest.mark.parametrize("signum", [pytest.param(signal.SIGINT, id="ctrl-c"),
                                    pytest.param(signal.SIGTERM, id="sigterm")])
def test_interrupted_run_revokes_everything_and_writes_no_partial_cassette(tmp_path, signum):
    with ZendeskEmulator(tenant=tenant(faults=SLOW_USERS)) as emulator:
        proc = _start(emulator, tmp_path, "-k", "users_with_minted")
        _wait_for(lambda: emulator.tokens_created(), proc)
        proc.send_signal(signum)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 2, out  # pytest's "interrupted"
        assert left_behind(emulator) == [], out
    folder = tmp_path / "cassettes" / f"127.0.0.1_{emulator.port}"
    written = sorted(p.name for p in folder.rglob("*.yaml")) if folder.exists() else []
    assert not any("users_with_minted" in name for name in written), written


SPINNING_CHECK = '''
import itertools, os, signal, threading

import pytest

def spin():  # on Python 3.11 the jump back of this loop has no line number
    n = 0
    for x in itertools.repeat(0):
        if x == 1:
            n += 1
        elif x == 2:
            n -= 1
    return n

@pytest.mark.zd_check("create_token")
def test_spins_after_minting(zd):
    zd.mint_token(zd.auth("api_token"), method="api_token")
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGNUM)).start()
    spin()
'''


@pytest.mark.parametrize("signum", [pytest.param(signal.SIGINT, id="ctrl-c"),
                                    pytest.param(signal.SIGTERM, id="sigterm")])
def test_an_interrupt_where_python_knows_no_line_still_ends_as_interrupted(tmp_path, signum):
    """pytest 9.2 on Python 3.11 failed to report such an interrupt (a TypeError of its own, exit 1)."""
    (tmp_path / "conftest.py").write_text(ADHOC_CONFTEST)
    (tmp_path / "test_adhoc.py").write_text(SPINNING_CHECK.replace("SIGNUM", signum.name))
    with ZendeskEmulator(tenant=tenant()) as emulator:
        proc = subprocess.run([sys.executable, "-m", "pytest", str(tmp_path), "-p", "no:cacheprovider",
                               *args(emulator, tmp_path)], env={**_clean_env(), **ENV}, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 2, out  # pytest's "interrupted", not 1
        assert "TypeError" not in out and "INTERNALERROR" not in out, out
        if signum == signal.SIGINT:  # reported where it came: the loop, given the line it jumps back to
            loop = SPINNING_CHECK.splitlines().index("    for x in itertools.repeat(0):") + 1
            assert f"test_adhoc.py:{loop}: KeyboardInterrupt" in out, out
        assert len(emulator.tokens_created()) == 1
        assert left_behind(emulator) == [], out
    assert not list((tmp_path / "cassettes").rglob("*spins_after_minting*")), "a partial cassette was written"


SPINNING_CONTROLLER = '''
import itertools, os, signal, threading

def pytest_xdist_node_collection_finished(node, ids):  # on the controller, as its workers report
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    n = 0
    for x in itertools.repeat(0):  # Python 3.11 gives this loop's jump back no line number
        if x == 1:
            n += 1
        elif x == 2:
            n -= 1
'''


def test_an_interrupt_of_an_xdist_controller_where_python_knows_no_line_ends_as_interrupted(tmp_path):
    """The controller of `-n 2` collects no check itself: it still mends the interrupt's traceback."""
    (tmp_path / "spinning_controller.py").write_text(SPINNING_CONTROLLER)
    proc = subprocess.run([sys.executable, "-m", "pytest", str(SUITES), "-p", "no:cacheprovider", "-n", "2",
                           "-p", "spinning_controller", f"--zd-reports={tmp_path / 'reports'}"],
                          env={**_clean_env(), "PYTHONPATH": str(tmp_path)}, cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out  # pytest's "interrupted", not 1
    assert "TypeError" not in out and "INTERNALERROR" not in out, out
    loop = next(n for n, line in enumerate(SPINNING_CONTROLLER.splitlines(), 1) if "for x in" in line)
    assert f"spinning_controller.py:{loop}: KeyboardInterrupt" in out, out  # the loop's line


# The minting checks on one worker of two (they share a file): two workers minting with the same
# client and scopes in the same second, both interrupted before reading their answers, leave two
# candidates for each recovery, which then revokes neither (by design; the journal keeps them).
ONE_MINTING_WORKER = ("--dist", "loadfile")


@pytest.mark.parametrize("whom", ["process-group", "controller-only"])
def test_sigterm_to_a_live_xdist_run_revokes_everything(tmp_path, whom):
    """A CI runner or `kill` sends SIGTERM to the whole group, or to pytest alone: the controller took
    the default action (killed at once, -15) and its workers left the tokens of the checks they ran."""
    with ZendeskEmulator(tenant=tenant(faults=SLOW_USERS)) as emulator:
        proc = _start(emulator, tmp_path, "-n", "2", "-k", "users_with_minted", *ONE_MINTING_WORKER, group=True)
        _wait_for(lambda: emulator.tokens_created(), proc)
        if whom == "process-group":
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=90)
        assert proc.returncode == 2, out  # pytest's "interrupted"
        assert left_behind(emulator) == [], out


def test_sigterm_to_a_fleet_on_two_workers_revokes_every_tenants_tokens(tmp_path):
    tenants = [tenant(faults=SLOW_USERS) | {"subdomain": name} for name in ("alpha", "beta")]
    with FleetEmulator(tenants) as emulator:
        fleet_file = write_fleet(tmp_path / "fleet", emulator)
        proc = subprocess.Popen([sys.executable, "-m", "zdconform", "run", "--fleet",
                                 str(fleet_file), "--reports", str(tmp_path / "reports"),
                                 f"--zd-cassette-root={tmp_path / 'cassettes'}", "-p", "no:cacheprovider", "-n", "2",
                                 "-k", "users_with_minted"], env={**_clean_env(), **fleet_env()}, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)

        def created() -> set[int]:
            return {token.id for name in emulator.names for token in tokens_of(emulator, name)[0]}
        _wait_for(lambda: len(created()) >= 2, proc, timeout=60)
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 2, out  # interrupted, even though no tenant has evidence to merge

        def live() -> set[int]:
            return created() & {t["id"] for n in emulator.names for t in emulator.live_tokens_of(n)}
        if not live():
            return
        # A known defect, about 1 run in 5 under load (the e2e lane's two workers), never alone: a worker's
        # end-of-run revocation is cut short, likely by execnet's own SIGINT to a worker still running 5 s after
        # the controller shut it down (a second signal stops at once). The journal must still hold what was left:
        # `zdconform cleanup`, as the CI templates run it after a cancelled job, revokes it all.
        saved = dict(os.environ)
        os.environ.update(fleet_env())
        try:
            assert zdconform(["cleanup", f"--fleet={fleet_file}", f"--journal={ROOT / '.zdconform'}"]) == 0
        finally:
            os.environ.clear()
            os.environ.update(saved)
        assert live() == set(), "what the interrupted fleet left, the journal let cleanup revoke"
        pytest.xfail("a worker's end-of-run revocation was cut short (known, undiagnosed); cleanup revoked it")


@pytest.mark.parametrize("second", [pytest.param(signal.SIGINT, id="ctrl-c-twice"),
                                    pytest.param(signal.SIGTERM, id="ctrl-c-then-sigterm")])
def test_a_second_signal_while_the_tokens_are_revoked_waits_for_the_revocation(tmp_path, second):
    """A second Ctrl-C (or a SIGTERM) at the run's end cut the revocation short: the process died of
    the uncaught interrupt (exit -2, a traceback), and a token whose DELETE was not yet sent would
    have stayed (journalled). Now it waits for the revocation, says so, and ends interrupted."""
    with ZendeskEmulator(tenant=tenant(faults=SLOW_REVOCATIONS)) as emulator:
        proc = _start(emulator, tmp_path, "-k", "users_with_minted", env={"PYTHONUNBUFFERED": "1"})  # lines as written
        _wait_for(lambda: emulator.tokens_created(), proc)
        proc.send_signal(signal.SIGINT)
        seen = []
        for line in proc.stdout:  # until the run's end starts revoking (each revocation takes 3 s)
            seen.append(line)
            if "zdconform: cleanup: revoking" in line:
                break
        proc.send_signal(second)
        out = "".join(seen) + proc.communicate(timeout=60)[0]
        assert proc.returncode == 2, out
        assert f"zdconform: {second.name} while the run's tokens are revoked: revoking them first" in out, out
        assert "Traceback" not in out, out
        assert emulator.tokens_created() and left_behind(emulator) == [], out


def test_ctrl_c_twice_to_a_live_xdist_run_ends_interrupted_with_everything_revoked(tmp_path):
    """Both Ctrl-Cs reach the whole process group: the second came while the controller waited for its
    workers to revoke and report, and killed it (exit -2, a traceback from pytest-xdist's teardown)."""
    with ZendeskEmulator(tenant=tenant(faults=SLOW_REVOCATIONS)) as emulator:
        proc = _start(emulator, tmp_path, "-n", "2", "-k", "users_with_minted", *ONE_MINTING_WORKER, group=True)
        _wait_for(lambda: emulator.tokens_created(), proc)
        os.killpg(proc.pid, signal.SIGINT)
        # the emulator logs a revocation when it arrives, and answers it 3 s later
        _wait_for(lambda: any(method == "DELETE" for method, _, _ in emulator.request_log), proc)
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=90)
        assert proc.returncode == 2, out
        assert "Traceback" not in out and "revoking them first" in out, out
        assert left_behind(emulator) == [], out


def test_an_interrupt_between_minting_and_reading_the_answer_still_revokes(tmp_path):
    """The tenant has minted the token but its answer is still on the way when Ctrl-C comes."""
    slow_answer = [{"kind": "latency", "latency_ms": 3000, "methods": ["POST"],
                    "paths": ["/api/v2/oauth/tokens"]}]
    with ZendeskEmulator(tenant=tenant(faults=slow_answer)) as emulator:
        proc = _start(emulator, tmp_path, "-k", "test_create_token")
        _wait_for(lambda: emulator.tokens_created(), proc)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 2, out
        assert len(emulator.tokens_created()) == 1
        assert left_behind(emulator) == [], out


def test_a_lost_create_token_answer_is_recovered_and_retried(tmp_path):
    reset = [{"kind": "reset", "count": 1, "methods": ["POST"], "paths": ["/api/v2/oauth/tokens"]}]
    with ZendeskEmulator(tenant=tenant(faults=reset)) as emulator:
        result = run_suites(*args(emulator, tmp_path, "-k", "test_create_token"), env=ENV)
        assert result.returncode == 0, result.output
        assert len(emulator.tokens_created()) == 3, "the lost answer's token plus one per method"
        assert left_behind(emulator) == []
    records = json.loads((tmp_path / "reports" / "results.json").read_text())["results"]
    assert sum(len(r["details"].get("recovered_tokens", [])) for r in records) == 1


def test_cleanup_finds_and_revokes_what_a_killed_run_left(tmp_path, capsys):
    with ZendeskEmulator(tenant=tenant(faults=SLOW_USERS)) as emulator:
        proc = _start(emulator, tmp_path, "-k", "users_with_minted")
        _wait_for(lambda: emulator.tokens_created(), proc)
        proc.kill()  # SIGKILL: no cleanup can run
        proc.communicate(timeout=30)
        leftover = left_behind(emulator)
        assert leftover, "a killed run leaves its token behind"
        journal = ROOT / ".zdconform"  # the project's, whatever the cassette root (the run's rootdir is ROOT)
        os.environ.update(ENV)
        try:
            assert zdconform(["cleanup", f"--target={emulator.url}", f"--journal={journal}", "--dry-run"]) == 0
            dry = capsys.readouterr().out
            assert all(f"would revoke token {tid}" in dry for tid in leftover), dry
            assert left_behind(emulator) == leftover, "a dry run revokes nothing"
            assert zdconform(["cleanup", f"--target={emulator.url}", f"--journal={journal}"]) == 0
        finally:
            for name in ENV:
                os.environ.pop(name, None)
        assert left_behind(emulator) == []
        assert not (journal / f"tokens-127.0.0.1_{emulator.port}.json").exists(), "nothing left: no journal"
        for torn in journal.glob(f".tokens-127.0.0.1_{emulator.port}.json.*.tmp"):
            torn.unlink()  # SIGKILL can cut an atomic write short: the journal itself stays whole


# Before the first check: the preflight's 3 requests (anonymous, then each admin credential), then
# the look-up of the tokens that already exist (never the run's to revoke); faults start after them.
FAULTS = [
    pytest.param([{"kind": "rate_limit", "start": 6, "count": 3, "retry_after": 1}], id="429-burst"),
    pytest.param([{"kind": "unavailable", "start": 8, "count": 2, "retry_after": 1}], id="503s"),
    pytest.param([{"kind": "reset", "start": 4, "count": 3, "methods": ["GET"]}], id="resets"),
    pytest.param([{"kind": "latency", "latency_ms": 50}], id="latency"),
]


def verdicts(reports: Path) -> dict[str, str]:
    records = json.loads((reports / "results.json").read_text())["results"]
    return {r["check_id"]: r["verdict"] for r in records}


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> Path:
    """A run against the tenant with no fault injected, on a 200-requests-a-minute plan (once per run).

    Its folder holds reports/ and statuses.json, every status the emulator answered.
    """
    def run(tmp_path):
        with ZendeskEmulator(tenant=tenant(rate_limit_per_minute=200)) as emulator:
            result = run_suites(*args(emulator, tmp_path), env=ENV)
            statuses = [status for _, _, status in emulator.request_log]
        assert result.returncode == 0, result.output
        (tmp_path / "statuses.json").write_text(json.dumps(statuses))

    return made_once(tmp_path_factory, "clean-run", run)


@pytest.fixture(scope="module")
def clean_verdicts(clean_run):
    """The verdicts of the run with no fault injected."""
    return verdicts(clean_run / "reports")


@pytest.mark.parametrize("faults", FAULTS)
def test_faults_leave_the_verdicts_unchanged(tmp_path, faults, clean_verdicts):
    with ZendeskEmulator(tenant=tenant(faults=faults)) as emulator:
        started = time.monotonic()
        result = run_suites(*args(emulator, tmp_path), env=ENV)
        elapsed = time.monotonic() - started
        assert result.returncode == 0, result.output
        assert left_behind(emulator) == []
        statuses = [status for _, _, status in emulator.request_log]
        port = emulator.port
    assert verdicts(tmp_path / "reports") == clean_verdicts
    assert elapsed < 120, f"the run took {elapsed:.0f}s"
    if faults[0]["kind"] in ("rate_limit", "unavailable"):
        assert {429, 503} & set(statuses), "the fault must actually have fired"
        # The recorded refusals replay offline, with the retries, and without waiting.
        replayed = run_suites("--zd-target=replay", f"--zd-replay-from=127.0.0.1_{port}",
                              f"--zd-cassette-root={tmp_path / 'cassettes'}",
                              f"--zd-reports={tmp_path / 'replayed'}", env=ENV)
        assert replayed.returncode == 0, replayed.output
        assert verdicts(tmp_path / "replayed") == clean_verdicts
        recorded = "".join(p.read_text() for p in (tmp_path / "cassettes").rglob("*.yaml"))
        assert "code: 429" in recorded or "code: 503" in recorded


def test_a_200_per_minute_plan_is_never_tripped(clean_run):
    """The clean run is on that plan: it passed (clean_run asserts it) and met no 429."""
    statuses = json.loads((clean_run / "statuses.json").read_text())
    assert 429 not in statuses and len(statuses) > 20


def _clean_env() -> dict[str, str]:
    return child_env()


def _start(emulator, tmp_path, *extra, env=None, group=False):
    """A live run of the suites; with `group`, in a process group of its own (signalled as one)."""
    return subprocess.Popen([sys.executable, "-m", "pytest", str(SUITES), "-p", "no:cacheprovider", "-q",
                             *args(emulator, tmp_path, *extra)], env={**_clean_env(), **ENV, **(env or {})}, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=group)


def _wait_for(condition, proc, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"condition never met; run output:\n{proc.communicate()[0]}")
        time.sleep(0.02)
