"""Fault injection, deterministic: latency, 429 bursts, 503s and connection resets.

A `FaultPlan` arms the tenant's `Fault` records; its `evaluate` answers, per request, a
`FaultHit`: what the faults that fired add up to (a status, a delay, a byte count to reset
after).

Each fault counts the requests that match its `paths`/`methods` filters. It fires on the
matching requests numbered `start` to `start + count - 1` (all from `start` on when `count` is
null), each with `probability`, drawn from `random.Random(seed)`. Counters and draws restart
on `clear()`, so the same request sequence meets the same faults.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fnmatch import fnmatchcase

from ..tenant.model import Fault

__all__ = ["FaultHit", "FaultPlan", "normal_path"]


def normal_path(path: str) -> str:
    """The path without a `.json` suffix, as fault filters compare it."""
    return path[:-5] if path.endswith(".json") else path


@dataclass
class FaultHit:
    """What the faults that fired on one request add up to."""

    status: int | None = None
    retry_after: int = 1
    delay: float = 0.0
    reset_after: int | None = None
    body: str = "text"  # a 429's: the per-minute text, or an endpoint's JSON


class _Armed:
    """One fault with its own counter and random stream."""

    def __init__(self, fault: Fault) -> None:
        self.fault, self.seen, self.rng = fault, 0, random.Random(fault.seed)

    def matches(self, method: str, path: str) -> bool:
        fault = self.fault
        if fault.methods and method not in fault.methods:
            return False
        return not fault.paths or any(fnmatchcase(path, normal_path(pattern))
                                      for pattern in fault.paths)

    def fires(self) -> bool:
        self.seen += 1
        fault = self.fault
        in_window = self.seen >= fault.start and (
            fault.count is None or self.seen < fault.start + fault.count)
        if not in_window:
            return False
        return fault.probability >= 1.0 or self.rng.random() < fault.probability


class FaultPlan:
    """The armed faults of one emulator state."""

    def __init__(self, faults: tuple[Fault, ...]) -> None:
        self._armed = [_Armed(fault) for fault in faults]

    def evaluate(self, method: str, path: str) -> FaultHit | None:
        """The combined effect of every fault that fires on this request, or None."""
        hit, path = FaultHit(), normal_path(path)
        fired = False
        for armed in self._armed:
            if armed.matches(method, path) and armed.fires():
                fired = True
                _apply(hit, armed.fault)
        return hit if fired else None


def _apply(hit: FaultHit, fault: Fault) -> None:
    hit.delay += fault.latency_ms / 1000.0
    if fault.kind == "reset" and hit.reset_after is None:
        hit.reset_after = fault.reset_after_bytes
    elif fault.kind in ("rate_limit", "unavailable") and hit.status is None:
        hit.status = 429 if fault.kind == "rate_limit" else 503
        hit.retry_after = fault.retry_after
        hit.body = fault.body
