"""zdconform: a conformance suite for Zendesk API authentication.

PYTEST_DONT_REWRITE: `zdconform run` and `python -m zdconform` import this package before they
start pytest, which would otherwise warn that it can no longer rewrite its asserts (the
plugin's own modules are imported by pytest and rewritten as usual).
"""

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
