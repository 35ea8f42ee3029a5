"""The emulator bounds what a hostile client can make it keep: scopes (count and length) and ids (digits).

Zendesk documents no limit; the emulator's are choices (`resources.scopes.MAX_SCOPES`,
`MAX_SCOPE_LENGTH`, `resources.oauth.MAX_ID_DIGITS`), far above any real request: a mint past them
is refused before anything is stored (400), an id past them is no record's (404), never a 500.
"""

from __future__ import annotations

import base64
import dataclasses
import gc
import json
import tracemalloc

import pytest
import requests

from zdconform.emulator import DEFAULT_CREDENTIALS
from zdconform.emulator.api.app import App
from zdconform.emulator.resources.clock import Clock
from zdconform.emulator.resources.messages import Request
from zdconform.emulator.resources.scopes import MAX_SCOPE_LENGTH, MAX_SCOPES
from zdconform.emulator.tenant.builtin import default_tenant

ADMIN = DEFAULT_CREDENTIALS["admin"]
CLIENT = DEFAULT_CREDENTIALS["oauth_client"]
BASIC = "Basic " + base64.b64encode(f"{ADMIN['email']}/token:{ADMIN['api_token']}".encode()).decode()


def mint(call, scopes):
    return call("POST", "/api/v2/oauth/tokens.json", "admin-api-token",
                json={"token": {"client_id": 50328, "scopes": scopes}})


@pytest.mark.parametrize("scopes", [
    pytest.param(["read"] * (MAX_SCOPES + 1), id="one-too-many"),
    pytest.param(["read"] * 200_000, id="200000-scopes"),
    pytest.param(["x" * (MAX_SCOPE_LENGTH + 1)], id="one-too-long"),
    pytest.param(["r" * 1_000_000], id="1-MB-scope"),
])
def test_create_token_refuses_scopes_past_the_bounds(call, scopes):
    response = mint(call, scopes)
    assert response.status_code == 400 and "at most" in response.json()["description"], response.text


def test_create_token_within_the_bounds_still_works(call):
    assert mint(call, ["read"] * MAX_SCOPES).status_code == 201
    assert mint(call, ["tickets:read", "x" * MAX_SCOPE_LENGTH]).status_code == 201  # invalid scopes: kept, as Zendesk


def test_a_grant_with_a_scope_past_the_bounds_is_invalid_scope(emulator):
    for scope in ("r" * 1_000_000, " ".join(["read"] * (MAX_SCOPES + 1))):
        response = requests.post(f"{emulator.url}/oauth/tokens", timeout=30,
                                 data={"grant_type": "client_credentials", "client_id": CLIENT["client_identifier"],
                                       "client_secret": CLIENT["client_secret"], "scope": scope})
        assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")


@pytest.mark.parametrize("reference", ["9" * 5000, "1" * 20, "\u00b2", "\u0663"])
def test_an_id_no_record_can_have_is_404_never_500(call, reference):
    for method in ("GET", "DELETE"):
        assert call(method, f"/api/v2/oauth/tokens/{reference}.json", "admin-api-token").status_code == 404


@pytest.mark.parametrize("client_id", ["9" * 5000, "\u00b2", 10 ** 30])
def test_a_client_id_no_client_can_have_is_invalid_never_500(call, client_id):
    response = call("POST", "/api/v2/oauth/tokens.json", "admin-api-token",
                    json={"token": {"client_id": client_id, "scopes": ["read"]}})
    assert response.status_code == 422 and "client_id" in response.json()["details"], response.text


def test_memory_stays_flat_under_1000_hostile_mints():
    tenant = default_tenant()
    tenant = dataclasses.replace(tenant, settings=dataclasses.replace(tenant.settings, rate_limit_per_minute=10_000))
    app = App(tenant, Clock())
    body = json.dumps({"token": {"client_id": 50328, "scopes": ["s" * 50_000]}}).encode()
    hostile = Request(method="POST", target="/api/v2/oauth/tokens.json", path="/api/v2/oauth/tokens.json",
                      query={}, headers={"authorization": BASIC, "content-type": "application/json"}, body=body,
                      host="127.0.0.1")
    seeded = len(app.state.tokens)
    assert app.handle(hostile).status == 400  # warm: first-use allocations are not growth
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        for _ in range(1000):
            assert app.handle(hostile).status == 400
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert len(app.state.tokens) == seeded
    assert grown < 2_000_000, f"{grown} bytes kept after 1000 refused mints of a 50 kB scope (50 MB sent)"
