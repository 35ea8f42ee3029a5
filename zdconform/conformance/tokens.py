"""The ledger of OAuth tokens a run creates, so every one is revoked before the run ends.

Every Create Token the suite sends is journalled in `.zdconform/tokens-<target>.json`
(ids only, never a token value): first as *pending* (the client id, the scopes, the tenant's
time just before the request, and the ids of the tokens that existed when the run started),
then, once the 201 is read, as the token's id. Revoking removes the entry. A pending entry
stays until it is *resolved*: its answer was read, or `recovery` proved which token it minted
(or that it minted none). If a run dies, `zdconform cleanup` resolves what is left.

The tokens that existed when the run started (among them the user's own `ZENDESK_OAUTH_TOKEN`,
looked up by `tokens/current`) are `protected`: no recovery ever treats one as the run's.

The pytest-xdist workers of a run share its journal: each change is read, made and written under
an exclusive lock of the journal's folder (`fcntl.flock`; where there is none, only under the
process's own lock), so that no worker's entry overwrites another's; and a
worker's recovery never takes a token another worker journalled (`journalled`) for its own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from requests.auth import AuthBase

try:
    import fcntl
except ImportError:  # not on POSIX: the journal is guarded within one process only
    fcntl = None  # type: ignore[assignment]

from ..exceptions import UsageError
from ..recording.files import atomic_write, read_limited, utcnow
from .endpoints import token_path

__all__ = ["Pending", "TokenLedger", "is_revoked", "read_journal", "tenant_now"]

JOURNAL_LIMIT = 4 * 1024 * 1024  # a journal holds ids; anything bigger is not one


@dataclass(frozen=True)
class Pending:
    """A Create Token sent whose answer was not read yet."""

    client_id: str
    scopes: tuple[str, ...]
    not_before: str  # the tenant's time, to the second, just before the request was sent
    journalled_at: str  # our time then
    auth: AuthBase = field(repr=False)
    identifier: str | None = None  # a grant's client `identifier` (its numeric id is not known yet)


def tenant_now(offset: float) -> str:
    """Now on the tenant's clock (ours plus `offset` seconds), to the second, rounded down."""
    now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset)
    return now.replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class TokenLedger:
    """Tokens created and not yet revoked, with the auth that can revoke each."""

    journal: Path | None = None
    live: dict[int, AuthBase] = field(default_factory=dict)
    revoked: list[int] = field(default_factory=list)
    pending: dict[str, Pending] = field(default_factory=dict)
    protected: set[int] = field(default_factory=set)  # existed before the run: never the run's
    clock_offset: float | None = None  # the tenant's clock minus ours, from a Date header
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # -- creation -------------------------------------------------------------------------
    def intend(self, client_id: Any, auth: AuthBase, scopes: Any = (), *, identifier: str | None = None) -> str:
        """Journal a Create Token (or, with the client's `identifier`, a grant) about to be sent;
        returns the pending entry's key. A grant's entry holds the identifier, never a secret."""
        key = uuid.uuid4().hex[:12]
        scopes = tuple(sorted(str(s) for s in scopes)) if isinstance(scopes, list | tuple) else ()
        entry = Pending("" if client_id is None else str(client_id), scopes, tenant_now(self.clock_offset or 0.0),
                        utcnow(), auth, identifier)
        with self._lock:
            self.pending[key] = entry
        record = {"client_id": entry.client_id, "scopes": list(scopes), "not_before": entry.not_before,
                  "journalled_at": entry.journalled_at, "clock_known": self.clock_offset is not None,
                  "protected": sorted(self.protected)} | ({"client_identifier": identifier} if identifier else {})
        self._update(lambda data: data["pending"].update({key: record}))
        return key

    def add(self, token_id: int, auth: AuthBase, *, client_id: Any = None, pending: str | None = None,
            grant: str | None = None) -> None:
        """A minted token's id (resolving its pending entry); a `grant`'s revocation takes its refresh token."""
        with self._lock:
            self.live[token_id] = auth
            self.pending.pop(pending or "", None)

        def change(data: dict[str, Any]) -> None:
            data["tokens"][str(token_id)] = {"client_id": str(client_id), "created_at": utcnow()} | (
                {"grant": grant, "with_refresh_token": True} if grant else {})
            data["pending"].pop(pending or "", None)

        self._update(change)

    def settle(self, pending: str) -> None:
        """The pending entry is resolved (answered, or proven by recovery): forget it."""
        with self._lock:
            self.pending.pop(pending, None)
        self._update(lambda data: data["pending"].pop(pending, None))

    def known(self) -> set[int]:
        """Every token id this run minted and read the answer of (live or revoked)."""
        with self._lock:
            return set(self.live) | set(self.revoked)

    def journalled(self) -> set[int]:
        """The token ids in the journal now: this process's, and its sibling xdist workers' live ones
        (each write replaces the journal whole, atomically: a read needs no lock)."""
        return set() if self.journal is None else {int(token_id) for token_id in read_journal(self.journal)["tokens"]}

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
        """The token is revoked (or gone). While a token request's answer is still unresolved, its id
        stays journalled, marked revoked: recovery must never take the run's own token for the lost one."""
        with self._lock:
            self.live.pop(token_id, None)
            self.revoked.append(token_id)

        def change(data: dict[str, Any]) -> None:
            entry = data["tokens"].pop(str(token_id), None)
            if data["pending"]:
                data["tokens"][str(token_id)] = {**(entry or {}), "revoked": True}

        self._update(change)

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
        with self._lock, _locked(self.journal):
            data = read_journal(self.journal)
            change(data)
            if not data["pending"]:  # every answer resolved: the revoked ids kept for recovery can go
                data["tokens"] = {k: v for k, v in data["tokens"].items() if not is_revoked(v)}
            if data["tokens"] or data["pending"]:
                atomic_write(self.journal, json.dumps(data, indent=2, sort_keys=True) + "\n")
            else:  # nothing left to revoke: no journal to find
                self.journal.unlink(missing_ok=True)


def is_revoked(entry: Any) -> bool:
    """A journalled token the run already revoked, kept while a lost answer is unresolved."""
    return isinstance(entry, dict) and entry.get("revoked") is True


@contextlib.contextmanager
def _locked(journal: Path) -> Iterator[None]:
    """The journal's inter-process lock (a run's xdist workers share one journal)."""
    if fcntl is None:
        yield
        return
    journal.parent.mkdir(parents=True, exist_ok=True)
    folder = os.open(journal.parent, os.O_RDONLY)  # the folder's: no lock file is left behind
    try:
        fcntl.flock(folder, fcntl.LOCK_EX)
        yield
    finally:
        os.close(folder)  # and with it the lock


def read_journal(path: Path) -> dict[str, Any]:
    """The journal's contents, `{"tokens": {id: ...}, "pending": {key: ...}}`; empty if absent.

    A journal that exists but cannot be read as one is an error naming the file and the fix:
    reading it as empty would forget the tokens it holds.
    """
    if not path.exists():
        return {"tokens": {}, "pending": {}}
    try:
        data = json.loads(read_limited(path, JOURNAL_LIMIT, what="token journal"))
    except RecursionError:
        data = None
    except ValueError:
        data = None
    if not _is_journal(data):
        raise UsageError(
            f"The token journal {str(path)!r} is not one zdconform wrote (it must be a JSON object "
            "with `tokens` mapping numeric ids and `pending` mapping keys to objects). It may hold "
            "tokens a run left: revoke those in your tenant's admin center, then delete the file.")
    assert isinstance(data, dict)
    data.setdefault("tokens", {})
    data.setdefault("pending", {})
    return data


def _is_journal(data: Any) -> bool:
    if not isinstance(data, dict) or set(data) - {"tokens", "pending"}:
        return False
    tokens, pending = data.get("tokens", {}), data.get("pending", {})
    if not isinstance(tokens, dict) or not isinstance(pending, dict):
        return False
    if not all(isinstance(k, str) and k.isdigit() and isinstance(v, dict) for k, v in tokens.items()):
        return False
    return all(isinstance(e, dict) and isinstance(e.get("client_id"), str)
               and isinstance(e.get("not_before"), str) for e in pending.values())
