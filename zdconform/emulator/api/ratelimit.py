"""The rate limiter: a per-minute request budget, in fixed 60-second windows of monotonic time.

`RateLimiter.take` spends one request and `peek` only looks; both answer a `Budget`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Budget", "RateLimiter"]

WINDOW_SECONDS = 60.0


@dataclass(frozen=True)
class Budget:
    """The outcome of one request against the budget."""

    allowed: bool
    limit: int
    remaining: int
    reset: int


class RateLimiter:
    """Counts requests in a window that opens with the first request after the last one closed."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._opened: float | None = None
        self._used = 0

    def _roll(self) -> int:
        now = self._monotonic()
        if self._opened is None or now - self._opened >= WINDOW_SECONDS:
            self._opened, self._used = now, 0
        return max(1, math.ceil(WINDOW_SECONDS - (now - self._opened)))  # whole seconds

    def take(self, limit: int) -> Budget:
        """Spend one request if the budget allows it."""
        reset = self._roll()
        if self._used >= limit:
            return Budget(False, limit, 0, reset)
        self._used += 1
        return Budget(True, limit, limit - self._used, reset)

    def peek(self, limit: int) -> Budget:
        """The budget as it stands, spending nothing (for injected faults)."""
        reset = self._roll()
        return Budget(self._used < limit, limit, max(0, limit - self._used), reset)
