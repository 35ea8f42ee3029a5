"""What a request handler gets: the parsed request, the caller, and the state to act on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from zdconform.emulator.auth import Principal
from zdconform.emulator.state import State

__all__ = ["Call", "Request"]


@dataclass(frozen=True)
class Request:
    """An HTTP request as the server read it; header names are lower-case."""

    method: str
    target: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    host: str


@dataclass(frozen=True)
class Call:
    """One authorised call to an endpoint handler."""

    state: State
    request: Request
    principal: Principal | None
    params: Mapping[str, str]
    base: str

    @property
    def extra(self) -> bool:
        """Whether the `extra_fields` setting is on."""
        return self.state.settings.extra_fields

    def first(self, key: str) -> str | None:
        """The first value of query parameter `key`, or None."""
        values = self.request.query.get(key)
        return values[0] if values else None
