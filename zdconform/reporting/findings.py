"""Tenant policy findings: what an auditor should know about a tenant's auth settings.

Derived from the tenant profile and what the checks observed: password access enabled,
API token access enabled (with Zendesk's deadlines), OAuth tokens that never expire, and
public OAuth clients. `policy_findings` is pure; `recorded_client_bodies` reads the List
Clients bodies it needs from the run's cassettes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..conformance.endpoints import CLIENTS_PATH
from ..recording.interactions import body_json, try_read_interactions
from ..settings import Profile
from .results import CheckResult

__all__ = ["policy_findings", "recorded_client_bodies"]

SHOWN = 5  # check ids quoted per finding

# (method, who, finding, severity, advice)
_METHOD_FINDINGS = (
    ("password", "email and password", "Password access enabled", "high",
     "Zendesk removed password access to the API in January 2026: turn it off and use OAuth or an "
     "API token."),
    ("api_token", "an API token", "API token access enabled", "medium",
     "Zendesk creates no new API tokens after 2026-10-27 and deactivates all of them on "
     "2027-04-30: move integrations to OAuth."),
)


def policy_findings(profile: Profile | Mapping[str, Any], results: Iterable[CheckResult],
                    client_bodies: Iterable[Any]) -> list[dict[str, str]]:
    """Findings on the tenant's auth policy, each `{finding, severity, detail}`.

    `profile` is a `settings.Profile` or a mapping with an `expect` mapping; `results` are
    the run's check results; `client_bodies` are recorded List OAuth Clients bodies.
    """
    expect = _expect(profile)
    results = list(results)
    findings = []
    for method, who, finding, severity, advice in _METHOD_FINDINGS:
        seen = _allowed_checks(results, method)
        if expect.get(method) == "enabled" or seen:
            why = (f"Checks with {who} succeeded ({_ids(seen)})" if seen
                   else "The tenant profile expects it enabled")
            findings.append({"finding": finding, "severity": severity, "detail": f"{why}. {advice}"})
    never = sorted({r.check_id for r in results
                    if "token_expires_at" in r.details and r.details["token_expires_at"] is None})
    if never:
        findings.append({"finding": "OAuth tokens that never expire", "severity": "medium", "detail": (
            f"Create Token returned tokens with `expires_at: null` ({_ids(never)}): they stay valid "
            "until revoked. Prefer tokens that expire (`expires_in`) with refresh tokens.")})
    alive = sorted({r.check_id for r in results if r.details.get("revoked_token_still_works")})
    if alive:
        findings.append({"finding": "Revoked OAuth tokens keep working", "severity": "high", "detail": (
            f"A token revoked with a 204 still authenticated ({_ids(alive)}). Revoking `current` this way is "
            "a known Zendesk behaviour (community threads 4627188332186, 2022, and 5537132288282, 2023): "
            "revoke tokens by id as an admin and verify with a follow-up request.")})
    public = sorted({f"{c.get('name')!r} (id {c.get('id')})" for body in client_bodies
                     for c in _clients(body) if c.get("kind") == "public"})
    if public:
        findings.append({"finding": "Public OAuth clients", "severity": "low", "detail": (
            f"OAuth clients of kind `public` are registered: {', '.join(public)}. A public client "
            "holds no secret: make sure each is meant to exist and uses PKCE.")})
    return findings


def recorded_client_bodies(results: Iterable[CheckResult]) -> list[Any]:
    """Every List OAuth Clients 200 body recorded in the cassettes of `results`."""
    bodies = []
    for path in sorted({r.cassette for r in results if r.cassette}):
        interactions, _ = try_read_interactions(Path(path))  # missing or corrupt: its record says so
        bodies += [body_json(i["response"]["body"]) for i in interactions
                   if i["method"] == "GET" and i["path"].split("?")[0] == CLIENTS_PATH and i["status"] == 200]
    return bodies


def _expect(profile: Profile | Mapping[str, Any]) -> dict[str, Any]:
    expect = getattr(profile, "expect", None)
    if expect is None and isinstance(profile, Mapping):
        expect = profile.get("expect")
    return dict(expect or {})


def _allowed_checks(results: list[CheckResult], method: str) -> list[str]:
    return sorted({r.check_id for r in results if r.method == method
                   and any(isinstance(s, int) and 200 <= s < 300 for s in r.statuses)})


def _ids(ids: list[str]) -> str:
    more = f" and {len(ids) - SHOWN} more" if len(ids) > SHOWN else ""
    return ", ".join(ids[:SHOWN]) + more


def _clients(body: Any) -> list[dict[str, Any]]:
    clients = body.get("clients") if isinstance(body, dict) else None
    return [c for c in clients or [] if isinstance(c, dict)]
