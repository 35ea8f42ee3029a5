"""`CheckNotes`: what one check notes while it runs, for the plugin to turn into its result.

Kept apart from the check context so that the plugin can hold notes without importing
`requests` in sessions that run no check.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["CheckNotes", "Expected"]

Expected = Literal["allowed", "denied"]


@dataclass
class CheckNotes:
    """What one check notes as it runs; the plugin makes its `CheckResult` from it."""

    cassette: str
    target: str
    expected: Expected | Literal["refused"] | None = None  # the profile's expectation, or "refused"
    method: str | None = None  # the auth method, when the check picks it itself
    statuses: list[int] = field(default_factory=list)  # every status observed, in order
    details: dict[str, Any] = field(default_factory=dict)  # anything else, kept whole
    facts: list[str] = field(default_factory=list)  # ids of the facts the check rests on (the register's)
    contradicted: list[str] = field(default_factory=list)  # facts a failure of the check contradicts
    deviations: list[dict[str, Any]] = field(default_factory=list)  # shape differences on inferred facts
