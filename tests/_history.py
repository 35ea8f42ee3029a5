"""A history of runs with planted transitions, for the history and notebook tests (fast lane).

Each run's evidence.json is built in process by the real publish code (`evidence.build` with the
run's findings) from check results that differ run to run only where a transition is planted, so
facts, findings and schemas are what a real run would write. `PLANTED` names every transition
the history must find, at its run; `write_history_runs(root)` writes the runs' reports folders
(single runs' for acme, a fleet run's `tenants/NAME/` for beta and gamma) and returns them.
`real_runs` and `real_fleet_weeks` make real runs against the emulator instead (e2e).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from pathlib import Path

from zdconform.reporting import evidence
from zdconform.reporting.publish import findings
from zdconform.reporting.results import CheckResult
from zdconform.runs.state import RunState
from zdconform.settings import profile_from_dict, resolve_options

from _helpers import ROOT

WEEKS = ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23", "2026-11-30"]  # Mondays: one run a week
REVOKE = "token_lifecycle[revoke-by-id]"
REVOKE_FACTS = ("F-35", "F-21", "F-29", "F-26", "F-30", "F-27", "F-55", "F-03", "F-05")
PLANTED = {  # tenant -> (run, kind, subject) exactly
    "acme": {(3, "check-fails", REVOKE), (3, "fact-contradicted", "F-29"),
             (5, "check-recovers", REVOKE), (5, "fact-confirmed", "F-29")},
    "beta": {(4, "api-token-access-off", "api_token_access"), (4, "finding-disappears", "API token access enabled")},
    "gamma": set(),
}
DIGESTS = {"acme": ["a" * 64, "a" * 64, "b" * 64, "b" * 64, "c" * 64]}  # the recording changed at runs 3 and 5


def result(check_id: str, method: str, statuses: tuple[int, ...], facts: tuple[str, ...], *,
           verdict: str = "pass", expected: str = "allowed", contradicted: tuple[str, ...] = ()) -> CheckResult:
    reason = "zdconform: the revoked token still authenticated" if verdict == "fail" else ""
    return CheckResult(check=f"suites/test_x.py::test_{check_id}", check_id=check_id,
                       endpoint=check_id.split("[")[0], method=method, verdict=verdict,  # type: ignore[arg-type]
                       reason=reason, expected=expected, statuses=statuses, facts=facts, contradicted=contradicted)


def results(*, revoke_fails: bool = False, api_tokens: bool = True) -> list[CheckResult]:
    """The run's checks: two with an API token (refused when `api_tokens` is off), OAuth, a revocation."""
    token = ((200, 201), "pass", "allowed") if api_tokens else ((401,), "expected-denied", "denied")
    revoke = dict(verdict="fail", contradicted=("F-29",)) if revoke_fails else {}
    return [
        result("create_token[oauth-bearer]", "oauth_token", (200, 201), ("F-35", "F-21")),
        result("create_token[api-token]", "api_token", token[0], ("F-35",), verdict=token[1], expected=token[2]),
        result("list_clients[api-token]", "api_token", token[0][:1], ("F-35",), verdict=token[1], expected=token[2]),
        result("negative_auth[wrong-password]", "password", (401,), ("F-01", "F-02"), expected="refused"),
        result(REVOKE, "oauth_token", (200, 201, 204, 401), REVOKE_FACTS, expected="refused", **revoke),
    ]


def build_evidence(started_at: str, checks: list[CheckResult], *, tenant: str | None = None,
                   api_token: str = "enabled", digest: str | None = None) -> dict:
    """The evidence document a run of `checks` starting at `started_at` writes (real publish code)."""
    options = resolve_options({}, {}, {}, ROOT)
    info = RunState.open(options, env={}, start=False).info()
    profile = profile_from_dict({"name": "history-policy", "expect": {"password": "disabled", "api_token": api_token,
                                                                      "oauth": "enabled"}}, origin="test")
    manifest = {**info.manifest, "manifest_sha256": digest} if digest else info.manifest
    info = dataclasses.replace(info, profile=profile, started_at=started_at, tenant=tenant, manifest=manifest,
                               session={"complete": True, "partial": [], "selection": None, "unchecked_methods": []})
    return evidence.build(info, checks, findings(info, checks))


def write(folder: Path, document: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "evidence.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return folder


def write_history_runs(root: Path) -> list[Path]:
    """Five weekly reports folders: acme's single run and a fleet run of beta and gamma each week."""
    folders = []
    for week, day in enumerate(WEEKS, start=1):
        acme = build_evidence(f"{day}T06:00:00Z", results(revoke_fails=week in (3, 4)), tenant="acme",
                              digest=DIGESTS["acme"][week - 1])
        folders.append(write(root / f"acme-{day}", acme))
        fleet = root / f"fleet-{day}"
        off = week >= 4
        write(fleet / "tenants" / "beta", build_evidence(f"{day}T07:00:00Z", results(api_tokens=not off),
                                                         tenant="beta", api_token="disabled" if off else "enabled"))
        write(fleet / "tenants" / "gamma", build_evidence(f"{day}T07:00:01Z", results(), tenant="gamma"))
        folders.append(fleet)
    return folders


REAL_RUNS = {  # run -> (emulator settings, what the profile expects of API tokens): real runs, one tenant
    1: ({}, "enabled"),
    2: ({"misbehave": {"revoke_is_noop": True}}, "enabled"),  # revocation does nothing: its checks fail
    3: ({"api_token_access": False}, "disabled"),  # API tokens switched off, as the profile now says
}
REAL_FAILING = {"negative_auth[revoked-token]", "token_lifecycle[revoke-by-id]", "token_lifecycle[revoke-current]"}


def real_runs(root: Path) -> None:
    """Three real runs of the suites against the emulator as tenant `acme` (`root`/run-N/reports and
    cassettes), in `REAL_RUNS`' order; each evidence names the tenant as a fleet run's would."""
    from _fleet import run_tenant

    for number, (settings, api_token) in REAL_RUNS.items():
        with contextlib.ExitStack() as emulators:
            run_tenant(root / f"run-{number}", "acme", settings, api_token, emulators)


def real_fleet_weeks(root: Path) -> None:
    """Two real fleet runs of three emulated tenants (`root`/week-N/reports and cassettes); t002 has API token
    access switched off in the second. The first run's evidence is dated a week back, as a weekly job's would be."""
    import datetime as dt
    import subprocess
    import sys

    from _fleet import fleet_env, write_fleet

    from zdconform.emulator import FleetEmulator
    from zdconform.emulator.tenant.fleetgen import generate_fleet

    from _helpers import child_env

    for week in (1, 2):
        tenants = [t.data for t in generate_fleet(7, 3, defect_rate=0)]
        tenants[1]["settings"]["api_token_access"] = week == 1
        folder = root / f"week-{week}"
        with FleetEmulator(tenants) as emulator:
            fleet = write_fleet(folder, emulator)
            done = subprocess.run([sys.executable, "-m", "zdconform", "run", "--fleet", str(fleet), "--reports",
                                   str(folder / "reports"), f"--zd-cassette-root={folder / 'cassettes'}",
                                   "-p", "no:cacheprovider"], cwd=ROOT, env={**child_env(), **fleet_env()},
                                  capture_output=True, text=True, timeout=600)
        assert (folder / "reports" / "tenants").is_dir(), done.stdout[-3000:] + done.stderr[-3000:]
    for path in (root / "week-1" / "reports" / "tenants").glob("*/evidence.json"):
        document = json.loads(path.read_text())
        started = dt.datetime.fromisoformat(document["run"]["started_at"].replace("Z", "+00:00"))
        document["run"]["started_at"] = (started - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
        path.write_text(json.dumps(document, indent=2) + "\n")
