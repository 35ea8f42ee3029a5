"""The emulator's clock: the wall clock, or one frozen instant (`--frozen-time`).

Timestamps the emulator renders (created_at, used_at, expires_at) and expiry decisions use
this clock; rate limiting always uses real monotonic time (see `api.ratelimit`).
`parse_instant` and `render_instant` convert between ISO 8601 text and aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt

from ...exceptions import UsageError

__all__ = ["Clock", "parse_instant", "render_instant"]

UTC = dt.UTC


def parse_instant(text: str) -> dt.datetime:
    """An aware UTC datetime from ISO 8601 text; a value without offset is taken as UTC."""
    try:
        instant = dt.datetime.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise UsageError(
            f"frozen time {text!r} is not an ISO 8601 instant; pass one such as "
            "`2024-05-01T12:00:00Z`."
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC)


def render_instant(instant: dt.datetime) -> str:
    """Zendesk's timestamp format: `2012-04-04T09:14:57Z`."""
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Clock:
    """Now, either the wall clock or a frozen instant."""

    def __init__(self, frozen: dt.datetime | str | None = None) -> None:
        if isinstance(frozen, str):
            frozen = parse_instant(frozen)
        elif frozen is not None and frozen.tzinfo is None:
            frozen = frozen.replace(tzinfo=UTC)
        self.frozen = frozen
        self.offset = dt.timedelta()  # moved by `advance` (the test-only clock door); reset by clear()

    def now(self) -> dt.datetime:
        """The current instant, truncated to whole seconds as Zendesk renders them."""
        instant = (self.frozen or dt.datetime.now(UTC)) + self.offset
        return instant.replace(microsecond=0)

    def advance(self, seconds: float) -> None:
        """Move this clock `seconds` forward (frozen or not): expiry testable in milliseconds."""
        if not seconds >= 0:
            raise UsageError(f"the emulator's clock only moves forward; got {seconds!r} seconds.")
        self.offset += dt.timedelta(seconds=seconds)

    def stamp(self, seconds_later: int = 0) -> str:
        """`now()` plus `seconds_later`, rendered."""
        return render_instant(self.now() + dt.timedelta(seconds=seconds_later))

    def has_passed(self, stamp: str | None) -> bool:
        """True when the rendered instant `stamp` is now or earlier (None never passes)."""
        return stamp is not None and parse_instant(stamp) <= self.now()
