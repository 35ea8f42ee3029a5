"""The ledger of OAuth tokens a run creates, so every one is revoked before the run ends.

Every Create Token the suite sends is journalled in `.zdconform/tokens-<target>.json`
(never a token value): first as *pending* (the client id and the time just before the
request), then, once the 201 is read, as the token's id. Revoking removes the entry. If a
run dies, or a connection drops after the tenant minted a token but before the suite read
it, `zdconform cleanup` finds what is left: journalled ids, and for pending entries the
tokens of that client created by this user after that time.

Cleanup: finding and revoking the OAuth tokens that earlier runs created and left behind.

Only tokens the suite itself recorded are touched: ids in the run journal, and for a
Create Token whose answer was lost (the connection dropped after the tenant minted the
token), the tokens of the same client, listed by `GET /api/v2/oauth/tokens` (which shows the
caller's own tokens only), created after the journalled time and not otherwise known.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from requests.auth import AuthBase

from ..recording.files import atomic_write, utcnow
from .endpoints import TOKENS_PATH, token_path

__all__ = ["Orphan", "TokenLedger", "find_orphans", "read_journal", "recover_all_pending", "recover_pending",
           "run_cleanup"]


@dataclass
class TokenLedger:
    """Tokens created and not yet revoked, with the auth that can revoke each."""

    journal: Path | None = None
    live: dict[int, AuthBase] = field(default_factory=dict)
    revoked: list[int] = field(default_factory=list)
    # Create Token requests sent whose answers were not read yet: key -> (client id, time, auth)
    pending: dict[str, tuple[str, str, AuthBase]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- creation -------------------------------------------------------------------------
    def intend(self, client_id: Any, auth: AuthBase) -> str:
        """Journal a Create Token about to be sent; returns the pending entry's key."""
        key, now = uuid.uuid4().hex[:12], utcnow()
        with self._lock:
            self.pending[key] = (str(client_id), now, auth)
        self._update(lambda data: data["pending"].update({key: {"client_id": str(client_id),
                                                                 "not_before": now}}))
        return key

    def add(self, token_id: int, auth: AuthBase, *, client_id: Any = None, pending: str | None = None) -> None:
        with self._lock:
            self.live[token_id] = auth
            self.pending.pop(pending or "", None)

        def change(data: dict[str, Any]) -> None:
            data["tokens"][str(token_id)] = {"client_id": str(client_id), "created_at": utcnow()}
            data["pending"].pop(pending or "", None)

        self._update(change)

    def settle(self, pending: str) -> None:
        """The Create Token answered without minting: forget its pending entry."""
        with self._lock:
            self.pending.pop(pending, None)
        self._update(lambda data: data["pending"].pop(pending, None))

    # -- revocation -----------------------------------------------------------------------
    def revoke(self, client: Any, token_id: int) -> bool:
        """Revoke one token; True when the target confirmed (204, or 404: already gone)."""
        auth = self.live.get(token_id)
        if auth is None:
            return True
        response = client.delete(token_path(token_id), auth=auth)
        if response.status_code in (204, 404):
            self.forget(token_id)
            return True
        return False

    def forget(self, token_id: int) -> None:
        with self._lock:
            self.live.pop(token_id, None)
            self.revoked.append(token_id)
        self._update(lambda data: data["tokens"].pop(str(token_id), None))

    def revoke_all(self, client: Any) -> list[int]:
        """Revoke every token still live; returns the ids that could not be revoked."""
        return [tid for tid in list(self.live) if not self._try(client, tid)]

    def _try(self, client: Any, token_id: int) -> bool:
        try:
            return self.revoke(client, token_id)
        except Exception:  # noqa: BLE001 - cleanup must go on to the next token
            return False

    def _update(self, change: Any) -> None:
        if self.journal is None:
            return
        with self._lock:
            data = read_journal(self.journal)
            change(data)
            if data["tokens"] or data["pending"]:
                atomic_write(self.journal, json.dumps(data, indent=2, sort_keys=True) + "\n")
            else:  # nothing left to revoke: no journal to find
                self.journal.unlink(missing_ok=True)


def read_journal(path: Path) -> dict[str, Any]:
    """The journal's contents, `{"tokens": {id: ...}, "pending": {key: ...}}`; empty if absent."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    data.setdefault("tokens", {})
    data.setdefault("pending", {})
    return data


CLOCK_SKEW = dt.timedelta(seconds=120)  # the tenant's clock and ours may differ a little


@dataclass(frozen=True)
class Orphan:
    """A token a run created and did not revoke."""

    token_id: int
    client_id: str
    why: str  # "journalled" | "minted by a Create Token whose answer was lost"


def find_orphans(client: Any, auth: AuthBase, journal: dict[str, Any]) -> list[Orphan]:
    found = [Orphan(int(tid), str(entry.get("client_id")), "journalled")
             for tid, entry in journal["tokens"].items() if _exists(client, auth, tid)]
    known = {o.token_id for o in found} | {int(t) for t in journal["tokens"]}
    for entry in journal["pending"].values():
        for token_id in _minted_after(client, auth, entry["client_id"], entry["not_before"]):
            if token_id not in known:
                known.add(token_id)
                found.append(Orphan(token_id, entry["client_id"], "minted by a Create Token whose answer was lost"))
    return sorted(found, key=lambda o: o.token_id)


def _exists(client: Any, auth: AuthBase, token_id: str) -> bool:
    return bool(client.get(token_path(token_id), auth=auth).status_code == 200)


def _minted_after(client: Any, auth: AuthBase, client_id: str, not_before: str) -> list[int]:
    since = _parse(not_before) - CLOCK_SKEW
    ids = []
    for page in client.paginate(TOKENS_PATH, style="offset", key="tokens", auth=auth, max_pages=20):
        if page.status_code != 200:
            break
        for token in page.json().get("tokens", []):
            created = _parse(token.get("created_at") or "")
            if str(token.get("client_id")) == str(client_id) and created >= since:
                ids.append(int(token["id"]))
    return ids


def _parse(stamp: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)


def recover_pending(client: Any, auth: AuthBase, ledger: TokenLedger, key: str, client_id: Any,
                    not_before: str) -> list[int]:
    """After a lost Create Token answer: revoke what it minted; the revoked ids."""
    entry = {"tokens": {str(t): {} for t in ledger.live}, "pending": {key: {
        "client_id": str(client_id), "not_before": not_before}}}
    revoked = []
    for orphan in find_orphans(client, auth, entry):
        if orphan.why == "journalled":
            continue
        if client.delete(token_path(orphan.token_id), auth=auth).status_code in (204, 404):
            revoked.append(orphan.token_id)
    ledger.settle(key)
    return revoked


def recover_all_pending(client: Any, ledger: TokenLedger) -> list[int]:
    """At the end of a run: revoke what any Create Token whose answer was never read minted
    (the run was interrupted between the tenant minting a token and the suite reading it)."""
    revoked: list[int] = []
    for key, (client_id, not_before, auth) in list(ledger.pending.items()):
        try:
            revoked += recover_pending(client, auth, ledger, key, client_id, not_before)
        except Exception:  # noqa: BLE001 - the journal keeps the entry for `zdconform cleanup`
            continue
    return revoked


def run_cleanup(client: Any, auth: AuthBase, journal_path: Path, *, dry_run: bool) -> tuple[list[str], int]:
    """Report (and unless `dry_run`, revoke) what earlier runs left; lines and exit code."""
    journal = read_journal(journal_path)
    orphans = find_orphans(client, auth, journal)
    ledger = TokenLedger(journal_path)
    lines: list[str] = []
    failed: set[int] = set()
    for orphan in orphans:
        if dry_run:
            lines.append(f"would revoke token {orphan.token_id} (client {orphan.client_id}): {orphan.why}")
            continue
        status = client.delete(token_path(orphan.token_id), auth=auth).status_code
        if status not in (204, 404):
            failed.add(orphan.token_id)
        lines.append(f"{'revoked' if status in (204, 404) else f'FAILED ({status})'} token "
                     f"{orphan.token_id} (client {orphan.client_id}): {orphan.why}")
    if not dry_run:
        for tid in [int(t) for t in journal["tokens"] if int(t) not in failed]:
            ledger.forget(tid)
        for key in list(journal["pending"]) if not failed else []:
            ledger.settle(key)
    verb = "found" if dry_run else "revoked"
    lines.append(f"{len(orphans)} token(s) {verb} from {journal_path}")
    return lines, 1 if failed else 0
