"""Rate-limit aware pacing: read what the server says is left, and spread what we send.

Header families read (names case-insensitive; the tightest family, by requests remaining, wins):

    X-Rate-Limit / X-Rate-Limit-Remaining                       every Zendesk response
    ratelimit-limit / ratelimit-remaining / ratelimit-reset     2024 onwards (reset in seconds)
    rate-limit / rate-limit-remaining / rate-limit-reset        2023 recordings

The rule: while `remaining` is at or above the reserve (`max(reserve_minimum,
ceil(reserve_fraction * limit))`, 20 on a 200/min plan) nothing waits, so a run with an ample
budget never sleeps. Below it, the next request waits `window_left / max(remaining, 1)` after
the last response, where `window_left` is `reset + 1` s (one second covers a reset rounded
down) when a reset is sent, else the whole 60 s window. Spacing over the whole window when the
reset is unknown is the safe choice for a fixed window (60 / limit, the steady rate, would run
a fixed window dry) and costs little on a sliding one. At `remaining == 0` that is a wait for
the window to reset. No single wait exceeds the window.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["FAMILIES", "Pacer", "RateLimit", "read_rate_limit"]

FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("x-rate-limit", "x-rate-limit-remaining", "x-rate-limit-reset"),
    ("ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"),
    ("rate-limit", "rate-limit-remaining", "rate-limit-reset"),
)
_LEADING_NUMBER = re.compile(r"\s*(\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class RateLimit:
    """What one response said about the rate limit: `reset` is seconds to the window's end."""

    limit: int
    remaining: int
    reset: float | None = None


def _number(value: str | None) -> float | None:
    """`700`, `700;w=60` and `41.5` read as numbers; anything else as None."""
    match = _LEADING_NUMBER.match(value) if value else None
    return float(match.group(1)) if match else None


def _read_family(headers: Mapping[str, str], names: tuple[str, str, str]) -> RateLimit | None:
    limit, remaining, reset = (_number(headers.get(name)) for name in names)
    if limit is None or remaining is None or limit <= 0:
        return None
    return RateLimit(int(limit), int(remaining), reset)


def read_rate_limit(headers: Mapping[str, str]) -> RateLimit | None:
    """The tightest rate limit the headers announce, or None when they announce none."""
    lowered = {key.lower(): value for key, value in headers.items()}
    found = [rl for names in FAMILIES if (rl := _read_family(lowered, names)) is not None]
    if not found:
        return None
    tightest = min(found, key=lambda rl: rl.remaining)
    resets = [rl.reset for rl in found if rl.reset is not None]
    if tightest.reset is None and resets:
        return RateLimit(tightest.limit, tightest.remaining, min(resets))
    return tightest


class Pacer:
    """Turns the last response's rate-limit headers into a wait before the next request."""

    def __init__(
        self, *, reserve_fraction: float = 0.1, reserve_minimum: int = 5, window: float = 60.0
    ) -> None:
        self.reserve_fraction = reserve_fraction
        self.reserve_minimum = reserve_minimum
        self.window = window
        self.last: RateLimit | None = None
        self._not_before = -math.inf

    def reserve(self, limit: int) -> int:
        """How many requests of the window are kept back before pacing starts."""
        return max(self.reserve_minimum, math.ceil(limit * self.reserve_fraction))

    def spacing(self, rl: RateLimit) -> float:
        """Seconds between requests that keeps `rl.remaining` from running out this window."""
        if rl.remaining >= self.reserve(rl.limit):
            return 0.0
        window_left = self.window if rl.reset is None else min(rl.reset + 1.0, self.window)
        return window_left / max(rl.remaining, 1)

    def observe(self, headers: Mapping[str, str], now: float) -> None:
        """Take in a response's headers, received at `now` on the client's clock."""
        rl = read_rate_limit(headers)
        if rl is not None:
            self.last = rl
            self._not_before = now + self.spacing(rl)

    def delay(self, now: float) -> float:
        """Seconds to wait at `now` before the next request may go."""
        return max(0.0, self._not_before - now)
