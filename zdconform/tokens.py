"""The ledger of OAuth tokens a run creates, so every one is revoked before the run ends.

Each created token is written to a journal (`.zdconform/tokens-<target>.json`: ids and the
client id only, never a token value) the moment it is created, and removed once revoked.
`zdconform cleanup` reads the journal to find tokens an interrupted run left behind.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from requests.auth import AuthBase

from .cassettes import atomic_write

__all__ = ["TokenLedger", "revoke_path"]


def revoke_path(token_id: int | str) -> str:
    return f"/api/v2/oauth/tokens/{token_id}.json"


@dataclass
class TokenLedger:
    """Tokens created and not yet revoked, with the auth that can revoke each."""

    journal: Path | None = None
    live: dict[int, AuthBase] = field(default_factory=dict)
    revoked: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, token_id: int, auth: AuthBase, *, client_id: Any = None) -> None:
        with self._lock:
            self.live[token_id] = auth
            self._journal_update(add={str(token_id): {"client_id": client_id}})

    def revoke(self, client: Any, token_id: int) -> bool:
        """Revoke one token; True when the target confirmed (204, or 404: already gone)."""
        auth = self.live.get(token_id)
        if auth is None:
            return True
        response = client.delete(revoke_path(token_id), auth=auth)
        if response.status_code in (204, 404):
            with self._lock:
                self.live.pop(token_id, None)
                self.revoked.append(token_id)
                self._journal_update(remove=[str(token_id)])
            return True
        return False

    def revoke_all(self, client: Any) -> list[int]:
        """Revoke every token still live; returns the ids that could not be revoked."""
        return [tid for tid in list(self.live) if not self._try(client, tid)]

    def _try(self, client: Any, token_id: int) -> bool:
        try:
            return self.revoke(client, token_id)
        except Exception:  # noqa: BLE001 - cleanup must go on to the next token
            return False

    def _journal_update(self, add: dict[str, Any] | None = None, remove: list[str] | None = None) -> None:
        if self.journal is None:
            return
        data = read_journal(self.journal)
        data.update(add or {})
        for key in remove or []:
            data.pop(key, None)
        atomic_write(self.journal, json.dumps(data, indent=2, sort_keys=True) + "\n")


def read_journal(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
