"""zdconform: a conformance suite for Zendesk API authentication."""

from __future__ import annotations

from .exceptions import (
    CassetteError,
    CassetteLeakError,
    ConformanceFailure,
    NetworkBlockedError,
    PreflightError,
    ProfileError,
    RetryBudgetExhausted,
    SchemaNotFoundError,
    TransportError,
    UsageError,
    ZdConformError,
)

__version__ = "0.1.0"

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
    "__version__",
]
