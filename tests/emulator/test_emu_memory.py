"""A long-running emulator holds steady memory: its request log and error records are ring
buffers, and each record keeps at most RECORD_CHARS of a request target or a traceback."""

from __future__ import annotations

import requests

from zdconform.emulator import ZendeskEmulator
from zdconform.emulator.api.app import App
from zdconform.emulator.resources.clock import Clock
from zdconform.emulator.resources.messages import Request
from zdconform.emulator.resources.state import ERROR_RECORDS, LOG_RECORDS, RECORD_CHARS
from zdconform.emulator.tenant.builtin import default_tenant


def request(target: str) -> Request:
    return Request(method="GET", target=target, path=target.split("?")[0], query={}, headers={}, body=b"",
                   host="127.0.0.1")


def test_the_request_log_is_a_ring_of_bounded_records():
    app = App(default_tenant(), Clock())
    long_target = "/api/v2/users.json?q=" + "x" * 100_000
    for _ in range(LOG_RECORDS + 50):
        app.handle(request(long_target))
    assert len(app.state.log) == LOG_RECORDS
    assert max(len(target) for _, target, _ in app.state.log) <= RECORD_CHARS


def test_error_records_are_a_ring_of_bounded_records(monkeypatch):
    app = App(default_tenant(), Clock())
    monkeypatch.setattr(app, "_handle", lambda req: 1 / 0)
    for _ in range(ERROR_RECORDS + 5):
        assert app.handle(request("/api/v2/users.json?" + "y" * 50_000)).status == 500
    assert len(app.state.errors) == ERROR_RECORDS
    assert max(len(error) for error in app.state.errors) <= 2 * RECORD_CHARS + 1


def test_over_http_a_long_target_is_logged_cut():
    with ZendeskEmulator() as emulator:
        response = requests.get(f"{emulator.url}/api/v2/users/me.json?pad={'z' * 20_000}", timeout=10)
        assert response.status_code in (200, 401)
        [(method, target, _)] = emulator.request_log
        assert method == "GET" and len(target) == RECORD_CHARS
        emulator.check()
