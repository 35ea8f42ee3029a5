"""vcrpy request matchers registered by the plugin.

The host, port and scheme are deliberately not matched: the reference emulator listens on
a random port, and a tenant's cassettes replay under any base URL. Headers are not matched
either, so a request carrying a redacted credential still finds its interaction.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["same_body", "same_path"]


def same_path(r1: Any, r2: Any) -> None:
    assert r1.path == r2.path, f"path {r1.path!r} != {r2.path!r}"


def same_body(r1: Any, r2: Any) -> None:
    assert _normal(r1.body) == _normal(r2.body), "bodies differ"


def _normal(body: bytes | str | None) -> Any:
    if not body:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        return json.loads(text)
    except ValueError:
        return text
