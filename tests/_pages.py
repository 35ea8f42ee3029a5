"""Evidence documents for the page tests: small, valid against schemas/evidence.json, built in process.

`evidence(...)` is a run of a handful of checks against a target of any kind, passing, failing or
partial; `fleet(...)` merges several such runs into a fleet document (`reporting.fleet.build`).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from zdconform.conformance.schemas import load_registry
from zdconform.reporting.fleet import build
from zdconform.reporting.fleet_sources import Source
from zdconform.reporting.results import VERDICTS, CheckResult, cells

REASON = ("zdconform.exceptions.ConformanceFailure: zdconform: List OAuth Clients with API token: expected 200, "
          "got 401. API token access is disabled on this tenant or ZENDESK_EMAIL/ZENDESK_API_TOKEN is wrong.")
TARGETS = {
    "reference-emulator": {"slug": "reference-emulator", "kind": "reference-emulator", "base_url": "",
                           "description": "the reference emulator (built from Zendesk's documentation)"},
    "emulator": {"slug": "acme-copy", "kind": "emulator", "base_url": "", "description": "emulator",
                 "emulator_tenant": {"file": "Acme Copy.yaml", "sha256": "0" * 64}},
    "loopback": {"slug": "127.0.0.1_8080", "kind": "tenant", "base_url": "http://127.0.0.1:8080",
                 "description": "Zendesk tenant http://127.0.0.1:8080"},
    "tenant": {"slug": "acme", "kind": "tenant", "base_url": "https://acme.zendesk.com",
               "description": "Zendesk tenant https://acme.zendesk.com"},
}
# (auth method, endpoint, parameter): a matrix of several methods, endpoints and a shared cell
CHECKS = [("oauth_token", "list_clients", "oauth-bearer"), ("api_token", "list_clients", "api-token"),
          ("password", "list_clients", "email-password"), ("oauth_token", "negative_auth", "revoked-token"),
          ("none", "negative_auth", "no-authorization"), ("oauth_token", "negative_auth", "expired-token"),
          ("oauth_client", "grant_client_credentials_with_a_long_name", "confidential-form")]
STARTED = "2026-12-01T10:00:00Z"


def check(method: str, endpoint: str, param: str, verdict: str, *, recorded: str = STARTED) -> dict[str, Any]:
    """One check's record, its cassette recorded at `recorded`."""
    check_id = f"{endpoint}[{param}]"
    return {"check_id": check_id, "nodeid": f"suites/test_{endpoint}.py::test_{endpoint}[{param}]",
            "target": "t", "target_kind": "tenant", "auth_method": method, "endpoint": endpoint,
            "expected": "denied" if verdict == "expected-denied" else "allowed", "observed_statuses": [200],
            "verdict": verdict, "reason": REASON if verdict == "fail" else "", "phase": "call",
            "duration_seconds": 0.01, "facts": ["F-35"], "contradicted": [], "deviations": [], "details": {},
            "schema": {"verdict": "valid", "source": "re-validated", "validated": 1, "violations": []},
            "cassette": {"path": f"acme/{check_id}.yaml", "exists": False, "readable": False, "sha256": None,
                         "manifest_sha256": None, "verified": False, "recorded_at": recorded,
                         "zdconform_version": "0.1.0", "stale": False, "interactions": []}}


def evidence(target: str = "tenant", failed: tuple[int, ...] = (), *, partial: tuple[str, ...] = (),
             mode: str = "tenant", recorded: str = STARTED, deviation: int | None = None) -> dict[str, Any]:
    """A run of `CHECKS` against `TARGETS[target]`: the checks at the indices `failed` fail, the password
    one is expected-denied; `partial` says why the run is not whole."""
    checks = []
    for index, (method, endpoint, param) in enumerate(CHECKS):
        verdict = "fail" if index in failed else "expected-denied" if method == "password" else "pass"
        checks.append(check(method, endpoint, param, verdict, recorded=recorded))
    if deviation is not None:
        checks[deviation]["deviations"] = [{"fact": "F-16", "expected": "403 JSON", "observed": "403 HTML",
                                            "status": 403, "content_type": "text/html", "body": "<b>no</b>",
                                            "message": "refused with an HTML body where JSON is inferred"}]
    document = {
        "$schema": "https://zdconform.invalid/schemas/evidence.json",
        "product": {"name": "zdconform", "version": "0.1.0", "commit": None},
        "environment": {"python": "3.11.2", "implementation": "CPython", "os": "Linux", "machine": "x86_64",
                        "packages": {"pytest": "9.2.0", "vcrpy": None}},
        "target": copy.deepcopy(TARGETS[target]),
        "profile": {"name": "acme", "expect": {"password": "disabled", "api_token": "enabled", "oauth": "enabled"},
                    "scopes": ["read"]},
        "run": {"mode": mode, "started_at": STARTED, "finished_at": "2026-12-01T10:01:00Z", "duration_seconds": 60,
                "complete": not partial, "partial": list(partial), "selection": None, "unchecked_methods": []},
        "cassettes": {"folder": "acme", "base": "../cassettes", "max_age_days": 90,
                      "staleness_checked": mode == "replay", "stale": []},
        "summary": summary(checks),
        "findings": [{"finding": "Revoked OAuth tokens keep working", "severity": "high", "topic": "policy",
                      "detail": "A token revoked with a 204 still authenticated (negative_auth[revoked-token])."},
                     {"finding": "API tokens deactivated in 150 days", "severity": "info", "topic": "migration",
                      "detail": "Zendesk deactivates every API token on 2027-04-30."}],
        "checks": checks,
    }
    violations = load_registry().validate(document, "evidence")
    assert not violations, violations
    return document


def summary(checks: list[dict[str, Any]]) -> dict[str, Any]:
    """The evidence's summary of `checks`: counts and the matrix (`reporting.results.cells` makes it)."""
    grid = cells(CheckResult(c["nodeid"], c["check_id"], c["endpoint"], c["auth_method"], c["verdict"]) for c in checks)
    matrix: dict[str, dict[str, str]] = {}
    for (method, endpoint), text in grid.items():
        matrix.setdefault(method, {})[endpoint] = text
    return {"total": len(checks), "verdicts": {v: sum(c["verdict"] == v for c in checks) for v in VERDICTS},
            "methods": list(matrix), "endpoints": list(dict.fromkeys(c["endpoint"] for c in checks)), "matrix": matrix}


def fleet(folder: Path, tenants: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The fleet document of `tenants` (name -> evidence), as if each had its reports in `folder`/NAME,
    with an evidence.html there (fleet.html links to it)."""
    sources = []
    for name, document in sorted(tenants.items()):
        reports = folder / "tenants" / name
        reports.mkdir(parents=True, exist_ok=True)
        (reports / "evidence.html").write_text("<!DOCTYPE html>", encoding="utf-8")
        sources.append(Source(name, reports, reports, document, {"verified": True, "detail": "verified"}))
    return build(sources, folder, [folder / "tenants"], "2026-12-01T11:00:00Z")
