"""Rate limiting, response headers, and each kind of injected fault."""

from __future__ import annotations

import time

import pytest
import requests

from zdconform.emulator import ZendeskEmulator

ME = "/api/v2/users/me.json"
LIMIT_TEXT = b"Number of allowed API requests per minute exceeded"


def statuses(call, count: int, path: str = ME, method: str = "GET") -> list[int]:
    return [call(method, path, "admin-api-token").status_code for _ in range(count)]


def test_spent_budget_answers_text_plain_429(emulator, call):
    emulator.configure(rate_limit_per_minute=3)
    remaining = [call("GET", ME, "admin-api-token").headers["X-Rate-Limit-Remaining"]
                 for _ in range(3)]
    response = call("GET", ME, "admin-api-token")
    assert remaining == ["2", "1", "0"]
    assert (response.status_code, response.content) == (429, LIMIT_TEXT)
    assert response.headers["Content-Type"] == "text/plain"
    assert response.headers["Content-Length"] == "50"
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.headers["X-Rate-Limit-Remaining"] == "0"


@pytest.mark.parametrize(("family", "names", "absent"), [
    pytest.param("2024", ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"),
                 "rate-limit", id="2024-ratelimit"),
    pytest.param("2023", ("rate-limit", "rate-limit-remaining", "rate-limit-reset"),
                 "ratelimit", id="2023-rate-limit"),
])
def test_rate_limit_header_families(emulator, call, family, names, absent):
    emulator.configure(rate_limit_headers=family)
    headers = call("GET", ME, "admin-api-token").headers
    assert (headers["X-Rate-Limit"], headers["X-Rate-Limit-Remaining"]) == ("700", "699")
    assert [headers[name] for name in names[:2]] == ["700", "699"] and names[2] in headers
    assert not any(name.lower().startswith(absent) for name in headers)


@pytest.mark.parametrize(("auth", "path", "status"), [
    pytest.param("admin-api-token", ME, 200, id="ok"),
    pytest.param(None, "/api/v2/users.json", 401, id="unauthenticated"),
    pytest.param("agent-api-token", "/api/v2/oauth/clients", 403, id="forbidden"),
    pytest.param("admin-api-token", "/api/v2/nothing", 404, id="not-found"),
])
def test_every_response_carries_the_zendesk_headers(call, auth, path, status):
    response = call("GET", path, auth)
    assert response.status_code == status
    headers = response.headers
    assert headers["x-zendesk-api-version"] == "v2"
    assert headers["cache-control"] == "max-age=0, private, must-revalidate"
    assert headers["x-request-id"].startswith("zdemu-")
    assert "X-Rate-Limit" in headers and "X-Rate-Limit-Remaining" in headers


def test_request_ids_count_from_one_after_clear(emulator, call):
    ids = [call("GET", ME).headers["x-request-id"] for _ in range(2)]
    assert ids == ["zdemu-0000000001", "zdemu-0000000002"]


def test_a_burst_of_429s_starts_at_request_k(emulator, call):
    emulator.configure(faults=[{"kind": "rate_limit", "start": 2, "count": 2, "retry_after": 7}])
    assert statuses(call, 4) == [200, 429, 429, 200]


def test_injected_429s_carry_retry_after(emulator, call):
    emulator.configure(faults=[{"kind": "rate_limit", "retry_after": 7, "count": 1}])
    response = call("GET", ME, "admin-api-token")
    assert (response.content, response.headers["Retry-After"]) == (LIMIT_TEXT, "7")


def test_503s_on_n_requests_with_retry_after(emulator, call):
    emulator.configure(faults=[{"kind": "unavailable", "count": 2, "retry_after": 3}])
    first = call("GET", ME, "admin-api-token")
    assert statuses(call, 2) == [503, 200]
    assert (first.status_code, first.headers["Retry-After"]) == (503, "3")
    assert first.json()["error"] == "ServiceUnavailable"


def test_latency_delays_the_response(emulator, call):
    emulator.configure(faults=[{"kind": "latency", "latency_ms": 150, "count": 1}])
    started = time.monotonic()
    call("GET", ME, "admin-api-token")
    slow = time.monotonic() - started
    started = time.monotonic()
    call("GET", ME, "admin-api-token")
    assert slow >= 0.15 and time.monotonic() - started < 0.15


@pytest.mark.parametrize(("after_bytes", "error"), [
    pytest.param(0, requests.ConnectionError, id="before-anything"),
    pytest.param(12, requests.ConnectionError, id="in-the-status-line"),
    pytest.param(400, requests.exceptions.ChunkedEncodingError, id="in-the-body"),
])
def test_reset_aborts_the_connection_mid_response(emulator, call, after_bytes, error):
    emulator.configure(faults=[{"kind": "reset", "count": 1, "reset_after_bytes": after_bytes}])
    with pytest.raises(error):
        call("GET", "/api/v2/users.json", "admin-api-token")
    assert call("GET", ME, "admin-api-token").status_code == 200


def test_reset_happens_after_the_request_took_effect(emulator, call):
    emulator.configure(faults=[{"kind": "reset", "methods": ["POST"], "count": 1}])
    with pytest.raises(requests.ConnectionError):
        call("POST", "/api/v2/oauth/tokens.json", "admin-api-token",
             json={"token": {"client_id": 50328, "scopes": ["read"]}})
    assert len(emulator.tokens_created()) == 1


@pytest.mark.parametrize(("fault", "path", "method", "hit"), [
    pytest.param({"paths": ["/api/v2/users"]}, "/api/v2/users.json", "GET", True,
                 id="path-matches-with-json"),
    pytest.param({"paths": ["/api/v2/users"]}, ME, "GET", False, id="path-is-exact"),
    pytest.param({"paths": ["/api/v2/users*"]}, ME, "GET", True, id="path-glob"),
    pytest.param({"methods": ["post"]}, ME, "GET", False, id="method-filter"),
    pytest.param({"methods": ["GET"], "paths": ["/api/v2/oauth/*"]},
                 "/api/v2/oauth/clients.json", "GET", True, id="both-filters"),
])
def test_fault_filters(emulator, call, fault, path, method, hit):
    emulator.configure(faults=[{"kind": "unavailable"} | fault])
    assert (call(method, path, "admin-api-token").status_code == 503) is hit


def test_filtered_faults_count_only_matching_requests(emulator, call):
    emulator.configure(faults=[{"kind": "unavailable", "paths": ["/api/v2/users"], "start": 2,
                                "count": 1}])
    seen = [call("GET", path, "admin-api-token").status_code
            for path in (ME, "/api/v2/users", ME, "/api/v2/users", "/api/v2/users")]
    assert seen == [200, 200, 200, 503, 200]


def test_probability_is_seeded_and_repeats_after_clear(emulator, call):
    fault = {"kind": "unavailable", "probability": 0.5, "seed": 11}
    emulator.configure(faults=[fault])
    first = statuses(call, 20)
    emulator.clear()
    emulator.configure(faults=[fault])
    assert statuses(call, 20) == first and {200, 503} == set(first)


def test_faults_from_the_tenant_rearm_on_clear(call):
    tenant = {"users": [], "settings": {"faults": [{"kind": "unavailable", "count": 1}]}}
    with ZendeskEmulator(tenant) as emulator, requests.Session() as session:
        def get() -> int:
            return session.get(f"{emulator.url}{ME}", timeout=10).status_code
        before = [get(), get()]
        emulator.clear()
        assert before + [get()] == [503, 200, 503]


def test_injected_faults_do_not_spend_the_budget(emulator, call):
    emulator.configure(rate_limit_per_minute=2, faults=[{"kind": "unavailable", "count": 3}])
    assert statuses(call, 6) == [503, 503, 503, 200, 200, 429]
