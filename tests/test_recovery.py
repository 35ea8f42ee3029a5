"""Recovery of a lost Create Token answer touches only a token the run provably minted.

In-process: a real emulator on loopback, real HTTP, the real ledger and journal. The user's
own token is minted seconds before the "run" (as CI jobs do), with the same client and scopes
the suite asks for; it must never be a candidate.
"""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
import requests

from zdconform.conformance.recovery import protect_existing, recover_all_pending, resolve, run_cleanup
from zdconform.conformance.tokens import TokenLedger, read_journal
from zdconform.emulator import DEFAULT_CREDENTIALS, ZendeskEmulator
from zdconform.exceptions import UsageError
from zdconform.http.auth import ApiTokenAuth
from zdconform.http.client import ZendeskClient
from zdconform.settings import Credentials

ADMIN = DEFAULT_CREDENTIALS["admin"]
BODY = {"token": {"client_id": "50328", "scopes": ["read", "write"]}}


def mint(emulator, scopes=("read", "write")) -> dict:
    response = requests.post(f"{emulator.url}/api/v2/oauth/tokens.json", timeout=10,
                             json={"token": {"client_id": 50328, "scopes": list(scopes)}},
                             auth=(f"{ADMIN['email']}/token", ADMIN["api_token"]))
    assert response.status_code == 201
    return response.json()["token"]


def works(emulator, token: str) -> bool:
    return requests.get(f"{emulator.url}/api/v2/users/me.json", timeout=10,
                        headers={"Authorization": f"Bearer {token}"}).json()["user"]["id"] == ADMIN["id"]


@pytest.fixture
def setup(tmp_path):
    with ZendeskEmulator() as emulator, ZendeskClient(emulator.url) as client:
        users_token = mint(emulator)  # the user's ZENDESK_OAUTH_TOKEN, minted just before the run
        creds = {"admin": Credentials(role="admin", email=ADMIN["email"], api_token=ADMIN["api_token"],
                                      oauth_token=users_token["full_token"])}
        ledger = TokenLedger(tmp_path / "tokens.json")
        protect_existing(ledger, emulator.url, creds)
        yield emulator, client, ledger, users_token


def auth():
    return ApiTokenAuth(ADMIN["email"], ADMIN["api_token"])


def test_the_users_token_is_protected_and_the_clock_is_read(setup):
    emulator, _, ledger, users_token = setup
    assert users_token["id"] in ledger.protected
    assert ledger.clock_offset is not None and abs(ledger.clock_offset) < 5


def test_a_lost_answer_revokes_exactly_the_token_it_minted(setup):
    emulator, client, ledger, users_token = setup
    key = ledger.intend("50328", auth(), ["write", "read"])
    ours = mint(emulator)  # the tenant minted; the answer never arrived
    [outcome] = recover_all_pending(client, ledger)
    assert (outcome.state, outcome.revoked) == ("revoked", [ours["id"]])
    assert works(emulator, users_token["full_token"])
    assert key not in read_journal(ledger.journal)["pending"]


def test_even_unprotected_the_users_token_is_older_than_the_request(setup):
    emulator, client, ledger, users_token = setup
    ledger.protected.clear()  # only the tenant's clock (read from its Date header) now protects it
    time.sleep(2.1)  # the tenant stamps to the second, and a Date header is rounded down
    ledger.intend("50328", auth(), ["read", "write"])
    [outcome] = recover_all_pending(client, ledger)
    assert outcome.state == "in-flight"
    assert works(emulator, users_token["full_token"])


def test_two_candidates_are_reported_and_both_left_alone(setup):
    emulator, client, ledger, users_token = setup
    ledger.intend("50328", auth(), ["read", "write"])
    first, second = mint(emulator), mint(emulator)  # someone else minted at the same moment
    [outcome] = recover_all_pending(client, ledger)
    assert outcome.state == "ambiguous" and set(outcome.candidates) == {first["id"], second["id"]}
    assert "left tokens" in outcome.line()
    assert works(emulator, first["full_token"]) and works(emulator, second["full_token"])
    assert len(read_journal(ledger.journal)["pending"]) == 1, "the entry stays until resolved"


def test_a_token_a_sibling_worker_journalled_is_not_a_candidate(setup):
    """Two pytest-xdist workers share the run's journal: worker A read its answer (its token is
    journalled, A revokes it itself), worker B's answer was lost. B's recovery takes only its own."""
    emulator, client, ledger, users_token = setup
    ledger.intend("50328", auth(), ["read", "write"])  # worker B
    siblings = mint(emulator)  # worker A's, minted at the same moment with the same client and scopes
    worker_a = TokenLedger(ledger.journal)
    worker_a.add(siblings["id"], auth(), client_id="50328")
    ours = mint(emulator)  # B's: the tenant minted, the answer never arrived
    [outcome] = recover_all_pending(client, ledger)
    assert (outcome.state, outcome.revoked) == ("revoked", [ours["id"]])
    assert works(emulator, siblings["full_token"]) and works(emulator, users_token["full_token"])
    assert set(read_journal(ledger.journal)["tokens"]) == {str(siblings["id"])}, "A's entry kept"


def test_other_scopes_or_clients_are_not_candidates(setup):
    emulator, client, ledger, _ = setup
    ledger.intend("50328", auth(), ["read", "write"])
    other = mint(emulator, scopes=("read",))
    [outcome] = recover_all_pending(client, ledger)
    assert outcome.state == "in-flight" and works(emulator, other["full_token"])


def test_nothing_minted_stays_pending_until_it_cannot_be_in_flight(setup):
    emulator, client, ledger, _ = setup
    key = ledger.intend("50328", auth(), ["read", "write"])
    entry = read_journal(ledger.journal)["pending"][key]
    young = resolve(client, auth(), key, entry, set())
    assert young.state == "in-flight" and not young.resolved
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    assert resolve(client, auth(), key, entry, set(), now=later).state == "minted-nothing"


def test_cleanup_keeps_an_unresolved_entry_and_resolves_it_later(setup):
    emulator, client, ledger, users_token = setup
    ledger.intend("50328", auth(), ["read", "write"])
    lines, code = run_cleanup(client, auth(), ledger.journal, dry_run=False, protected=set())
    assert code == 1 and "may still be in flight" in lines[0]
    assert read_journal(ledger.journal)["pending"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    lines, code = run_cleanup(client, auth(), ledger.journal, dry_run=False, protected=set(), now=later)
    assert code == 0 and "minted nothing" in lines[0]
    assert read_journal(ledger.journal) == {"pending": {}, "tokens": {}}
    assert works(emulator, users_token["full_token"])


BAD_JOURNALS = [
    pytest.param("{", id="truncated"),
    pytest.param("[]", id="a-list"),
    pytest.param('{"tokens": [], "pending": {}}', id="tokens-a-list"),
    pytest.param('{"tokens": {"abc": {}}, "pending": {}}', id="non-numeric-id"),
    pytest.param('{"tokens": {}, "pending": {"k": "x"}}', id="entry-a-string"),
    pytest.param('{"tokens": {}, "pending": {"k": {"client_id": 1}}}', id="entry-without-time"),
    pytest.param('{"tokenz": {}}', id="unknown-key"),
    pytest.param("\udcff", id="not-utf8"),
    pytest.param("[" * 100_000 + "]" * 100_000, id="deep"),
]


@pytest.mark.parametrize("text", BAD_JOURNALS)
def test_a_corrupt_journal_is_one_paragraph_not_an_empty_one(tmp_path, text):
    path = tmp_path / "tokens.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    with pytest.raises(UsageError) as caught:
        read_journal(path)
    message = str(caught.value)
    assert str(path) in message and "\n" not in message and len(message) < 400
    assert path.read_bytes() == text.encode("utf-8", "surrogateescape"), "left as it was"


def test_a_journal_is_ids_only(setup):
    emulator, client, ledger, users_token = setup
    ledger.intend("50328", auth(), ["read", "write"])
    text = ledger.journal.read_text()
    assert users_token["full_token"] not in text and ADMIN["api_token"] not in text
    assert users_token["id"] in json.loads(text)["pending"].popitem()[1]["protected"]


def test_a_foreign_token_minted_after_the_in_flight_window_survives_cleanup(setup):
    """The run minted nothing; another integration mints with the same client and scopes once the lost
    request can no longer be in flight (the tenant's clock 60 s on): cleanup leaves it alone."""
    emulator, client, ledger, users_token = setup
    ledger.intend("50328", auth(), ["read", "write"])
    emulator.advance_clock(60)
    foreign = mint(emulator)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    lines, code = run_cleanup(client, auth(), ledger.journal, dry_run=False, protected=set(), now=later)
    assert code == 0 and "minted nothing" in lines[0], lines
    assert works(emulator, foreign["full_token"]) and works(emulator, users_token["full_token"])


def test_a_revoked_token_the_tenant_still_lists_is_no_candidate():
    """A tenant that keeps listing revoked tokens (their show answers 404): the run's own revoked token is
    no second candidate, so the token the lost request minted is still found and revoked."""
    from _scripted_server import Canned, ScriptedServer

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamp = (now + dt.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    listed = {"tokens": [{"id": id_, "client_id": 50328, "scopes": ["read", "write"], "created_at": stamp}
                         for id_ in (11, 12)], "next_page": None}
    server = ScriptedServer()
    server.add("/api/v2/oauth/tokens.json", Canned(200, listed))
    server.add("/api/v2/oauth/tokens/11.json", Canned(404, {"error": "RecordNotFound"}))  # revoked, still listed
    server.add("/api/v2/oauth/tokens/12.json", Canned(200, {"token": listed["tokens"][1]}), Canned(204))
    with server, ZendeskClient(server.url) as client:
        entry = {"client_id": "50328", "scopes": ["read", "write"],
                 "not_before": now.isoformat().replace("+00:00", "Z"), "journalled_at": now.isoformat()}
        outcome = resolve(client, auth(), "k", entry, set())
    assert (outcome.state, outcome.revoked) == ("revoked", [12])
    assert [r.method for r in server.requests_to("/api/v2/oauth/tokens/12.json")] == ["GET", "DELETE"]


def test_the_runs_revoked_ids_stay_journalled_until_its_lost_answers_are_resolved(setup):
    """A revoked token the tenant still lists and still shows (a lagging tenant): kept in the journal as
    revoked while a lost answer is pending, it is never taken for the token that request minted."""
    emulator, client, ledger, users_token = setup
    own = mint(emulator)
    ledger.add(int(own["id"]), auth(), client_id="50328")
    key = ledger.intend("50328", auth(), ["read", "write"])  # its answer is lost; it minted nothing
    ledger.forget(int(own["id"]))  # the run revoked its own token (here: only in the ledger, still live)
    journal = read_journal(ledger.journal)
    assert journal["tokens"][str(own["id"])].get("revoked") is True and key in journal["pending"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    lines, code = run_cleanup(client, auth(), ledger.journal, dry_run=False, protected=set(), now=later)
    assert code == 0 and "minted nothing" in lines[0], lines
    assert works(emulator, own["full_token"]), "the run's own id was no candidate, and cleanup did not revoke it"
    assert not ledger.journal.exists(), "resolved: the revoked ids kept for recovery went with the pending entry"


def test_cleanup_and_the_runs_end_use_an_admin_credential_the_tenant_accepts(setup, tmp_path, monkeypatch):
    """The run's end recovering a lost answer of a refused credential (a password Create Token) lists with
    an admin credential that works; cleanup skips a refused one and uses the next."""
    from zdconform.http.auth import PasswordAuth
    from zdconform.runs.cleanup import cleanup_tenant

    emulator, client, ledger, users_token = setup
    refused = PasswordAuth(ADMIN["email"], "not-the-password")
    ledger.intend("50328", refused, ["read", "write"])
    made = mint(emulator)  # what the lost request "minted", as far as the tenant's list can tell
    admin = Credentials(role="admin", email=ADMIN["email"], api_token=ADMIN["api_token"])
    outcomes = recover_all_pending(client, ledger, admin)
    assert [o.state for o in outcomes] == ["revoked"] and outcomes[0].revoked == [int(made["id"])]
    assert works(emulator, users_token["full_token"])
    from zdconform.settings import parse_target

    journal = tmp_path / "journals" / f"tokens-{parse_target(emulator.url).slug}.json"
    killed = TokenLedger(journal, protected=set(ledger.protected), clock_offset=ledger.clock_offset)
    killed.intend("50328", auth(), ["read", "write"])  # a killed run's lost answer, left for cleanup
    lost = mint(emulator)  # what it minted
    with pytest.raises(UsageError, match="accepts none of the admin credentials"):
        cleanup_tenant(emulator.url, journal.parent, tmp_path, {"ZENDESK_OAUTH_TOKEN": "refused-bearer"})
    assert journal.exists(), "kept for a cleanup with a credential that works"
    env = {"ZENDESK_OAUTH_TOKEN": "refused-bearer", "ZENDESK_EMAIL": ADMIN["email"],
           "ZENDESK_API_TOKEN": ADMIN["api_token"]}
    lines, code = cleanup_tenant(emulator.url, journal.parent, tmp_path, env)
    assert code == 0 and f"revoked token {lost['id']}" in lines[0], lines
    assert not journal.exists() and works(emulator, users_token["full_token"])
