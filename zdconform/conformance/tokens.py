"""The ledger of OAuth tokens a run creates, so every one is revoked before the run ends.

Every Create Token the suite sends is journalled in `.zdconform/tokens-<target>.json`
(never a token value): first as *pending* (the client id and the time just before the
request), then, once the 201 is read, as the token's id. Revoking removes the entry. If a
run dies, or a connection drops after the tenant minted a token but before the suite read
it, `zdconform cleanup` finds what is left: journalled ids, and for pending entries the
tokens of that client created by this user after that time.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from requests.auth import AuthBase

from .endpoints import token_path
from ..recording.files import atomic_write, utcnow

__all__ = ["TokenLedger", "read_journal"]



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
            atomic_write(self.journal, json.dumps(data, indent=2, sort_keys=True) + "\n")


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
