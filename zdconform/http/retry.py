"""When to send a request again, and how long to wait first.

The rules, per request (`ZendeskClient.request` keeps one `RetryState` for each call):

- 429 and 503 are retried after `Retry-After` (integer or decimal seconds, or an HTTP-date read
  against the response's `Date`), capped at `max_wait_per_retry`; without the header the wait
  is `default_retry_after`. Safe for every method: the server refused before acting. One
  exception: a non-idempotent request (POST) answered 503 *without* `Retry-After` is returned
  as it is, since a bare 503 from a gateway does not prove the server did nothing.
- Connection errors (reset, dropped, truncated body) and timeouts are retried only for
  idempotent methods (GET, HEAD, OPTIONS, PUT, DELETE), at most `transport_retries` times, after
  `transport_backoff` seconds doubling each time. A POST that fails in transit raises
  `TransportError` at once: retrying it could act twice (mint two tokens).
- Every request is sent at most `max_attempts` times, and its waits add up to at most
  `total_wait_budget` seconds; past either limit `RetryBudgetExhausted` is raised. With
  `max_attempts=1` (`RetryPolicy.off()`) nothing is retried and a 429/503 is returned.

Messages name the method and path (never the query, headers or body), so they hold no secret.
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
import urllib3.exceptions

from ..exceptions import RetryBudgetExhausted, TransportError, UsageError

__all__ = [
    "IDEMPOTENT_METHODS",
    "RETRY_STATUSES",
    "TRANSPORT_ERRORS",
    "ClientEvent",
    "RetryPolicy",
    "RetryState",
    "parse_retry_after",
]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 503})
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
    urllib3.exceptions.ProtocolError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying one request; all times in seconds."""

    max_attempts: int = 5
    max_wait_per_retry: float = 60.0
    total_wait_budget: float = 120.0
    default_retry_after: float = 10.0
    transport_retries: int = 3
    transport_backoff: float = 0.5

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.transport_retries < 0:
            raise UsageError(
                "`RetryPolicy`: `max_attempts` must be >= 1 and `transport_retries` >= 0."
            )
        times = (self.max_wait_per_retry, self.total_wait_budget, self.default_retry_after)
        if min(*times, self.transport_backoff) < 0:
            raise UsageError("`RetryPolicy`: waits and budgets must be >= 0 seconds.")

    @classmethod
    def off(cls) -> RetryPolicy:
        """Send each request once: 429/503 come back to the caller, transport errors raise."""
        return cls(max_attempts=1, transport_retries=0)


@dataclass(frozen=True)
class ClientEvent:
    """One wait the client made: a retry (after `status` or `error`) or pacing."""

    kind: str
    method: str
    path: str
    status: int | None
    error: str | None
    waited: float
    note: str = ""


def _seconds(value: str) -> float | None:
    try:
        seconds = float(value)
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def _date(value: str | None) -> datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def parse_retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from `Retry-After`, or None when absent or unreadable.

    An HTTP-date is measured from the response's own `Date` header (so clock skew between the
    server and this machine does not matter), else from this machine's clock.
    """
    value = headers.get("Retry-After")
    if value is None or not value.strip():
        return None
    seconds = _seconds(value.strip())
    if seconds is not None:
        return seconds
    when = _date(value)
    if when is None:
        return None
    now = _date(headers.get("Date")) or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class RetryState:
    """The retries of one request: counts attempts and waits, decides, or raises."""

    def __init__(self, policy: RetryPolicy, method: str, path: str) -> None:
        self.policy = policy
        self.method = method.upper()
        self.path = path
        self.attempts = 0
        self.transport_failures = 0
        self.waited = 0.0

    def after_response(self, response: requests.Response) -> float | None:
        """Seconds to wait before sending again, or None to hand `response` to the caller."""
        self.attempts += 1
        if response.status_code not in RETRY_STATUSES or self.policy.max_attempts == 1:
            return None
        retry_after = parse_retry_after(response.headers)
        if retry_after is None and response.status_code == 503 and not self._idempotent():
            return None
        wait = self.policy.default_retry_after if retry_after is None else retry_after
        wait = min(wait, self.policy.max_wait_per_retry)
        return self._spend(wait, f"{response.status_code} {response.reason}", response=response)

    def after_error(self, exc: BaseException) -> float:
        """Seconds to wait before sending again after a transport error; raises if unsafe."""
        self.attempts += 1
        self.transport_failures += 1
        name, request = type(exc).__name__, getattr(exc, "request", None)
        if not self._idempotent():
            raise TransportError(self._unsafe_message(name), request=request) from exc
        if self.policy.max_attempts == 1 or self.policy.transport_retries == 0:
            raise TransportError(self._failed_message(name), request=request) from exc
        if self.transport_failures > self.policy.transport_retries:
            raise RetryBudgetExhausted(self._exhausted_message(name), request=request) from exc
        wait = self.policy.transport_backoff * 2 ** (self.transport_failures - 1)
        return self._spend(min(wait, self.policy.max_wait_per_retry), name, request=request)

    def _idempotent(self) -> bool:
        return self.method in IDEMPOTENT_METHODS

    def _spend(self, wait: float, last: str, **context: object) -> float:
        over_attempts = self.attempts >= self.policy.max_attempts
        if over_attempts or self.waited + wait > self.policy.total_wait_budget:
            raise RetryBudgetExhausted(self._exhausted_message(last), **context)
        self.waited += wait
        return wait

    def _exhausted_message(self, last: str) -> str:
        p = self.policy
        return (
            f"zdconform: `{self.method} {self.path}` still failed after {self.attempts} "
            f"attempt(s) (last: {last}), having waited {self.waited:.1f} s in total; the budget "
            f"is {p.max_attempts} attempts and {p.total_wait_budget:.1f} s. The target is "
            "rate-limiting or unavailable: lower the run's concurrency (fewer xdist workers or "
            "parallel runs against this tenant), or raise the budget with "
            "`RetryPolicy(max_attempts=..., total_wait_budget=...)`."
        )

    def _unsafe_message(self, error: str) -> str:
        return (
            f"zdconform: `{self.method} {self.path}` failed in transit ({error}) and was not "
            f"retried: {self.method} is not idempotent, and the server may already have acted "
            "(a second Create Token would mint a second token). Check that the target is "
            "reachable and re-run; to revoke a token this request may have left, run "
            "`zdconform cleanup --target ...`."
        )

    def _failed_message(self, error: str) -> str:
        return (
            f"zdconform: `{self.method} {self.path}` failed in transit ({error}) and retrying "
            "is off (`RetryPolicy.off()`). Check that the target is reachable, or allow "
            "retries with `RetryPolicy(transport_retries=...)`."
        )

