"""`zdconform cleanup`: what a run killed before its end left on a tenant, revoked.

`cleanup_tenant` reads the tenant's token journal (what a run created and had not yet revoked,
and the token requests whose answers it never read) and revokes what it can prove the run's, with
the tenant's own admin credential (`conformance.recovery`): never a token that existed before the
run, nor one of the user's own credentials.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..conformance.recovery import credential_token_ids, run_cleanup, working_auth
from ..conformance.tokens import read_journal
from ..exceptions import UsageError
from ..http.client import ZendeskClient
from ..settings import AUTH_METHODS, Credentials, journal_path, parse_target

__all__ = ["cleanup_tenant"]


def cleanup_tenant(url: str, journals: Path | None, project: Path, env: Mapping[str, str], *,
                   name: str | None = None, dry_run: bool = False) -> tuple[list[str], int]:
    """`zdconform cleanup` of one tenant, from its journal (in `journals`, else the project's): its
    lines and exit code. `name`: a fleet's tenant, whose journal and variables are its own."""
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
    whose = f" of the fleet tenant {name!r}" if name else ""
    if not any(not creds.missing_for(m) for m in AUTH_METHODS):
        raise UsageError(f"cleanup needs an admin credential{whose}: set ZENDESK_OAUTH_TOKEN, or ZENDESK_EMAIL with "
                         "ZENDESK_API_TOKEN (in a fleet, those kinds).")
    with ZendeskClient(target.base_url) as client:
        auth = working_auth(client, [creds])  # never one the tenant refuses: it could list nothing
        if auth is None:
            raise UsageError(f"{target.base_url} accepts none of the admin credentials given{whose} (each was tried "
                             "on the token list): set one that works (ZENDESK_OAUTH_TOKEN, or ZENDESK_EMAIL with "
                             f"ZENDESK_API_TOKEN), then run cleanup again. The journal {str(journal)!r} is kept.")
        users_own, _ = credential_token_ids(client, [Credentials.from_env(r, env) for r in ("admin", "agent")])
        return run_cleanup(client, auth, journal, dry_run=dry_run, protected=users_own)
