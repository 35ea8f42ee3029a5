"""Tenant findings: what an auditor should know about a tenant's auth settings.

`policy_findings` (topic `policy`): password access enabled, revoked OAuth tokens that keep
working, and what authentication fuzzing found (5xx answers, credentials accepted outside the
Authorization header). `readiness_findings` (topic `migration`): how ready the tenant is for the end of API
tokens on 2027-04-30: the days left (from the run's date, passed in), API tokens still accepted,
OAuth tokens that never expire, a confidential client that can mint server-to-server tokens,
public clients, allowed scopes wider than the profile says the integration needs. Both are pure
functions of the profile, the check results (`details` as the checks noted them) and recorded
List Clients bodies, which `recorded_client_bodies` reads from the run's cassettes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..conformance.endpoints import CLIENTS_PATH
from ..recording.interactions import body_json, try_read_interactions
from ..settings import API_TOKENS_DEACTIVATED, Profile
from .results import CheckResult

__all__ = ["URGENT_DAYS", "policy_findings", "readiness_findings", "recorded_client_bodies"]

SHOWN = 5  # check ids quoted per finding
URGENT_DAYS = 90  # API tokens still accepted this close to their deactivation: high severity

_PASSWORD_ADVICE = ("Zendesk removed password access to the API in January 2026: turn it off and use "
                    "OAuth or an API token.")


def policy_findings(profile: Profile | Mapping[str, Any], results: Iterable[CheckResult]) -> list[dict[str, str]]:
    """Findings on the tenant's auth policy, each `{finding, severity, detail, topic: policy}`.

    `profile` is a `settings.Profile` or a mapping with an `expect` mapping; `results` are
    the run's check results.
    """
    results = list(results)
    findings = []
    seen = _allowed_checks(results, "password")
    if _profile_get(profile, "expect").get("password") == "enabled" or seen:
        why = (f"Checks with email and password succeeded ({_ids(seen)})" if seen
               else "The tenant profile expects it enabled")
        findings.append(_policy("Password access enabled", "high", f"{why}. {_PASSWORD_ADVICE}"))
    alive = sorted({r.check_id for r in results if r.details.get("revoked_token_still_works")})
    if alive:
        findings.append(_policy("Revoked OAuth tokens keep working", "high", (
            f"A token revoked with a 204 still authenticated ({_ids(alive)}). Revoking `current` this way is "
            "a known Zendesk behaviour (community threads 4627188332186, 2022, and 5537132288282, 2023): "
            "revoke tokens by id as an admin and verify with a follow-up request.")))
    return findings + _fuzz_findings(results)


def _fuzz_findings(results: list[CheckResult]) -> list[dict[str, str]]:
    """Authentication fuzzing's findings: 5xx answers to malformed credentials (F-58), credentials
    accepted outside the documented Authorization header (F-61); each names its minimal examples."""
    fuzz = {r.check_id: r.details["fuzz"] for r in results if isinstance(r.details.get("fuzz"), dict)}
    errors = [f"{e} in {check}" for check, f in fuzz.items() for e in f.get("server_errors", [])]
    elsewhere = [f"{e} in {check}" for check, f in fuzz.items() for e in f.get("findings", [])]
    found = []
    if errors:
        found.append(_policy("Server errors on malformed credentials", "medium", (
            f"A malformed credential got a 5xx instead of a 4xx refusal (fact F-58): {'; '.join(errors[:SHOWN])}. "
            "A server error on bad input is a robustness defect, and its path may skip the usual checks: report "
            "it to Zendesk with the example.")))
    if elsewhere:
        found.append(_policy("Credentials accepted outside the Authorization header", "medium", (
            f"A valid token was accepted where Zendesk documents none (fact F-61): {'; '.join(elsewhere[:SHOWN])}. "
            "Tokens sent in URLs or under other schemes end up in logs and proxies.")))
    return found


def readiness_findings(profile: Profile | Mapping[str, Any], results: Iterable[CheckResult],
                       client_bodies: Iterable[Any], today: dt.date) -> list[dict[str, str]]:
    """Migration readiness findings, each `{finding, severity, detail, topic: migration}`.

    `profile` is a `settings.Profile` or a mapping (`expect`, `scopes`, `oauth: {grant,
    allowed_scopes}`); `client_bodies` are recorded List OAuth Clients bodies; `today` is the
    run's date (API tokens are deactivated on 2027-04-30).
    """
    results, bodies = list(results), list(client_bodies)
    left = (API_TOKENS_DEACTIVATED - today).days
    findings = [_deadline(left, today)]
    accepted = _allowed_checks(results, "api_token")
    when = (f"{_days(left)} after this run" if left > 0 else "already past" if left < 0 else "the day of this run")
    deadline = (f"Zendesk creates no new API tokens after 2026-10-27 and deactivates all of them on 2027-04-30 "
                f"({when}): move integrations to OAuth.")
    if accepted:  # what was observed, never what the profile says: a fleet counts tenants by it
        findings.append(_migration("API token access enabled", "high" if left <= URGENT_DAYS else "medium",
                                   f"Checks with an API token succeeded ({_ids(accepted)}). {deadline}"))
    elif _profile_get(profile, "expect").get("api_token") == "enabled":
        findings.append(_migration("API token access expected enabled", "info", (
            "The tenant profile expects API token access enabled, but no check of this run succeeded with an "
            f"API token (none ran, or the tenant refused them). {deadline}")))
    findings += _never_expire(results, bodies)
    findings += _server_to_server(profile, results, bodies)
    public = sorted({f"{c.get('name')!r} (id {c.get('id')})" for body in bodies
                     for c in _clients(body) if c.get("kind") == "public"})
    if public:
        findings.append(_migration("Public OAuth clients", "low", (
            f"OAuth clients of kind `public` are registered: {', '.join(public)}. A public client "
            "holds no secret and cannot use the client credentials grant: make sure each is meant to exist "
            "and uses PKCE.")))
    wider = sorted({f"`{r.details['granted_outside_scope']}` ({r.check_id})" for r in results
                    if r.details.get("granted_outside_scope")})
    if wider:
        needs = " ".join(_needed_scopes(profile))
        findings.append(_migration("Allowed scopes wider than the integration needs", "medium", (
            f"The confidential client was granted {', '.join(wider)}, outside what the profile says the "
            f"integration needs ({needs}). Narrow the client's allowed scopes in Admin Center to those.")))
    return findings


def recorded_client_bodies(results: Iterable[CheckResult]) -> list[Any]:
    """Every List OAuth Clients 200 body recorded in the cassettes of `results`."""
    bodies = []
    for path in sorted({r.cassette for r in results if r.cassette}):
        interactions, _ = try_read_interactions(Path(path))  # missing or corrupt: its record says so
        bodies += [body_json(i["response"]["body"]) for i in interactions
                   if i["method"] == "GET" and i["path"].split("?")[0] == CLIENTS_PATH and i["status"] == 200]
    return bodies


def _deadline(left: int, today: dt.date) -> dict[str, str]:
    if left > 0:
        title, when = f"API tokens deactivated in {_days(left)}", f"{_days(left)} after this run ({today})"
    elif left == 0:
        title, when = "API tokens deactivated today", f"the day of this run ({today})"
    else:
        title, when = "API tokens deactivated", f"{_days(-left)} before this run ({today})"
    return _migration(title, "info", f"Zendesk deactivates every API token on {API_TOKENS_DEACTIVATED}, {when}; "
                      "none can be created since 2026-10-27. Integrations must use OAuth by then.")


def _days(n: int) -> str:
    return f"{n} day{'' if n == 1 else 's'}"


def _never_expire(results: list[CheckResult], bodies: list[Any]) -> list[dict[str, str]]:
    created = sorted({r.check_id for r in results
                      if "token_expires_at" in r.details and r.details["token_expires_at"] is None})
    granted = sorted({r.check_id for r in results if r.method == "oauth_client"
                      and "token_expires_in" in r.details and r.details["token_expires_in"] is None})
    if not (created or granted):
        return []
    seen = ([f"Create Token returned tokens with `expires_at: null` ({_ids(created)})"] if created else []) + (
        [f"the grant endpoint returned tokens without `expires_in` ({_ids(granted)})"] if granted else [])
    ids = sorted({str(r.details["token_client_id"]) for r in results if r.check_id in created
                  and isinstance(r.details.get("token_client_id"), int | str)})
    named = [_client_name(i, bodies) for i in ids] + (
        ["the confidential client of ZENDESK_OAUTH_CLIENT_IDENTIFIER"] if granted else [])
    return [_migration("OAuth tokens that never expire", "medium", (
        f"{'; '.join(seen)}: they stay valid until revoked, as the API tokens they replace did. Clients whose "
        f"tokens never expire: {', '.join(named) or 'not known'}. Prefer tokens that expire (`expires_in`, "
        "5 min to 48 h) with refresh tokens."))]


def _client_name(client_id: str, bodies: list[Any]) -> str:
    """A client as a finding may name it: a public client by its name, any other by its id only."""
    client = next((c for body in bodies for c in _clients(body) if str(c.get("id")) == client_id), {})
    name = client.get("name") if client.get("kind") == "public" else None
    return f"{name!r} (id {client_id})" if isinstance(name, str) else f"id {client_id}"


def _server_to_server(profile: Profile | Mapping[str, Any], results: list[CheckResult],
                      bodies: list[Any]) -> list[dict[str, str]]:
    """Whether a confidential client minted a server-to-server token (client credentials)."""
    minted = sorted({r.check_id for r in results if r.details.get("server_to_server")})
    confidential = sorted({str(c.get("id")) for body in bodies for c in _clients(body)
                           if c.get("kind") == "confidential"})
    listed = (f" The tenant lists {len(confidential)} confidential client(s) (id {', '.join(confidential[:SHOWN])})."
              if confidential else "")
    if minted:
        return [_migration("Confidential client can mint server-to-server tokens", "info", (
            f"The client credentials grant gave a working token ({_ids(minted)}): server-to-server "
            f"integrations have their replacement for API tokens.{listed}"))]
    tried = [r for r in results if r.endpoint == "grant_client_credentials" and r.method == "oauth_client"
             and r.check_id.split("[")[-1].startswith("confidential")]
    if not tried:
        return []  # the grant checks were not selected: nothing observed either way
    needed = _profile_get(profile, "oauth_grant") == "client_credentials"
    why = next((r.reason.splitlines()[0] for r in tried if r.reason), "no check minted a token")
    return [_migration("No confidential client minted server-to-server tokens", "high" if needed else "medium", (
        f"The client credentials grant gave no working token ({_ids(sorted(r.check_id for r in tried))}: {why})."
        f"{listed} Server-to-server integrations need a confidential OAuth client that can use the client "
        "credentials grant before API tokens end."))]


def _needed_scopes(profile: Profile | Mapping[str, Any]) -> tuple[str, ...]:
    oauth = _profile_get(profile, "oauth")
    allowed = _profile_get(profile, "oauth_allowed_scopes") or oauth.get("allowed_scopes")
    return tuple(allowed or _profile_get(profile, "scopes") or ("read", "write"))


def _profile_get(profile: Profile | Mapping[str, Any], name: str) -> Any:
    """A Profile attribute, or the same key of a mapping (`oauth` only in a mapping)."""
    if isinstance(profile, Mapping):
        value = profile.get(name)
        if name == "oauth_grant" and value is None:
            value = (profile.get("oauth") or {}).get("grant")
    else:
        value = getattr(profile, name, None)
    return dict(value or {}) if name in ("expect", "oauth") else value


def _policy(finding: str, severity: str, detail: str) -> dict[str, str]:
    return {"finding": finding, "severity": severity, "detail": detail, "topic": "policy"}


def _migration(finding: str, severity: str, detail: str) -> dict[str, str]:
    return {"finding": finding, "severity": severity, "detail": detail, "topic": "migration"}


def _allowed_checks(results: list[CheckResult], method: str) -> list[str]:
    """Checks a credential of `method` succeeded in; a fuzzed mutation that was granted proves no policy (it
    fails its own check)."""
    return sorted({r.check_id for r in results if r.method == method and r.endpoint != "auth_fuzz"
                   and any(isinstance(s, int) and 200 <= s < 300 for s in r.statuses)})


def _ids(ids: list[str]) -> str:
    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    return ", ".join(ids[:SHOWN]) + more


def _clients(body: Any) -> list[dict[str, Any]]:
    clients = body.get("clients") if isinstance(body, dict) else None
    return [c for c in clients or [] if isinstance(c, dict)]
