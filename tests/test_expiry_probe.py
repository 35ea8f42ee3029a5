"""The expiry probe of a live run: judged at the run's end, never a silent pass.

`judge` sends nothing when the run was shorter than the token's lifetime (not exercised, both
lifetimes named); past it, it tries the token once: 401 passes, a success fails naming fact
F-04. A real scripted server answers, so the request really goes over loopback.
"""

from __future__ import annotations

from zdconform.conformance.expiry import ExpiryProbe, judge
from zdconform.http.auth import OAuthBearerAuth
from zdconform.http.client import ZendeskClient

from _scripted_server import Canned, ScriptedServer

USERS = "/api/v2/users.json"


def probe(expires_in: int = 1800) -> ExpiryProbe:
    return ExpiryProbe("grant_expiry[expired-token-refused]", "probe-token-0123456789", expires_in, 0.0,
                       minted_at=1_000_000.0)


def test_a_run_shorter_than_the_token_is_not_exercised_and_sends_nothing():
    with ScriptedServer() as server, ZendeskClient(server.url) as client:
        found = judge(probe(1800), client, OAuthBearerAuth("probe-token-0123456789"), now=1_000_600.0)
        assert server.received == []
    assert found.verdict == "skipped"
    assert found.reason.startswith("not exercised") and "600 s" in found.reason and "1800 s" in found.reason
    assert found.details["outcome"] == "not exercised" and found.details["expires_at"]


def test_an_expired_token_refused_passes():
    with ScriptedServer() as server, ZendeskClient(server.url) as client:
        server.add(USERS, Canned(401, {"error": "invalid_token", "error_description": "expired"}))
        found = judge(probe(300), client, OAuthBearerAuth("probe-token-0123456789"), now=1_000_400.0)
        assert server.requests_to(USERS)[0].headers["authorization"] == "Bearer probe-token-0123456789"
    assert (found.verdict, found.details["status"], found.details["run_lasted_seconds"]) == ("pass", 401, 400)


def test_an_expired_token_that_still_works_fails_naming_the_defect():
    with ScriptedServer() as server, ZendeskClient(server.url) as client:
        server.add(USERS, Canned(200, {"users": []}))
        found = judge(probe(300), client, OAuthBearerAuth("probe-token-0123456789"), now=1_000_400.0)
    assert found.verdict == "fail"
    assert "keeps an expired token alive" in found.reason and "F-04" in found.reason
    assert "probe-token" not in found.reason and "probe-token" not in str(found.details)
