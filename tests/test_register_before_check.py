"""Every token the suite mints is registered for revocation from the raw answer, before any check of it.

A grant answer that mints a token but breaks the schema (here `token_type: mac`) fails its check, and
its token is still revoked when the check ends: 0 tokens left. Real parts: a scripted tenant on
loopback, the real client, ledger and grant code; the run is a namespace holding what a check reads.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from zdconform.conformance.context import Conformance
from zdconform.conformance.grants import Grants
from zdconform.conformance.notes import CheckNotes
from zdconform.conformance.tokens import TokenLedger
from zdconform.exceptions import ConformanceFailure
from zdconform.http.pacing import Pacer
from zdconform.recording.scrub import SecretSet
from zdconform.settings import Credentials, default_profile

from _scripted_server import Canned, ScriptedServer

MINTED = "minted0grant0token0that0breaks0the0schema"


def test_a_grant_answer_that_fails_its_schema_still_has_its_token_revoked():
    server = ScriptedServer()
    server.add("/oauth/tokens", Canned(200, {"access_token": MINTED, "token_type": "mac", "scope": "read"}))
    server.add("/api/v2/oauth/tokens/current.json", Canned(200, {"token": {"id": 77, "scopes": ["read"]}}))
    server.add("/api/v2/oauth/tokens/77.json", Canned(204))
    with server:
        run = SimpleNamespace(
            base_url=server.url, sleep=lambda s: None, pacer=Pacer(), secrets=SecretSet(), ledger=TokenLedger(None),
            target=SimpleNamespace(kind="tenant", is_reference=False, slug="acme"), profile=default_profile(),
            credentials={"oauth_client": Credentials(role="oauth_client", client_identifier="acme_app",
                                                     client_secret="a-client-secret-000000"),
                         "admin": Credentials(role="admin")})
        zd = Conformance(run, CheckNotes(cassette="", target="acme"))
        grants = Grants(zd)
        answer = grants.client_credentials("read")
        with pytest.raises(ConformanceFailure, match="grant_token_response"):
            grants.obtained(answer, what="a client credentials grant")
        assert 77 in run.ledger.live, "registered from the raw answer, before the schema refused it"
        assert zd.close() == []
        assert [r.method for r in server.requests_to("/api/v2/oauth/tokens/77.json")] == ["DELETE"]
        assert run.ledger.live == {}
