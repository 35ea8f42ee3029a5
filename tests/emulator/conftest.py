"""Fixtures for the emulator's tests: the session emulator, and a caller with named credentials."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from zdconform.emulator import ZendeskEmulator
from zdconform.emulator.fixtures import make_zendesk_emulator, zendesk_emulator  # noqa: F401

from emu_support import send

Call = Callable[..., requests.Response]


@pytest.fixture
def emulator(zendesk_emulator: ZendeskEmulator) -> ZendeskEmulator:  # noqa: F811
    """The session emulator, fresh for this test."""
    return zendesk_emulator


@pytest.fixture
def call(zendesk_emulator: ZendeskEmulator) -> Iterator[Call]:  # noqa: F811
    """`call(method, path, auth=None, **requests_kwargs)` against the session emulator."""
    with requests.Session() as session:
        yield lambda method, path, auth=None, **kw: send(session, zendesk_emulator.url, method,
                                                          path, auth, **kw)


@pytest.fixture
def new_token(call: Call) -> Callable[..., dict[str, Any]]:
    """Create a token as the admin (API token auth) and return the `token` object."""
    def create(scopes: list[str] | None = None, client_id: Any = 50328) -> dict[str, Any]:
        body = {"token": {"client_id": client_id, "scopes": scopes or ["read", "write"]}}
        response = call("POST", "/api/v2/oauth/tokens.json", "admin-api-token", json=body)
        assert response.status_code == 201, response.text
        return dict(response.json()["token"])
    return create
