"""The end of a live run: the expiry probes judged, then every token the run still holds revoked.

- `probe_first`: on a tenant, the expiry probe's check runs first, so that its token is the
  run's oldest and the run's whole length counts towards its expiry (`conformance.expiry`).
- `end_live_run`: before anything is revoked, each expiry probe is judged and its check's
  result amended (pass, fail naming fact F-04, or not exercised with the reason); then
  `revoke_leftovers` revokes what checks left (interrupted, or kept for a probe) and resolves
  the token requests whose answers were never read (`conformance.recovery`). A Ctrl-C or
  SIGTERM meanwhile (often the second: the first stopped the checks) waits for the revocation
  (`interrupts.signals_wait`); one more stops at once, the journal keeping what is left.
- `cleanup_tenant`: `zdconform cleanup` of one tenant (or each of a fleet's), after a run that
  was killed before its end: what its journal names, revoked with the tenant's own credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .exceptions import UsageError, ZdConformError
from .session import write_line

if TYPE_CHECKING:  # the rest is imported when used: the plugin imports this module at pytest's start
    from .run import RunState

__all__ = ["cleanup_tenant", "end_live_run", "probe_first", "revoke_leftovers"]


def probe_first(run: RunState, items: list[pytest.Item]) -> None:
    """On a tenant the expiry probe's check runs first: its token is the run's oldest (`conformance.expiry`)."""
    if run.target.kind == "tenant":
        from .conformance.expiry import PROBE_CHECK
        from .reporting.results import check_id

        items.sort(key=lambda item: not item.get_closest_marker("zd_check") or check_id(item) != PROBE_CHECK)


def end_live_run(session: pytest.Session, run: RunState) -> None:
    """The expiry probes judged before their tokens are revoked; then whatever is left, revoked.
    Meanwhile a Ctrl-C or SIGTERM waits (one line says so; another stops at once)."""
    from .interrupts import signals_wait

    with signals_wait(session, lambda line: write_line(session.config, line, yellow=True)):
        _judge_and_revoke(session, run)


def _judge_and_revoke(session: pytest.Session, run: RunState) -> None:
    from .conformance.expiry import Judgement, judge
    from .http.auth import OAuthBearerAuth
    from .http.client import ZendeskClient
    from .reporting.results import amend

    with ZendeskClient(run.base_url) as client:
        for probe in run.probes:
            try:
                found = judge(probe, client, OAuthBearerAuth(probe.token))
            except ZdConformError as exc:  # the tenant could not be reached: the part is not exercised
                found = Judgement("skipped", f"not exercised: the expired token could not be tried: {exc}",
                                  probe.details() | {"outcome": "not exercised: the tenant could not be reached"})
            amend(run.results, probe.check_id, found.verdict, found.reason,  # type: ignore[arg-type]
                  {"expiry_probe": found.details}, ("F-04",) if found.verdict == "fail" else ())
            write_line(session.config, f"zdconform: {probe.check_id} at the run's end: {found.verdict} "
                       f"({found.details['outcome']})", red=found.verdict == "fail")
            if found.verdict == "fail":
                session.exitstatus = pytest.ExitCode.TESTS_FAILED
    run.probes.clear()
    if run.ledger.live or run.ledger.pending:
        revoke_leftovers(session.config, run)


def revoke_leftovers(config: pytest.Config, run: RunState) -> None:
    """At the end of a live run: revoke what interrupted checks left, one line before and after."""
    from .conformance.recovery import recover_all_pending
    from .http.client import ZendeskClient

    write_line(config, f"zdconform: cleanup: revoking {len(run.ledger.live)} token(s) and resolving "
               f"{len(run.ledger.pending)} unanswered token request(s) left by interrupted checks "
               "(or kept for the expiry probe)")
    with ZendeskClient(run.base_url) as client:
        left = run.ledger.revoke_all(client)
        outcomes = recover_all_pending(client, run.ledger)
    write_line(config, f"zdconform: cleanup: {len(left)} token(s) could not be revoked"
               f"{' (run `zdconform cleanup`)' if left else ''}; "
               f"{sum(o.resolved for o in outcomes)} unanswered token request(s) resolved")
    for outcome in outcomes:
        if not outcome.resolved:
            write_line(config, f"zdconform: {outcome.line()}", yellow=True)


def cleanup_tenant(url: str, journals: Path | None, project: Path, env: Mapping[str, str], *,
                   name: str | None = None, dry_run: bool = False) -> tuple[list[str], int]:
    """`zdconform cleanup` of one tenant, from its journal (in `journals`, else the project's): its
    lines and exit code. `name`: a fleet's tenant, whose journal and variables are its own."""
    from .conformance.recovery import credential_token_ids, run_cleanup
    from .conformance.tokens import read_journal
    from .http.auth import auth_for
    from .http.client import ZendeskClient
    from .settings import AUTH_METHODS, Credentials, journal_path, parse_target

    target = parse_target(url)
    slug = name or target.slug
    if target.kind != "tenant" or target.base_url is None:
        raise UsageError(f"`--target` {url!r}: cleanup works on a tenant URL (the emulator "
                         "and replay keep no tokens between runs).")
    journal = journals / f"tokens-{slug}.json" if journals else journal_path(project, slug)  # where runs journal
    if not journal.exists():
        return [f"Nothing to clean: no journal at {journal} (no run against {target.base_url} left tokens)."], 0
    read_journal(journal)  # a corrupt journal is refused before any request
    creds = Credentials.from_env("admin", env)
    method = next((m for m in AUTH_METHODS if not creds.missing_for(m)), None)
    if method is None:
        raise UsageError(f"cleanup needs an admin credential{f' of the fleet tenant {name!r}' if name else ''}: set "
                         "ZENDESK_OAUTH_TOKEN, or ZENDESK_EMAIL with ZENDESK_API_TOKEN (in a fleet, those kinds).")
    with ZendeskClient(target.base_url) as client:
        users_own, _ = credential_token_ids(client, [Credentials.from_env(r, env) for r in ("admin", "agent")])
        return run_cleanup(client, auth_for(method, creds), journal, dry_run=dry_run, protected=users_own)
