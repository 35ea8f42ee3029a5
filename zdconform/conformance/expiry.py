"""Expiry on a live tenant: the access token minted at the start of the run, tried at its end.

A live tenant's access token lives at least 300 s (fact F-45), and the run does not wait for
it. So the `grant_expiry[expired-token-refused]` check, run first on a tenant, mints a token,
records its `expires_at` (the tenant's time: ours plus the clock offset read from its Date
header) and keeps it alive until the run ends. There, before the token is revoked, `judge`
decides on one thing only, whether the run outlasted the token:

- it did: the token is tried once on List Users. A refusal (401) passes; a success fails the
  check naming the defect (fact F-04, security: the tenant keeps an expired token alive);
- it did not: the check is reported *not exercised*, with the run's and the token's lifetimes,
  and no request is sent.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

from .endpoints import USERS_PATH

__all__ = ["MARGIN_SECONDS", "PROBE_CHECK", "ExpiryProbe", "Judgement", "judge"]

PROBE_CHECK = "grant_expiry[expired-token-refused]"

MARGIN_SECONDS = 2  # Date headers are to the second; the tenant's clock may lag ours a little


@dataclass
class ExpiryProbe:
    """A token kept until the run's end to see it refused after its `expires_in`."""

    check_id: str
    token: str = field(repr=False)
    expires_in: int
    clock_offset: float  # the tenant's clock minus ours
    minted_at: float = field(default_factory=time.time)  # our clock

    def tenant_time(self, moment: float) -> str:
        stamp = dt.datetime.fromtimestamp(moment + self.clock_offset, dt.UTC).replace(microsecond=0)
        return stamp.isoformat().replace("+00:00", "Z")

    @property
    def expires_at(self) -> str:
        return self.tenant_time(self.minted_at + self.expires_in)

    def details(self) -> dict[str, Any]:
        return {"minted_at": self.tenant_time(self.minted_at), "expires_in": self.expires_in,
                "expires_at": self.expires_at, "judged": "at the end of the run, before the token is revoked"}


@dataclass(frozen=True)
class Judgement:
    """What the run's end found: `verdict` pass, fail or skipped (not exercised), and why."""

    verdict: str
    reason: str
    details: dict[str, Any]


def judge(probe: ExpiryProbe, client: Any, auth: Any, now: float | None = None) -> Judgement:
    """Try the probe's token if the run outlasted it; else report the part not exercised."""
    now = time.time() if now is None else now
    lasted = round(now - probe.minted_at)
    details = probe.details() | {"judged_at": probe.tenant_time(now), "run_lasted_seconds": lasted}
    if now < probe.minted_at + probe.expires_in + MARGIN_SECONDS:
        details["outcome"] = "not exercised"
        return Judgement("skipped", (
            f"not exercised: the run lasted {lasted} s after the token was minted, shorter than its lifetime "
            f"of {probe.expires_in} s (expires_at {probe.expires_at}); a run that lasts longer checks that the "
            "tenant refuses it (fact F-04). Nothing was sent."), details)
    status = client.get(USERS_PATH, params={"page[size]": 1}, auth=auth).status_code
    details.update(outcome=f"answered {status}", status=status)
    if 200 <= status < 300:
        return Judgement("fail", (
            f"zdconform: the tenant keeps an expired token alive: the access token minted at the start of the "
            f"run (expires_at {probe.expires_at}, expires_in {probe.expires_in} s) still worked on List Users "
            f"{lasted} s after it was minted, answering {status} (fact F-04, security: a token past its "
            "expiry is refused). Report it to Zendesk; meanwhile revoke tokens as soon as they are done with."),
            details)
    verdict = "pass" if status == 401 else "fail"
    return Judgement(verdict, "" if verdict == "pass" else (
        f"zdconform: List Users with the access token past its expires_at ({probe.expires_at}) answered "
        f"{status}, not the documented 401 (fact F-05)."), details)
