"""The end of a live run, and what a live run must have checked.

- `probe_first`: on a tenant, the expiry probe's check runs first, so that its token is the
  run's oldest and the run's whole length counts towards its expiry (`conformance.expiry`).
- `end_live_run`: before anything is revoked, each expiry probe is judged and its check's
  result amended (pass, fail naming fact F-04, or not exercised with the reason); then
  `revoke_leftovers` revokes what checks left (interrupted, or kept for a probe) and resolves
  the token requests whose answers were never read (`conformance.recovery`). The session waits
  out signals meanwhile (`zdconform.pytest.signals`).
- `unchecked_methods`: the methods the profile expects enabled that a live run left unchecked
  for lack of credentials (such a run fails: green means tested).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from ..conformance.expiry import PROBE_CHECK, Judgement, judge
from ..conformance.recovery import recover_all_pending
from ..exceptions import ZdConformError
from ..http.auth import OAuthBearerAuth
from ..http.client import ZendeskClient
from ..reporting.results import CheckResult, amend, check_id
from ..settings import AUTH_METHODS
from .state import RunState

__all__ = ["end_live_run", "probe_first", "revoke_leftovers", "unchecked_message", "unchecked_methods"]

Say = Callable[..., None]  # one terminal line now: say(text, red=..., yellow=...)


def probe_first(items: list[pytest.Item]) -> None:
    """The expiry probe's check runs first: its token is the run's oldest (`conformance.expiry`)."""
    items.sort(key=lambda item: not item.get_closest_marker("zd_check") or check_id(item) != PROBE_CHECK)


def end_live_run(run: RunState, say: Say) -> bool:
    """The expiry probes judged before their tokens are revoked; then whatever is left, revoked.
    True when a probe failed (the run fails, though its checks passed)."""
    failed = False
    with ZendeskClient(run.base_url) as client:
        for probe in run.probes:
            try:
                found = judge(probe, client, OAuthBearerAuth(probe.token))
            except ZdConformError as exc:  # the tenant could not be reached: the part is not exercised
                found = Judgement("skipped", f"not exercised: the expired token could not be tried: {exc}",
                                  probe.details() | {"outcome": "not exercised: the tenant could not be reached"})
            amend(run.results, probe.check_id, found.verdict, found.reason,  # type: ignore[arg-type]
                  {"expiry_probe": found.details}, ("F-04",) if found.verdict == "fail" else ())
            say(f"zdconform: {probe.check_id} at the run's end: {found.verdict} ({found.details['outcome']})",
                red=found.verdict == "fail")
            failed |= found.verdict == "fail"
    run.probes.clear()
    if run.ledger.live or run.ledger.pending:
        revoke_leftovers(run, say)
    return failed


def revoke_leftovers(run: RunState, say: Say) -> None:
    """At the end of a live run: revoke what interrupted checks left, one line before and after."""
    say(f"zdconform: cleanup: revoking {len(run.ledger.live)} token(s) and resolving {len(run.ledger.pending)} "
        "unanswered token request(s) left by interrupted checks (or kept for the expiry probe)")
    with ZendeskClient(run.base_url) as client:
        left = run.ledger.revoke_all(client)
        outcomes = recover_all_pending(client, run.ledger, run.credentials.get("admin"))
    say(f"zdconform: cleanup: {len(left)} token(s) could not be revoked{' (run `zdconform cleanup`)' if left else ''}; "
        f"{sum(o.resolved for o in outcomes)} unanswered token request(s) resolved")
    for outcome in outcomes:
        if not outcome.resolved:
            say(f"zdconform: {outcome.line()}", yellow=True)


def unchecked_methods(run: RunState, results: Sequence[CheckResult]) -> list[dict[str, Any]]:
    """Methods the profile expects enabled whose checks a live run skipped for lack of credentials."""
    if not run.target.is_live or run.options.allow_missing_credentials:
        return []
    admin = run.credentials.get("admin")
    found: dict[str, list[str]] = {}
    for result in results:
        method = next((m for m in AUTH_METHODS if m == result.method), None)
        if result.verdict != "skipped" or admin is None or method is None:
            continue
        missing = admin.missing_for(method)
        if missing and run.profile.expects(method) == "enabled":
            found[method] = missing
    return [{"method": method, "variables": variables} for method, variables in sorted(found.items())]


def unchecked_message(unchecked: list[dict[str, Any]], profile: str) -> str:
    """The paragraph that fails a live run that left expected-enabled methods unchecked."""
    named = "; ".join(f"{u['method']} (set {' and '.join(u['variables'])})" for u in unchecked)
    return (f"zdconform: FAILED: the profile {profile!r} expects these methods enabled, but this live run "
            f"could not check them for lack of credentials: {named}. A green run must have checked what "
            "it claims; set the variables, or pass `--zd-allow-missing-credentials` "
            "(ZDCONFORM_ALLOW_MISSING_CREDENTIALS=1) to accept an incomplete run.")
