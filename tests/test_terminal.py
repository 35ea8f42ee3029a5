"""What a conformance run says on the terminal, seen from a real run (a fresh interpreter, as a user runs
it) against the reference emulator serving a tenant that refuses API tokens, as a tenant URL:
failures as one paragraph each, the matrix fitted to the width and coloured as asked, one message per
cause, the verdict on the last line, and the lines of pytest-xdist's workers shown."""

from __future__ import annotations

import re

import pytest

from zdconform.emulator import ZendeskEmulator, default_tenant, tenant_to_dict

from _helpers import emulator_env, run_suites

pytestmark = pytest.mark.e2e  # every test here starts a conformance run in a fresh interpreter
SOME = ("-k", "list_clients or create_token")  # a few checks, two of which fail
ESCAPE = "\x1b["


@pytest.fixture(scope="module")
def tenant_url():
    tenant = tenant_to_dict(default_tenant())
    tenant["settings"]["api_token_access"] = False
    with ZendeskEmulator(tenant=tenant) as emulator:
        yield emulator.url


def run(tmp_path, url, *args, env=None):
    return run_suites(f"--zd-target={url}", f"--zd-cassette-root={tmp_path / 'cassettes'}",
                      f"--zd-reports={tmp_path / 'reports'}", *args,
                      env={"COLUMNS": "80", **emulator_env(agent_password=False), **(env or {})})


def matrix_section(output: str) -> list[str]:
    start = output.index("zdconform conformance matrix")
    return output[start:output.index("short test summary info", start)].splitlines()[1:-1]


def last_line(output: str) -> str:
    return [line for line in output.splitlines() if line.strip()][-1]


def test_a_failure_is_one_paragraph_and_the_last_line_is_the_verdict(tmp_path, tenant_url):
    result = run(tmp_path, tenant_url, *SOME)
    out = result.output
    assert result.returncode == 1, out
    assert "Traceback" not in out and "checks.py" not in out and "site-packages" not in out
    after = out.split("_ test_list_clients[api-token] _", 1)[1].split("\n", 1)[1]  # below its header
    failure = re.split(r"\n[_=]", after, maxsplit=1)[0].strip()
    failure = failure.splitlines()
    assert len(failure) == 1 and failure[0].startswith("suites/test_list_clients.py:"), failure
    assert "expected 200, got 401" in failure[0] and "ConformanceFailure" not in failure[0]
    assert re.fullmatch(r"zdconform: 127\.0\.0\.1_\d+ DOES NOT CONFORM: 2 of \d+ checks failed \(exit 1\)",
                        last_line(out)), last_line(out)
    lines = matrix_section(out)
    assert max(map(len, lines)) <= 80, max(lines, key=len)
    assert not any(line.startswith("- ") for line in lines), "no stray row"
    assert ESCAPE not in out, "no colour on a pipe unless asked"


def test_the_traceback_is_there_with_tb_long(tmp_path, tenant_url):
    out = run(tmp_path, tenant_url, *SOME, "--tb=long").output
    assert "def check_allowed(" in out and "raise ConformanceFailure(" in out


@pytest.mark.parametrize(("args", "env", "coloured"), [
    pytest.param(("--color=yes",), {}, True, id="color-yes"),
    pytest.param((), {"FORCE_COLOR": "1"}, True, id="force-color"),
    pytest.param((), {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, id="no-color-wins"),
])
def test_the_matrix_is_coloured_as_asked(tmp_path, tenant_url, args, env, coloured):
    out = run(tmp_path, tenant_url, *SOME, *args, env=env).output
    section = "\n".join(matrix_section(out))
    assert (ESCAPE + "31" in section or ESCAPE + "1m" in section) == coloured, section  # red, or bold, for fail
    assert (ESCAPE in last_line(out)) == coloured


def test_a_refused_preflight_says_so_once(tmp_path, tenant_url):
    result = run(tmp_path, tenant_url, env={"ZENDESK_OAUTH_TOKEN": "not-a-token", "ZENDESK_API_TOKEN": "nope"})
    assert result.returncode == 14, result.output
    assert result.output.count("preflight failed") == 1, result.output


def test_the_workers_lines_are_shown_under_xdist(tmp_path, tenant_url):
    out = run(tmp_path, tenant_url, "-n", "2", "-k", "test_expiry or create_token").output
    assert "at the run's end" in out and "zdconform: cleanup: revoking" in out, out  # the workers' last lines
    assert not re.search(r"[.sF\]]zdconform:", out), "each line of zdconform's on a line of its own"
    assert last_line(out).startswith("zdconform: 127.0.0.1_") and "(exit 1)" in last_line(out)
