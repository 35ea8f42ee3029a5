"""Recovery of lost Create Token answers, and `zdconform cleanup` of what a killed run left.

Only a token the run can prove it created is ever revoked:

- a journalled id: the run read its 201;
- for a Create Token whose answer was lost, the one token, listed by `GET /api/v2/oauth/tokens`
  (the caller's own tokens), with the journalled client and scopes, created within the request's
  in-flight window (`REQUEST_WINDOW`: no earlier than the tenant's time when it was sent, no later
  than when its answer was lost or the client's timeouts ran out), still live (its show does not
  answer 404), that is neither one the run knows nor one that existed when the run started (the
  user's own `ZENDESK_OAUTH_TOKEN` among them). A token another integration mints with the same
  client after that window is never a candidate. When more
  than one token qualifies, none is touched: the candidates are reported and left, and the
  pending entry stays in the journal. When none qualifies, the entry is resolved ("minted
  nothing") only once the request can no longer be in flight (`IN_FLIGHT`).
- for a grant (`POST /oauth/tokens`) whose answer was lost, the same, its client named by its
  `identifier` in the journal and found by List OAuth Clients (grant tokens belong to the
  client's owner, the admin).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..exceptions import ZdConformError
from ..http.auth import auth_for
from ..settings import AUTH_METHODS, Credentials
from .endpoints import CLIENTS_PATH, CURRENT_TOKEN_PATH, TOKENS_PATH, token_path
from .tokens import TokenLedger, is_revoked, read_journal, tenant_now

if TYPE_CHECKING:
    from requests.auth import AuthBase

__all__ = ["IN_FLIGHT", "Outcome", "accepted", "credential_token_ids", "protect_existing", "recover_all_pending",
           "recover_pending", "resolve", "run_cleanup", "working_auth"]

IN_FLIGHT = dt.timedelta(seconds=60)  # the client gives up on an answer after 5 + 30 s; then some
UNKNOWN_CLOCK_MARGIN = dt.timedelta(seconds=5)  # when no Date header told us the tenant's clock
# The in-flight window of a lost request, on the tenant's clock: from `not_before` (just before it was
# sent) to the moment its answer was lost (`lost_at`, when the run knew it), and never past the client's
# own connect and read timeouts (5 + 30 s); plus `ANSWER_MARGIN` for Date headers stamped to the second.
REQUEST_WINDOW = dt.timedelta(seconds=35)
ANSWER_MARGIN = dt.timedelta(seconds=2)
MAX_PAGES = 20


@dataclass(frozen=True)
class Outcome:
    """What recovery found for one pending Create Token."""

    key: str
    state: str  # revoked | would-revoke | minted-nothing | ambiguous | in-flight | unreadable | failed
    candidates: tuple[int, ...] = ()

    @property
    def resolved(self) -> bool:
        return self.state in ("revoked", "minted-nothing")

    @property
    def revoked(self) -> list[int]:
        return list(self.candidates) if self.state == "revoked" else []

    def line(self) -> str:
        ids = ", ".join(str(c) for c in self.candidates)
        return {
            "revoked": f"revoked token {ids}: minted by a token request whose answer was lost",
            "would-revoke": f"would revoke token {ids}: minted by a token request whose answer was lost",
            "minted-nothing": "a token request whose answer was lost minted nothing: entry resolved",
            "ambiguous": f"left tokens {ids} alone: each could be the one a lost token request minted, "
                         "so none is provably the run's; check them in the admin center",
            "in-flight": "a token request whose answer was lost has no token yet and may still be in flight: "
                         f"run `zdconform cleanup` again in {IN_FLIGHT.seconds} s",
            "unreadable": "could not list the tokens to recover a lost token request: run `zdconform cleanup`",
            "failed": f"FAILED to revoke token {ids} minted by a token request whose answer was lost",
        }[self.state] + f" (journal entry {self.key})"


def _parse(stamp: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return None


def _candidates(client: Any, auth: AuthBase, entry: dict[str, Any], excluded: set[int]) -> list[int] | None:
    """Ids only the lost request can have minted; None when the tokens could not be listed."""
    since = _parse(entry.get("not_before"))
    if since is None:
        return None
    margin = dt.timedelta(0) if entry.get("clock_known", True) else UNKNOWN_CLOCK_MARGIN
    until = since + REQUEST_WINDOW
    lost = _parse(entry.get("lost_at"))
    until = (min(until, lost) if lost is not None else until) + ANSWER_MARGIN + margin
    since -= margin
    scopes = sorted(str(s) for s in entry.get("scopes") or [])
    wanted = _client_of(client, auth, entry)
    if wanted is None:
        return None
    found: list[int] = []
    for page in client.paginate(TOKENS_PATH, style="offset", key="tokens", auth=auth, max_pages=MAX_PAGES):
        if page.status_code != 200:
            return None
        for token in page.json().get("tokens", []):
            created = _parse(token.get("created_at"))
            if (str(token.get("client_id")) == wanted and created is not None
                    and since <= created <= until and int(token["id"]) not in excluded
                    and (not scopes or sorted(token.get("scopes") or []) == scopes)):
                found.append(int(token["id"]))
    # a tenant may still list a revoked token (its show answers 404): no candidate
    return [token_id for token_id in found if client.get(token_path(token_id), auth=auth).status_code != 404]


def _client_of(client: Any, auth: AuthBase, entry: dict[str, Any]) -> str | None:
    """The numeric id of the entry's client; a grant's is looked up by its `identifier`."""
    identifier = entry.get("client_identifier")
    if not identifier:
        return str(entry["client_id"])
    listed = client.get(CLIENTS_PATH, auth=auth)
    ids = [str(c.get("id")) for c in _json(listed).get("clients") or [] if listed.status_code == 200
           and isinstance(c, dict) and c.get("identifier") == identifier]
    return ids[0] if len(ids) == 1 else None


def resolve(client: Any, auth: AuthBase, key: str, entry: dict[str, Any], excluded: set[int], *,
            revoke: bool = True, now: dt.datetime | None = None) -> Outcome:
    """Find (and unless told otherwise, revoke) the token one lost Create Token minted."""
    try:
        found = _candidates(client, auth, entry, excluded | {int(i) for i in entry.get("protected", [])})
    except (ZdConformError, ValueError, KeyError, TypeError, AttributeError):
        found = None
    if found is None:
        return Outcome(key, "unreadable")
    if len(found) > 1:
        return Outcome(key, "ambiguous", tuple(found))
    if len(found) == 1:
        if not revoke:
            return Outcome(key, "would-revoke", tuple(found))
        status = client.delete(token_path(found[0]), auth=auth).status_code
        return Outcome(key, "revoked" if status in (204, 404) else "failed", tuple(found))
    journalled = _parse(entry.get("journalled_at")) or _parse(entry.get("not_before"))
    now = now or dt.datetime.now(dt.UTC)
    old = journalled is not None and now - journalled > IN_FLIGHT
    return Outcome(key, "minted-nothing" if old else "in-flight")


def accepted(client: Any, auth: AuthBase) -> bool:
    """Whether the tenant accepts `auth` to list its tokens (recovery's first request)."""
    try:
        return bool(client.get(TOKENS_PATH, auth=auth).status_code == 200)
    except ZdConformError:
        return False


def working_auth(client: Any, credentials: list[Credentials]) -> AuthBase | None:
    """The first admin credential, of each method it holds, that the tenant accepts; None if none is."""
    for creds in credentials:
        for method in AUTH_METHODS:
            if not creds.missing_for(method) and accepted(client, auth := auth_for(method, creds)):
                return auth
    return None


def recover_pending(client: Any, ledger: TokenLedger, key: str, fallback: AuthBase | None = None) -> Outcome:
    """After a lost Create Token answer: revoke what it provably minted; settle it if resolved. The
    request's own credential lists and revokes, unless the tenant refuses it (a refused password Create
    Token): then `fallback`, an admin credential the tenant accepts, does."""
    pending = ledger.pending[key]
    entry = {"client_id": pending.client_id, "scopes": list(pending.scopes), "not_before": pending.not_before,
             "journalled_at": pending.journalled_at, "clock_known": ledger.clock_offset is not None,
             "client_identifier": pending.identifier,
             "lost_at": tenant_now(ledger.clock_offset or 0.0)}  # the run no longer waits for its answer
    auth = pending.auth if fallback is None or accepted(client, pending.auth) else fallback
    outcome = resolve(client, auth, key, entry, ledger.known() | ledger.journalled() | ledger.protected)
    if outcome.resolved:
        ledger.settle(key)
    return outcome


def recover_all_pending(client: Any, ledger: TokenLedger, admin: Credentials | None = None) -> list[Outcome]:
    """At the end of a run: resolve every Create Token whose answer was never read (with the run's
    `admin` credential that works where a request's own is refused)."""
    outcomes = []
    fallback = working_auth(client, [admin]) if admin is not None and ledger.pending else None
    for key in list(ledger.pending):
        try:
            outcomes.append(recover_pending(client, ledger, key, fallback))
        except Exception:  # noqa: BLE001 - the journal keeps the entry for `zdconform cleanup`
            outcomes.append(Outcome(key, "unreadable"))
    return outcomes


# -- at the start of a run, and of a cleanup --------------------------------------------------
def credential_token_ids(client: Any, credentials: list[Credentials]) -> tuple[set[int], float | None]:
    """The ids of the OAuth tokens the user supplied (`tokens/current`), and the tenant's clock offset."""
    ids: set[int] = set()
    offset: float | None = None
    for creds in credentials:
        if not creds.oauth_token:
            continue
        response = client.get(CURRENT_TOKEN_PATH, auth=auth_for("oauth_token", creds))
        offset = offset if offset is not None else _clock_offset(response)
        token = _json(response).get("token") if response.status_code == 200 else None
        if isinstance(token, dict) and str(token.get("id", "")).isdigit():
            ids.add(int(token["id"]))
    return ids, offset


def protect_existing(ledger: TokenLedger, base_url: str, credentials: dict[str, Credentials]) -> None:
    """Before the first check: every token that already exists is protected, whoever made it."""
    from ..http.client import ZendeskClient

    roles = list(credentials.values())
    try:
        with ZendeskClient(base_url) as client:
            ids, offset = credential_token_ids(client, roles)
            for creds in roles:
                method = next((m for m in AUTH_METHODS if not creds.missing_for(m)), None)
                if method is None:
                    continue
                for page in client.paginate(TOKENS_PATH, style="offset", key="tokens",
                                            auth=auth_for(method, creds), max_pages=MAX_PAGES):
                    offset = offset if offset is not None else _clock_offset(page)
                    ids |= {int(t["id"]) for t in _json(page).get("tokens", []) if page.status_code == 200}
    except (ZdConformError, ValueError, KeyError, TypeError):
        return  # the target cannot be read: no check will mint on it either
    ledger.protected |= ids
    ledger.clock_offset = offset


def _json(response: Any) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _clock_offset(response: Any) -> float | None:
    """The tenant's clock minus ours, from the response's Date header (rounded down by HTTP)."""
    try:
        then = email.utils.parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError, IndexError):
        return None
    return then.timestamp() - time.time()


# -- `zdconform cleanup` ----------------------------------------------------------------------
def run_cleanup(client: Any, auth: AuthBase, journal_path: Path, *, dry_run: bool, protected: set[int],
                now: dt.datetime | None = None) -> tuple[list[str], int]:
    """Report (and unless `dry_run`, revoke) what earlier runs left; lines and exit code."""
    journal = read_journal(journal_path)
    ledger = TokenLedger(journal_path)
    lines: list[str] = []
    problems = revoked = 0
    journalled = {int(t) for t in journal["tokens"]}
    for tid in sorted(journalled):
        entry = journal["tokens"][str(tid)]
        if is_revoked(entry):  # the run revoked it; kept so that recovery never takes it for a lost one
            continue
        if client.get(token_path(tid), auth=auth).status_code != 200:
            if not dry_run:
                ledger.forget(tid)  # already gone
            continue
        if dry_run:
            lines.append(f"would revoke token {tid} (client {entry.get('client_id')}): journalled")
            continue
        status = client.delete(token_path(tid), auth=auth).status_code
        ok = status in (204, 404)
        problems, revoked = problems + (not ok), revoked + ok
        if ok:
            ledger.forget(tid)
        lines.append(f"{'revoked' if ok else f'FAILED ({status})'} token {tid} "
                     f"(client {entry.get('client_id')}): journalled")
    for key, entry in journal["pending"].items():
        outcome = resolve(client, auth, key, entry, journalled | protected, revoke=not dry_run, now=now)
        lines.append(outcome.line())
        revoked += len(outcome.revoked)
        if outcome.resolved and not dry_run:
            ledger.settle(key)
        problems += not outcome.resolved and outcome.state != "would-revoke"
    lines.append(f"{revoked} token(s) revoked from {journal_path}" if not dry_run else
                 f"dry run: nothing revoked, {len(journal['pending'])} pending Create Token(s) in {journal_path}")
    return lines, 1 if problems else 0
