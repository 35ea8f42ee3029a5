"""Finding and revoking the OAuth tokens that earlier runs created and left behind.

Only tokens the suite itself recorded are touched: ids in the run journal, and for a
Create Token whose answer was lost (the connection dropped after the tenant minted the
token), the tokens of the same client, listed by `GET /api/v2/oauth/tokens` (which shows the
caller's own tokens only), created after the journalled time and not otherwise known.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from requests.auth import AuthBase

from .endpoints import TOKENS_PATH, token_path
from .tokens import TokenLedger, read_journal

__all__ = ["Orphan", "find_orphans", "recover_all_pending", "recover_pending", "run_cleanup"]

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
        return dt.datetime.min.replace(tzinfo=dt.timezone.utc)


def recover_pending(client: Any, auth: AuthBase, ledger: TokenLedger, key: str, client_id: Any,
                    not_before: str) -> list[int]:
    """After a lost Create Token answer: revoke what it minted; the revoked ids."""
    entry = {"tokens": {str(t): {} for t in ledger.live}, "pending": {key: {
        "client_id": str(client_id), "not_before": not_before}}}
    revoked = []
    for orphan in find_orphans(client, auth, entry):
        if orphan.why != "journalled" and client.delete(token_path(orphan.token_id), auth=auth).status_code in (204, 404):
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
