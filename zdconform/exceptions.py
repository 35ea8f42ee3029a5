"""The exceptions zdconform raises, under one root.

    ZdConformError                    every error zdconform raises on purpose
    ├── UsageError                    bad input from the user: option, env var, file; exit 2
    │   ├── ProfileError              a tenant profile or emulator tenant file is malformed
    │   └── SchemaNotFoundError       a schema name or $id that the registry does not hold
    ├── CassetteError                 a cassette is missing, corrupt or fails verification
    │   ├── CassetteLeakError         a cassette or report about to be written holds a secret
    │   └── NetworkBlockedError       replay tried to reach the network (even a DNS lookup)
    ├── TransportError                the target could not be reached, or kept failing
    │   ├── RetryBudgetExhausted      429/503/resets outlasted the retry budget
    │   └── PreflightError            a live target failed the check before the run (exit_code)
    └── ConformanceFailure            (also AssertionError) the target broke the contract

Every message is one paragraph: what is wrong, naming the thing, and how to fix it. No
message ever carries a secret: callers pass values through `scrub.mask` first, and quote
what a user gave only through `excerpt` (short, escaped, one line).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CassetteError",
    "CassetteLeakError",
    "ConformanceFailure",
    "NetworkBlockedError",
    "PreflightError",
    "ProfileError",
    "RetryBudgetExhausted",
    "SchemaNotFoundError",
    "TransportError",
    "UsageError",
    "ZdConformError",
    "excerpt",
]

EXCERPT_CHARS = 60


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """`value` quoted for a message: escaped (`repr`), on one line, at most `limit` characters
    of it, with the full length named when it was cut."""
    text = value if isinstance(value, str) else repr(value)
    shown = repr(text[:limit]) if isinstance(value, str) else text[:limit]
    return shown if len(text) <= limit else f"{shown}... ({len(text):,} characters)"


class ZdConformError(Exception):
    """Root of every error zdconform raises on purpose."""

    def __init__(self, message: str, *, request: Any = None, response: Any = None) -> None:
        super().__init__(message)
        self.request = request
        self.response = response


class UsageError(ZdConformError):
    """Bad input from the user (option, environment variable, file); the CLI exits 2."""


class ProfileError(UsageError):
    """A tenant profile or an emulator tenant file is malformed."""


class SchemaNotFoundError(UsageError):
    """A schema name or `$id` that the schema registry does not hold."""


class CassetteError(ZdConformError):
    """A cassette is missing, corrupt, or fails verification against its manifest."""


class CassetteLeakError(CassetteError):
    """A cassette or report about to be written still holds a secret; nothing was written."""


class NetworkBlockedError(CassetteError):
    """Replay tried to reach the network, even only to resolve a host name."""


class TransportError(ZdConformError):
    """The target could not be reached, or kept failing after the allowed retries."""


class RetryBudgetExhausted(TransportError):
    """429/503 responses or connection resets outlasted the retry budget."""


class PreflightError(TransportError):
    """A live target failed the preflight: unreachable, not Zendesk, or the credentials refused.

    `exit_code` tells the failures apart for CI (documented in docs/live-runs.md).
    """

    def __init__(self, message: str, *, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class ConformanceFailure(ZdConformError, AssertionError):
    """The target's behaviour broke the contract; pytest counts it as a failure."""
