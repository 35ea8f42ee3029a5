"""Pytest fixtures for the reference emulator: one server per session, reset per test.

Nothing registers these: the zdconform plugin does not import them. A conftest that wants them
imports both names (tests/emulator/conftest.py does).

- `make_zendesk_emulator` (session): a started `ZendeskEmulator` on the built-in tenant;
  `ZD_EMULATOR_HOST` / `ZD_EMULATOR_PORT` override the listen address (default 127.0.0.1:0).
- `zendesk_emulator` (function): the same server, `clear()`ed before the test and
  `check()`ed after it, so a server-side exception fails the test that caused it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from ..exceptions import UsageError
from .instance import ZendeskEmulator

__all__ = ["make_zendesk_emulator", "zendesk_emulator"]


def _listen_address() -> tuple[str, int]:
    host = os.environ.get("ZD_EMULATOR_HOST") or "127.0.0.1"
    port = os.environ.get("ZD_EMULATOR_PORT") or "0"
    if not port.isdigit() or int(port) > 65535:
        raise UsageError(f"ZD_EMULATOR_PORT is {port!r}; set it to a port number from 0 to "
                         "65535 (0 picks a free port), or unset it.")
    return host, int(port)


@pytest.fixture(scope="session")
def make_zendesk_emulator() -> Iterator[ZendeskEmulator]:
    """A started reference emulator for the whole session (built-in tenant)."""
    host, port = _listen_address()
    with ZendeskEmulator(host=host, port=port) as emulator:
        yield emulator


@pytest.fixture
def zendesk_emulator(make_zendesk_emulator: ZendeskEmulator) -> Iterator[ZendeskEmulator]:
    """The session emulator, reset before the test and checked for server errors after."""
    make_zendesk_emulator.clear()
    yield make_zendesk_emulator
    make_zendesk_emulator.check()
