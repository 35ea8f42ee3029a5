"""ZendeskClient over real loopback HTTP: headers, re-basing, retries, pacing, pagination.

Every wait goes through a virtual clock, so nothing here really sleeps for a retry or a pace.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from zdconform import __version__
from zdconform.exceptions import RetryBudgetExhausted, TransportError, UsageError
from zdconform.http.auth import ApiTokenAuth, NoAuth, OAuthBearerAuth
from zdconform.http.client import ZendeskClient, check_base_url
from zdconform.http.pacing import Pacer, RateLimit, read_rate_limit
from zdconform.http.retry import RetryPolicy, parse_retry_after

from _scripted_server import Canned, Received, ScriptedServer, VirtualClock

USERS = "/api/v2/users.json"
TOKENS = "/api/v2/oauth/tokens.json"
AUTH = ApiTokenAuth("fakeuser@example.com", "fake-api-token-6wQ")
OK = Canned(200, {"users": [{"id": 1}]})
TOO_MANY = "Number of allowed API requests per minute exceeded"  # the real 50-byte text/plain body


@pytest.fixture
def server():
    with ScriptedServer() as srv:
        yield srv


@pytest.fixture
def clock():
    return VirtualClock()


@pytest.fixture
def client(server, clock):
    with ZendeskClient(server.url, AUTH, sleep=clock.sleep, clock=clock, timeout=(2, 2)) as zd:
        yield zd


# -- what goes on the wire ---------------------------------------------------------------------


def test_get_sends_accept_json_user_agent_and_no_content_type(server, client):
    server.add(USERS, OK)
    client.get(USERS)
    sent = server.received[0].headers
    assert sent["accept"] == "application/json"
    assert sent["user-agent"] == f"zdconform/{__version__}"
    assert "content-type" not in sent


@pytest.mark.parametrize(("method", "body"), [
    pytest.param("POST", {"token": {"client_id": 50328, "scopes": ["read", "write"]}}, id="post-create-token"),
    pytest.param("PUT", {"client": {"name": "x"}}, id="put"),
    pytest.param("POST", {}, id="post-empty-object"),
])
def test_json_body_has_content_type_exactly_application_json(server, client, method, body):
    server.add(TOKENS, Canned(201, {"token": {}}))
    client.request(method, TOKENS, json=body)
    received = server.received[0]
    assert received.headers["content-type"] == "application/json"
    assert received.json() == body


@pytest.mark.parametrize("status", [
    pytest.param(400, id="400"),
    pytest.param(401, id="401"),
    pytest.param(403, id="403"),
    pytest.param(404, id="404"),
    pytest.param(500, id="500"),
])
def test_error_statuses_are_returned_not_raised_nor_retried(server, client, clock, status):
    server.add(USERS, Canned(status, {"error": "x"}), OK)
    assert client.get(USERS).status_code == status
    assert len(server.received) == 1 and clock.sleeps == [] and client.events == []


@pytest.mark.parametrize(("override", "expected_header"), [
    pytest.param(None, AUTH(requests.Request("GET", "http://x/").prepare()).headers["Authorization"], id="client-default"),
    pytest.param(OAuthBearerAuth("fake-bearer"), "Bearer fake-bearer", id="per-request-bearer"),
    pytest.param(NoAuth(), None, id="per-request-none"),
])
def test_per_request_auth_override(server, client, override, expected_header):
    server.add(USERS, OK)
    client.get(USERS, auth=override)
    assert server.received[0].headers.get("authorization") == expected_header


def test_client_without_auth_sends_none(server, clock):
    server.add(USERS, OK)
    with ZendeskClient(server.url, sleep=clock.sleep, clock=clock) as zd:
        zd.get(USERS)
    assert "authorization" not in server.received[0].headers


def test_extra_headers_and_params_are_sent(server, client):
    server.add(USERS, OK)
    client.get(USERS, params={"role": "admin"}, headers={"X-Trace": "t1"})
    assert server.received[0].target == f"{USERS}?role=admin"
    assert server.received[0].headers["x-trace"] == "t1"


# -- credentials never leave the base host -----------------------------------------------------


@pytest.mark.parametrize(("base_url", "path_or_url", "expected"), [
    pytest.param("https://acme.zendesk.com", "/api/v2/users.json", "https://acme.zendesk.com/api/v2/users.json", id="path"),
    pytest.param("https://acme.zendesk.com/", "api/v2/users.json", "https://acme.zendesk.com/api/v2/users.json", id="path-without-slash"),
    pytest.param("https://acme.zendesk.com", "https://canonical.zendesk.com/api/v2/users.json?page=2", "https://acme.zendesk.com/api/v2/users.json?page=2", id="link-on-other-host-rebased"),
    pytest.param("https://acme.zendesk.com", "https://evil.example/api/v2/users.json", "https://acme.zendesk.com/api/v2/users.json", id="link-on-foreign-host-rebased"),
    pytest.param("https://acme.zendesk.com", "//evil.example/steal", "https://acme.zendesk.com/steal", id="scheme-relative-rebased"),
    pytest.param("https://acme.zendesk.com", "http://acme.zendesk.com/x", "https://acme.zendesk.com/x", id="scheme-downgrade-ignored"),
    pytest.param("https://acme.zendesk.com", "https://user:pw@evil.example:8443/x", "https://acme.zendesk.com/x", id="userinfo-and-port-dropped"),
    pytest.param("https://acme.zendesk.com", "/x?page%5Bafter%5D=abc#frag", "https://acme.zendesk.com/x?page%5Bafter%5D=abc", id="query-kept-fragment-dropped"),
    pytest.param("https://proxy.example/zd", "/api/v2/users.json", "https://proxy.example/zd/api/v2/users.json", id="base-prefix-added"),
    pytest.param("https://proxy.example/zd", "https://other.example/zd/api/v2/users.json", "https://proxy.example/zd/api/v2/users.json", id="base-prefix-not-doubled"),
])
def test_url_for_rebases_onto_the_base(base_url, path_or_url, expected):
    assert ZendeskClient(base_url).url_for(path_or_url) == expected


def test_other_host_in_pagination_link_never_gets_a_request(server, clock):
    with ScriptedServer() as other:
        server.add(USERS, Canned(200, {"users": [{"id": 1}], "next_page": f"{other.url}{USERS}?page=2"}),
                   Canned(200, {"users": [{"id": 2}], "next_page": None}))
        with ZendeskClient(server.url, AUTH, sleep=clock.sleep, clock=clock) as zd:
            pages = list(zd.paginate(USERS, key="users"))
        assert other.received == []
    assert [p.json()["users"][0]["id"] for p in pages] == [1, 2]
    assert [r.headers["host"] for r in server.received] == [server.host, server.host]
    assert server.received[1].target == f"{USERS}?page=2"


def test_redirect_to_other_host_is_returned_not_followed(server, client):
    with ScriptedServer() as other:
        other.add(USERS, OK)
        server.add(USERS, Canned(302, b"", {"Location": f"{other.url}{USERS}"}))
        response = client.get(USERS)
        assert other.received == []
    assert response.status_code == 302


@pytest.mark.parametrize(("base_url", "expected"), [
    pytest.param("https://acme.zendesk.com/", "https://acme.zendesk.com", id="https-trailing-slash"),
    pytest.param("http://127.0.0.1:8080", "http://127.0.0.1:8080", id="http-loopback"),
    pytest.param("http://localhost:8080/", "http://localhost:8080", id="http-localhost"),
    pytest.param("http://[::1]:8080", "http://[::1]:8080", id="http-ipv6-loopback"),
])
def test_base_url_accepted(base_url, expected):
    assert check_base_url(base_url) == expected


@pytest.mark.parametrize(("base_url", "expected_in_message"), [
    pytest.param("acme.zendesk.com", "not an http(s) URL", id="no-scheme"),
    pytest.param("ftp://acme.zendesk.com", "not an http(s) URL", id="ftp"),
    pytest.param("http://acme.zendesk.com", "plain http", id="http-remote"),
    pytest.param("https://fakeuser:fakepass@acme.zendesk.com", "carries credentials", id="userinfo"),
])
def test_base_url_rejected_with_the_fix(base_url, expected_in_message):
    with pytest.raises(UsageError) as info:
        ZendeskClient(base_url)
    assert expected_in_message in str(info.value)
    assert "fakepass" not in str(info.value)


# -- retries on 429 and 503 --------------------------------------------------------------------

NOW = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
DATE = format_datetime(NOW, usegmt=True)
IN_30S = format_datetime(NOW + timedelta(seconds=30), usegmt=True)


@pytest.mark.parametrize(("first", "expected_sleeps"), [
    pytest.param([Canned(429, TOO_MANY, {"Retry-After": "7", "X-Rate-Limit-Remaining": "0"})], [7.0], id="429-text-plain-retry-after"),
    pytest.param([Canned(429, {"error": "TooManyRequests"})], [10.0], id="429-no-retry-after-default"),
    pytest.param([Canned(503, b"", {"Retry-After": "3"})], [3.0], id="503-retry-after"),
    pytest.param([Canned(503, "Service Unavailable")], [10.0], id="503-no-retry-after-default"),
    pytest.param([Canned(429, TOO_MANY, {"Retry-After": "3600"})], [60.0], id="retry-after-capped"),
    pytest.param([Canned(429, TOO_MANY, {"Retry-After": IN_30S, "Date": DATE})], [30.0], id="retry-after-http-date"),
    pytest.param([Canned(429, TOO_MANY, {"Retry-After": "soon"})], [10.0], id="retry-after-garbage-default"),
    pytest.param([Canned(429, TOO_MANY, {"Retry-After": "0"})], [], id="retry-after-zero-no-sleep"),
    pytest.param([Canned(429, TOO_MANY, {"Retry-After": "1"}), Canned(503, b"", {"Retry-After": "2"})], [1.0, 2.0], id="429-then-503"),
])
def test_refusals_are_retried_after_retry_after(server, client, clock, first, expected_sleeps):
    server.add(USERS, *first, OK)
    response = client.get(USERS)
    assert response.status_code == 200
    assert clock.sleeps == expected_sleeps
    assert len(server.received) == len(first) + 1


def test_retry_is_recorded_as_an_event(server, client):
    server.add(USERS, Canned(429, TOO_MANY, {"Retry-After": "7"}), OK)
    client.get(USERS, params={"page": "2"})
    (event,) = client.events
    assert (event.kind, event.method, event.path, event.status, event.error, event.waited) == (
        "retry", "GET", USERS, 429, None, 7.0)


def test_budget_exhausted_names_the_request_and_the_fix_without_secrets(server, client, clock):
    server.add(USERS, *[Canned(429, TOO_MANY, {"Retry-After": "50"})] * 3)
    with pytest.raises(RetryBudgetExhausted) as info:
        client.get(USERS, params={"page[after]": "cursor-abc"})
    message = str(info.value)
    assert f"GET {USERS}" in message and "3 attempt(s)" in message and "100.0 s" in message
    assert "concurrency" in message and "total_wait_budget" in message
    for secret in (*AUTH.secrets(), "Authorization", "Basic ", "cursor-abc"):
        assert secret not in message and secret not in repr(info.value)
    assert clock.sleeps == [50.0, 50.0]
    assert info.value.response.status_code == 429


def test_max_attempts_bounds_the_sends(server, client, clock):
    server.add(USERS, *[Canned(429, TOO_MANY, {"Retry-After": "1"})] * 6)
    with pytest.raises(RetryBudgetExhausted, match="5 attempt"):
        client.get(USERS)
    assert len(server.received) == 5
    assert clock.sleeps == [1.0] * 4


@pytest.mark.parametrize(("refusal", "expected_posts", "expected_status"), [
    pytest.param(Canned(429, TOO_MANY, {"Retry-After": "2"}), 2, 201, id="429-retry-after-retried"),
    pytest.param(Canned(429, TOO_MANY), 2, 201, id="429-bare-retried"),
    pytest.param(Canned(503, b"", {"Retry-After": "2"}), 2, 201, id="503-retry-after-retried"),
    pytest.param(Canned(503, "upstream failed"), 1, 503, id="503-bare-not-retried"),  # may have acted
])
def test_post_retried_only_on_a_clear_refusal(server, client, refusal, expected_posts, expected_status):
    server.add(TOKENS, refusal, Canned(201, {"token": {"id": 1}}))
    assert client.post(TOKENS, json={"token": {}}).status_code == expected_status
    assert len(server.requests_to(TOKENS)) == expected_posts


def test_retry_off_returns_the_429(server, clock):
    server.add(USERS, Canned(429, TOO_MANY, {"Retry-After": "5"}), OK)
    with ZendeskClient(server.url, AUTH, retry=RetryPolicy.off(), sleep=clock.sleep, clock=clock) as zd:
        assert zd.get(USERS).status_code == 429
    assert clock.sleeps == []


@pytest.mark.parametrize(("headers", "expected"), [
    pytest.param({"Retry-After": "5"}, 5.0, id="seconds"),
    pytest.param({"retry-after": "1.5"}, 1.5, id="decimal-lower-case-name"),
    pytest.param({"Retry-After": IN_30S, "Date": DATE}, 30.0, id="http-date-from-response-date"),
    pytest.param({"Retry-After": DATE, "Date": IN_30S}, 0.0, id="http-date-in-the-past"),
    pytest.param({"Retry-After": "-3"}, None, id="negative"),
    pytest.param({"Retry-After": "soon"}, None, id="garbage"),
    pytest.param({"Retry-After": ""}, None, id="empty"),
    pytest.param({}, None, id="absent"),
])
def test_parse_retry_after(headers, expected):
    assert parse_retry_after(CaseInsensitiveDict(headers)) == expected


@pytest.mark.parametrize("kwargs", [
    pytest.param({"max_attempts": 0}, id="no-attempts"),
    pytest.param({"transport_retries": -1}, id="negative-transport-retries"),
    pytest.param({"total_wait_budget": -1.0}, id="negative-budget"),
])
def test_retry_policy_rejects_nonsense(kwargs):
    with pytest.raises(UsageError):
        RetryPolicy(**kwargs)


# -- transport errors: retried for idempotent methods only -------------------------------------

FAILURES = [
    pytest.param(Canned(action="reset"), "ConnectionError", id="reset"),
    pytest.param(Canned(action="drop"), "ConnectionError", id="dropped"),
    pytest.param(Canned(200, {"users": [{"id": 1}]}, action="truncate"), "ChunkedEncodingError", id="truncated-body"),
    pytest.param(Canned(delay=0.6), "ReadTimeout", id="read-timeout"),
]


@pytest.fixture
def quick_client(server, clock):
    """A client whose read timeout is short, for the timeout cases."""
    with ZendeskClient(server.url, AUTH, sleep=clock.sleep, clock=clock, timeout=(2, 0.25)) as zd:
        yield zd


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
@pytest.mark.parametrize(("failure", "expected_error"), FAILURES)
def test_transport_failure_retried_for_idempotent_methods(server, quick_client, clock, method, failure, expected_error):
    server.add(USERS, failure, OK)
    assert quick_client.request(method, USERS).status_code == 200
    assert len(server.requests_to(USERS)) == 2
    assert clock.sleeps == [0.5]
    assert [(e.kind, e.error) for e in quick_client.events] == [("retry", expected_error)]


@pytest.mark.parametrize(("failure", "expected_error"), FAILURES)
def test_post_never_retried_after_transport_failure(server, quick_client, clock, failure, expected_error):
    server.add(TOKENS, failure, Canned(201, {"token": {"id": 2}}))
    with pytest.raises(TransportError) as info:
        quick_client.post(TOKENS, json={"token": {"client_id": 50328, "scopes": ["read"]}})
    assert not isinstance(info.value, RetryBudgetExhausted)
    assert len(server.requests_to(TOKENS)) == 1  # one POST: never a second token
    assert "not retried" in str(info.value) and expected_error in str(info.value)
    assert clock.sleeps == [] and quick_client.events == []
    assert not any(secret in str(info.value) for secret in AUTH.secrets())


def test_persistent_resets_exhaust_the_transport_retries(server, client, clock):
    server.add(USERS, *[Canned(action="reset")] * 5)
    with pytest.raises(RetryBudgetExhausted, match="4 attempt"):
        client.get(USERS)
    assert len(server.received) == 4
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_unreachable_target(clock):
    with ScriptedServer() as gone:
        url = gone.url  # the port is free again once this server is closed
    with ZendeskClient(url, AUTH, sleep=clock.sleep, clock=clock) as zd:
        with pytest.raises(RetryBudgetExhausted):
            zd.get(USERS)
        with pytest.raises(TransportError, match="not retried"):
            zd.post(TOKENS, json={})


# -- pacing from rate-limit headers ------------------------------------------------------------


@pytest.mark.parametrize(("headers", "expected"), [
    pytest.param({"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "699"}, RateLimit(700, 699), id="x-rate-limit"),
    pytest.param({"x-rate-limit": "200", "X-RATE-LIMIT-REMAINING": "3"}, RateLimit(200, 3), id="any-case"),
    pytest.param({"ratelimit-limit": "200", "ratelimit-remaining": "50", "ratelimit-reset": "41"}, RateLimit(200, 50, 41.0), id="ratelimit-2024"),
    pytest.param({"rate-limit": "700", "rate-limit-remaining": "9", "rate-limit-reset": "12"}, RateLimit(700, 9, 12.0), id="rate-limit-2023"),
    pytest.param({"RateLimit-Limit": "100;w=60", "RateLimit-Remaining": "7"}, RateLimit(100, 7), id="ietf-policy-suffix"),
    pytest.param({"X-Rate-Limit": "700", "X-Rate-Limit-Remaining": "600", "ratelimit-limit": "100", "ratelimit-remaining": "10", "ratelimit-reset": "30"}, RateLimit(100, 10, 30.0), id="tightest-family-wins"),
    pytest.param({"X-Rate-Limit": "200", "X-Rate-Limit-Remaining": "10", "ratelimit-limit": "700", "ratelimit-remaining": "500", "ratelimit-reset": "30"}, RateLimit(200, 10, 30.0), id="reset-borrowed-from-other-family"),
    pytest.param({"X-Rate-Limit": "lots", "X-Rate-Limit-Remaining": "some"}, None, id="garbage"),
    pytest.param({"X-Rate-Limit": "200"}, None, id="limit-without-remaining"),
    pytest.param({"Content-Type": "application/json"}, None, id="none"),
])
def test_read_rate_limit(headers, expected):
    assert read_rate_limit(headers) == expected


@pytest.mark.parametrize(("rate_limit", "expected_spacing"), [
    pytest.param(RateLimit(700, 699), 0.0, id="ample"),
    pytest.param(RateLimit(200, 20), 0.0, id="at-reserve"),
    pytest.param(RateLimit(200, 19), 60 / 19, id="below-reserve-no-reset"),
    pytest.param(RateLimit(200, 10, 29.0), 3.0, id="below-reserve-with-reset"),
    pytest.param(RateLimit(200, 0, 14.0), 15.0, id="none-left-wait-for-reset"),
    pytest.param(RateLimit(200, 0), 60.0, id="none-left-no-reset"),
    pytest.param(RateLimit(10, 4, 1e9), 15.0, id="reset-capped-at-window"),
])
def test_pacer_spacing(rate_limit, expected_spacing):
    assert Pacer().spacing(rate_limit) == pytest.approx(expected_spacing)


class RateLimitedTenant:
    """Answers from a limit enforced on the virtual clock, in a fixed or a sliding window."""

    def __init__(self, clock, *, limit, used, window_model, family):
        self.clock, self.limit, self.window_model, self.family = clock, limit, window_model, family
        self.stamps = [0.0] * used  # requests already spent this window (others' runs)
        self.statuses: list[int] = []

    def _in_window(self, now):
        if self.window_model == "fixed":
            start = math.floor(now / 60) * 60
            self.stamps = [t for t in self.stamps if t >= start]
            return start + 60 - now
        self.stamps = [t for t in self.stamps if t > now - 60]
        return (self.stamps[0] + 60 - now) if self.stamps else 60.0

    def __call__(self, received: Received) -> Canned:
        now = self.clock()
        reset = self._in_window(now)
        if len(self.stamps) >= self.limit:
            self.statuses.append(429)
            return Canned(429, TOO_MANY, {"Retry-After": str(math.ceil(reset)), **self._headers(0, reset)})
        self.stamps.append(now)
        self.statuses.append(200)
        return Canned(200, {"users": []}, self._headers(self.limit - len(self.stamps), reset))

    def _headers(self, remaining, reset):
        headers = {"X-Rate-Limit": str(self.limit), "X-Rate-Limit-Remaining": str(remaining)}
        if self.family != "x-rate-limit":  # a reset rounded down: the worst case for a client
            names = {"ratelimit": "ratelimit", "rate-limit": "rate-limit"}[self.family]
            headers.update({f"{names}-limit" if names == "ratelimit" else names: str(self.limit),
                            f"{names}-remaining": str(remaining), f"{names}-reset": str(int(reset))})
        return headers


@pytest.mark.parametrize(("window_model", "family", "used"), [
    pytest.param("fixed", "x-rate-limit", 150, id="fixed-window-no-reset-header"),
    pytest.param("fixed", "ratelimit", 150, id="fixed-window-ratelimit-reset"),
    pytest.param("fixed", "rate-limit", 150, id="fixed-window-rate-limit-reset-2023"),
    pytest.param("fixed", "ratelimit", 199, id="fixed-window-one-left"),
    pytest.param("sliding", "x-rate-limit", 150, id="sliding-window-no-reset-header"),
    pytest.param("sliding", "ratelimit", 180, id="sliding-window-with-reset"),
])
def test_pacing_keeps_a_200_per_minute_tenant_from_ever_answering_429(server, client, clock, window_model, family, used):
    tenant = RateLimitedTenant(clock, limit=200, used=used, window_model=window_model, family=family)
    server.handle(USERS, tenant)
    statuses = [client.get(USERS).status_code for _ in range(100)]
    assert statuses == [200] * 100
    assert 429 not in tenant.statuses
    assert any(e.kind == "pace" for e in client.events)
    assert not any(e.kind == "retry" for e in client.events)
    assert clock.now < 180  # spread over the window, not stalled


def test_ample_budget_never_sleeps(server, client, clock):
    server.handle(USERS, RateLimitedTenant(clock, limit=700, used=0, window_model="fixed", family="ratelimit"))
    for _ in range(100):
        client.get(USERS)
    assert clock.sleeps == [] and client.events == []


def test_pace_event_says_what_was_left(server, client, clock):
    headers = {"X-Rate-Limit": "200", "X-Rate-Limit-Remaining": "4"}
    server.add(USERS, Canned(200, {"users": []}, headers), OK)
    client.get(USERS)
    client.get(USERS)
    (event,) = client.events
    assert (event.kind, event.method, event.path, event.note) == ("pace", "GET", USERS, "remaining 4 of 200")
    assert clock.sleeps == [pytest.approx(15.0)]


def test_shared_pacer_paces_every_client_on_the_tenant(server, clock):
    server.add(USERS, Canned(200, {"users": []}, {"X-Rate-Limit": "200", "X-Rate-Limit-Remaining": "1"}), OK)
    pacer = Pacer()
    with ZendeskClient(server.url, AUTH, sleep=clock.sleep, clock=clock, pacer=pacer) as first, \
            ZendeskClient(server.url, NoAuth(), sleep=clock.sleep, clock=clock, pacer=pacer) as second:
        first.get(USERS)
        second.get(USERS)
    assert clock.sleeps == [60.0]


# -- pagination --------------------------------------------------------------------------------


def _offset_page(server, n, last):
    nxt = None if n == last else f"https://canonical.zendesk.com{USERS}?page={n + 1}&per_page=100"
    return Canned(200, {"users": [{"id": n}], "next_page": nxt, "previous_page": None, "count": last})


def _cursor_page(n, last):
    link = f"https://canonical.zendesk.com{USERS}?page%5Bafter%5D=c{n}&page%5Bsize%5D=100"
    return Canned(200, {"users": [{"id": n}], "meta": {"has_more": n < last, "after_cursor": f"c{n}", "before_cursor": None},
                        "links": {"next": link, "prev": None}})  # links.next set even on the last page


@pytest.mark.parametrize(("style", "max_pages", "expected_ids", "expected_first_query"), [
    pytest.param("offset", None, [1, 2, 3], "per_page=100", id="offset-to-the-end"),
    pytest.param("offset", 2, [1, 2], "per_page=100", id="offset-max-pages"),
    pytest.param("cursor", None, [1, 2, 3], "page%5Bsize%5D=100", id="cursor-to-the-end"),
    pytest.param("cursor", 2, [1, 2], "page%5Bsize%5D=100", id="cursor-max-pages"),
    pytest.param("cursor", 1, [1], "page%5Bsize%5D=100", id="cursor-one-page"),
])
def test_paginate(server, client, style, max_pages, expected_ids, expected_first_query):
    pages = [_offset_page(server, n, 3) if style == "offset" else _cursor_page(n, 3) for n in (1, 2, 3)]
    server.add(USERS, *pages)
    responses = list(client.paginate(USERS, style=style, key="users", max_pages=max_pages))
    assert [r.json()["users"][0]["id"] for r in responses] == expected_ids
    assert len(server.received) == len(expected_ids)
    assert server.received[0].target == f"{USERS}?{expected_first_query}"
    assert all(r.headers["authorization"].startswith("Basic ") for r in server.received)


@pytest.mark.parametrize(("pages", "expected_count"), [
    pytest.param([Canned(200, {"users": [{"id": 1}], "next_page": f"http://elsewhere{USERS}?per_page=100"})], 1, id="link-to-itself-stops"),
    pytest.param([Canned(200, {"users": [], "next_page": f"{USERS}?page=2"}), OK], 1, id="empty-page-stops"),
    pytest.param([Canned(200, {"users": [{"id": 1}], "next_page": f"{USERS}?page=2"}), Canned(400, {"error": "x"}), OK], 2, id="error-page-yielded-then-stops"),
    pytest.param([Canned(200, "not json")], 1, id="non-json-stops"),
    pytest.param([Canned(200, {"users": [{"id": 1}], "meta": {"has_more": True}, "links": {"next": None}})], 1, id="has-more-without-link-stops"),
])
def test_paginate_stops_on_surprises(server, client, pages, expected_count):
    server.add(USERS, *pages)
    style = "cursor" if "meta" in str(pages[0].body) else "offset"
    assert len(list(client.paginate(USERS, style=style, key="users"))) == expected_count


def test_paginate_passes_params_and_auth(server, client):
    server.add(USERS, Canned(200, {"users": [{"id": 1}], "next_page": None}))
    list(client.paginate(USERS, key="users", page_size=2, params={"role": "admin"}, auth=OAuthBearerAuth("fake-bearer")))
    assert server.received[0].target == f"{USERS}?role=admin&per_page=2"
    assert server.received[0].headers["authorization"] == "Bearer fake-bearer"


@pytest.mark.parametrize("kwargs", [
    pytest.param({"style": "keyset"}, id="unknown-style"),
    pytest.param({"page_size": 0}, id="page-size-zero"),
    pytest.param({"page_size": 101}, id="page-size-over-100"),
    pytest.param({"max_pages": 0}, id="max-pages-zero"),
])
def test_paginate_rejects_bad_arguments_at_call_time(client, kwargs):
    with pytest.raises(UsageError):
        client.paginate(USERS, key="users", **kwargs)


# -- lifecycle ---------------------------------------------------------------------------------


def test_close_closes_only_a_session_it_opened(server):
    closed = []
    session = requests.Session()
    session.close = lambda: closed.append("given")  # type: ignore[method-assign]
    with ZendeskClient(server.url, session=session):
        pass
    assert closed == []
    requests.Session.close(session)


def test_repr_shows_no_secret(server):
    text = repr(ZendeskClient(server.url, AUTH))
    assert not any(secret in text for secret in AUTH.secrets())
    assert "f***@example.com" in text
