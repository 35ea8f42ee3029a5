"""The terminal's end of a run: the matrix fitted to the width and coloured by verdict, reasons in words,
and a last line that states the verdict (pure functions: no process is spawned)."""

from __future__ import annotations

import types

import pytest

from zdconform.reporting.results import CheckResult
from zdconform.reporting.terminal import COLOURS, matrix_lines, verdict_line

ENDPOINTS = ["list_clients", "create_token", "users_bearer", "negative_auth", "roles", "token_errors",
             "token_lifecycle", "grant_client_credentials", "grant_refresh", "grant_expiry"]


def result(endpoint: str, method: str, verdict: str) -> CheckResult:
    return CheckResult(f"suites/t.py::t[{endpoint}-{method}]", f"{endpoint}[{method}]", endpoint, method, verdict)


RESULTS = [result(e, m, "fail" if (e, m) == ("roles", "api_token") else "pass")
           for e in ENDPOINTS for m in ("oauth_token", "api_token")]


def info(mode="tenant", **session):
    return types.SimpleNamespace(slug="acme", mode=mode, session={"partial": [], "unchecked_methods": [], **session})


@pytest.mark.parametrize("width", [40, 80, 120, 1000])
def test_the_matrix_fits_the_width_and_keeps_every_cell(width):
    lines = matrix_lines(RESULTS, width)
    texts = ["".join(text for text, _ in line).rstrip() for line in lines]
    assert all(len(t) <= max(width, len("auth method  grant_client_credentials  ")) for t in texts), texts
    headers = [t for t in texts if t.startswith("auth method")]
    assert sorted(e for h in headers for e in h.split()[2:]) == sorted(ENDPOINTS), "every column, once"
    assert sum(t.startswith("api_token") for t in texts) == len(headers), "each block repeats the method column"
    assert (len(headers) == 1) == (width == 1000)


def test_each_cell_carries_its_verdicts_colour():
    cells = [segment for line in matrix_lines(RESULTS, 1000) for segment in line[1:]]
    assert {text.strip(): markup for text, markup in cells if text.strip() in ("pass", "fail")} == \
        {"pass": COLOURS["pass"], "fail": COLOURS["fail"]}
    assert "-" not in {line[0][0].strip() for line in matrix_lines(RESULTS, 1000)}, "no row without a method"


@pytest.mark.parametrize(("results", "session", "code", "says"), [
    (RESULTS[:2], {}, 0, "acme CONFORMS: 2 checks, none failed (exit 0)"),
    (RESULTS, {}, 1, "acme DOES NOT CONFORM: 1 of 20 checks failed (exit 1)"),
    (RESULTS[:2], {"unchecked_methods": [{"method": "api_token", "variables": ["ZENDESK_API_TOKEN"]}]}, 1,
     "acme INCOMPLETE: api_token not checked (exit 1)"),
    (RESULTS[:2], {"partial": ["interrupted"]}, 2, "acme INCOMPLETE: interrupted (exit 2)"),
])
def test_the_last_line_states_the_verdict(results, session, code, says):
    text, markup = verdict_line(info(**session), results, code)
    assert text == f"zdconform: {says}" and markup["bold"]


def test_a_finding_at_the_gate_does_not_conform():
    text, _ = verdict_line(info(), RESULTS[:2], 1, ["zdconform: FAILED by [high] Revoked OAuth tokens keep working"])
    assert text == "zdconform: acme DOES NOT CONFORM: 1 finding(s) at or above --zd-fail-on-finding (exit 1)"


def test_a_replay_says_so_on_the_last_line():
    text, _ = verdict_line(info("replay"), RESULTS[:2], 0)
    assert text == "zdconform: REPLAY of acme CONFORMS: 2 checks, none failed (exit 0)"


def test_a_failure_is_one_paragraph_naming_its_place_in_the_check():
    from pathlib import Path

    from zdconform.exceptions import ConformanceFailure
    from zdconform.pytest.terminal import one_paragraph

    def check():
        raise ConformanceFailure("zdconform: List OAuth Clients with API token: expected 200, got 401.")

    try:
        check()
    except ConformanceFailure:
        excinfo = pytest.ExceptionInfo.from_current()
    item = types.SimpleNamespace(path=Path(__file__), location=("tests/test_terminal_lines.py", 0, "check"))
    line = check.__code__.co_firstlineno + 1
    assert one_paragraph(item, excinfo) == (f"tests/test_terminal_lines.py:{line}: zdconform: List OAuth Clients "
                                            "with API token: expected 200, got 401.")
