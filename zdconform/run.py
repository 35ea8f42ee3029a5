"""The state of one conformance run: target, profile, credentials, cassettes, secrets, results.

`RunState.open` turns resolved `settings.Options` into a run: it starts the emulator when
the target asks for it, loads the cassette folder and its manifest, and registers every
known secret. `RunState.info()` is what the reports need to know of it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import secrets as _secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from . import __version__
from .conformance.notes import CheckNotes
from .conformance.tokens import TokenLedger
from .exceptions import UsageError
from .http.pacing import Pacer
from .recording.files import check_writable_folder, sha256_file, utcnow
from .recording.scrub import REDACTED, Scrubber, SecretSet
from .recording.store import CassetteStore
from .reporting.results import CheckResult, RunInfo, fold, result_of
from .settings import (
    AUTH_METHODS,
    CLIENT_ID_VAR,
    Credentials,
    Options,
    Profile,
    Target,
    default_profile,
    journal_path,
    load_profile,
    parse_target,
    profile_from_dict,
    require_client_secret,
)

__all__ = ["RunState", "unchecked_message", "unchecked_methods"]

REFERENCE_DESCRIPTION = ("zdconform reference emulator (a local stand-in built from Zendesk's "
                         "documentation; not a real Zendesk tenant)")
# Emulator recordings use a frozen clock so that re-recording gives identical files.
EMULATOR_FROZEN_TIME = "2026-11-01T12:00:00Z"
_REPORTS_FIX = "Give `--zd-reports` (or ZDCONFORM_REPORTS) a folder you can write to."
REFERENCE_PROFILE = {"name": "reference-emulator",
                     "expect": {"password": "disabled", "api_token": "enabled", "oauth": "enabled"},
                     "oauth_client": "OAuth client for my app", "scopes": ["read", "write"],
                     "oauth": {"grant": "client_credentials", "allowed_scopes": ["read", "write"]}}


@dataclass
class RunState:
    """Everything a run shares between its checks."""

    options: Options
    target: Target
    profile: Profile
    credentials: dict[str, Credentials]
    store: CassetteStore
    secrets: SecretSet
    scrubber: Scrubber
    ledger: TokenLedger
    base_url: str
    emulator: Any = None
    sleep: Callable[[float], None] | None = None
    results: list[CheckResult] = field(default_factory=list)
    started_at: str = ""
    pacer: Pacer = field(default_factory=Pacer)  # one view of the tenant's rate limit per run
    probes: list[Any] = field(default_factory=list)  # tokens kept to the run's end (`conformance.expiry`)
    client_id: str | None = None  # a tenant's OAuth client id (ZENDESK_OAUTH_CLIENT_ID, or its fleet variable)
    client_id_var: str = CLIENT_ID_VAR  # what messages call that variable

    @classmethod
    def open(cls, options: Options, env: Mapping[str, str] | None = None, *, start: bool = True,
             preflight: bool = False) -> RunState:
        """The run of `options`; with `start=False` (a pytest-xdist controller), one that only
        describes it: no emulator started, no journal kept. A live run records into the staging
        folder of `options.run_id` (shared by a run's pytest-xdist workers), committed at its end.
        With `preflight`, a tenant's preflight (`http.preflight`) runs before anything is asked of it
        (a fleet's tenant: a single run's preflight runs at the session's start)."""
        env = os.environ if env is None else env
        target = parse_target(options.target, replay_from=options.replay_from)
        if options.tenant:  # a fleet's tenant: its folders carry its fleet name
            target = dataclasses.replace(target, slug=options.tenant)
        check_writable_folder(options.reports, "reports folder", _REPORTS_FIX)  # before any check runs
        tenant_file = TenantFile.read(options.emulator_tenant) if target.kind == "emulator" else None
        if tenant_file is not None:  # never recorded as the reference: a folder of its own
            target = dataclasses.replace(target, slug=tenant_file.slug)
        folder = options.cassette_root / target.slug
        store = CassetteStore(folder, recording=target.is_live, verify=not options.allow_unverified)
        if target.is_live:
            from .recording.staging import new_run_id, staging_folder, sweep
            if start:
                sweep(folder)  # what killed recordings of this target left behind
            store.staging = staging_folder(folder, options.run_id or new_run_id())
        secrets = SecretSet()
        emulator, base_url, creds = None, target.base_url or "", _env_credentials(env, options.credential_names)
        if target.kind == "emulator":
            # recordings name no port: https://reference-emulator.invalid, https://emulator-<name>.invalid
            base_url, creds = f"https://{target.slug}.invalid", _emulator_credentials()
        elif target.kind == "replay":
            base_url = _replay_base(store, folder)
            creds = _placeholder_credentials()
        canonical = base_url
        profile = _profile(options, target, store)
        require_client_secret(profile, creds.get("oauth_client"), live=target.kind == "tenant")
        store.secrets = secrets
        store.label = _label(target, canonical, profile, tenant_file, store.manifest)
        if target.kind == "emulator" and start:  # last: a refused plan starts nothing
            emulator = _start_emulator(tenant_file)
            base_url = emulator.url
        for role in creds.values():
            _register(secrets, role)
        if target.kind == "emulator":
            _register_emulator_secrets(secrets)
        key = _pseudonym_key(target, env)
        scrubber = Scrubber(secrets, key, {base_url: canonical} if base_url != canonical else {})
        journal = journal_path(options.project, target.slug)  # one place, whatever the cassette root
        ledger = TokenLedger(journal if target.is_live and start else None)
        if preflight and start and target.kind == "tenant":  # raises PreflightError: nothing was asked of it
            from .http.preflight import preflight as check_tenant
            check_tenant(base_url, profile, creds["admin"])
        if target.is_live and start:  # tokens that exist now, the user's own among them, are never the run's
            from .conformance.recovery import protect_existing
            protect_existing(ledger, base_url, creds)
        return cls(options, target, profile, creds, store, secrets, scrubber, ledger, base_url, emulator,
                   sleep=(lambda _s: None) if target.kind == "replay" else None,
                   started_at=utcnow(), client_id=env.get(CLIENT_ID_VAR) if target.kind == "tenant" else None,
                   client_id_var=(options.credential_names or {}).get(CLIENT_ID_VAR, CLIENT_ID_VAR))

    def info(self) -> RunInfo:
        """What the reports need to know of this run."""
        return RunInfo(slug=self.target.slug, mode=self.target.kind, is_reference=self.target.is_reference,
                       is_live=self.target.is_live, profile=self.profile, label=dict(self.store.label),
                       manifest=self.store.manifest, cassette_folder=self.store.folder,
                       cassette_root=self.options.cassette_root, reports=self.options.reports,
                       max_age_days=self.options.max_age_days, started_at=self.started_at,
                       secrets=self.secrets, scrub=self.scrubber.message, tenant=self.options.tenant)

    def record(self, item: pytest.Item, report: pytest.TestReport, notes: CheckNotes | None) -> None:
        """Fold one phase of a check into the run's results (a failure in any phase wins)."""
        if report.when == "call" or not report.passed:
            notes = notes or CheckNotes(cassette="", target=self.target.slug)
            fold(self.results, result_of(item, report, notes, self.scrubber.message))

    def close(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None


def _env_credentials(env: Mapping[str, str], names: Mapping[str, str] | None) -> dict[str, Credentials]:
    creds = {role: Credentials.from_env(role, env) for role in ("admin", "agent", "expired", "oauth_client")}
    if names:  # a fleet's tenant: messages name its own variables
        creds = {role: dataclasses.replace(c, source={k: names.get(v, v) for k, v in c.source.items()})
                 for role, c in creds.items()}
    return creds


def _placeholder_credentials() -> dict[str, Credentials]:
    """Replay needs no secrets: headers are redacted in cassettes and not matched on."""
    fake = {"email": "replay@example.invalid", "password": REDACTED, "api_token": REDACTED,
            "oauth_token": REDACTED, "client_identifier": "replay-client", "client_secret": REDACTED}
    return {role: _credentials(role, fake) for role in ("admin", "agent", "end_user", "expired", "oauth_client")}


def _credentials(role: str, values: Mapping[str, Any]) -> Credentials:
    """Credentials for `role` from a mapping holding any of email/password/tokens."""
    names = ("email", "password", "api_token", "oauth_token", "client_identifier", "client_secret")
    return Credentials(role=role, **{name: values.get(name) for name in names})  # type: ignore[arg-type]


def _emulator_credentials() -> dict[str, Credentials]:
    from .emulator import DEFAULT_CREDENTIALS  # only emulator runs pay for it

    creds = {role: _credentials(role, DEFAULT_CREDENTIALS[role])
             for role in ("admin", "agent", "end_user", "oauth_client")}  # the end user exists only here
    creds["expired"] = Credentials(role="expired", oauth_token=DEFAULT_CREDENTIALS["expired_oauth_token"])
    return creds


def _start_emulator(tenant_file: TenantFile | None) -> Any:
    from .emulator import ZendeskEmulator

    emulator = ZendeskEmulator(tenant=tenant_file.tenant if tenant_file else None, frozen_time=EMULATOR_FROZEN_TIME)
    return emulator.start()


@dataclass(frozen=True)
class TenantFile:
    """The emulator's tenant file of a run (`--zd-emulator-tenant`), read and validated when the run is
    planned: its recording goes to `cassettes/emulator-<name>/`, never to the reference's folder, and
    the manifest and evidence name the file and its SHA-256."""

    path: Path
    sha256: str
    tenant: Any

    @classmethod
    def read(cls, given: str | None) -> TenantFile | None:
        if not given:
            return None
        from .emulator import load_tenant

        path = Path(given)
        tenant = load_tenant(path)  # a bad file is refused here, in one paragraph, before anything is touched
        return cls(path, sha256_file(path), tenant)

    @property
    def slug(self) -> str:
        name = re.sub(r"[^a-z0-9_-]+", "-", self.path.stem.lower()).strip("-")
        return f"emulator-{name or 'tenant'}"

    def label(self) -> dict[str, str]:
        return {"file": self.path.name, "sha256": self.sha256}


def _register_emulator_secrets(secrets: SecretSet) -> None:
    from .emulator import DEFAULT_CREDENTIALS

    for key, value in DEFAULT_CREDENTIALS.items():
        if isinstance(value, dict):
            _register(secrets, _credentials(key, value))
        elif key.endswith(("_token", "_secret")) and isinstance(value, str):
            secrets.add(value, f"the emulator's {key}")


def _register(secrets: SecretSet, creds: Credentials) -> None:
    from .http.auth import ApiTokenAuth, PasswordAuth  # imported late: plugin start-up stays light

    for name in ("password", "api_token", "oauth_token", "client_secret"):
        value = getattr(creds, name)
        if value and value != REDACTED:
            secrets.add(value, f"{creds.role} {name}")
    if creds.email and creds.api_token and creds.api_token != REDACTED:
        for variant in ApiTokenAuth(creds.email, creds.api_token).secrets():
            secrets.add(variant, f"{creds.role} API token Basic credential")
    if creds.email and creds.password and creds.password != REDACTED:
        for variant in PasswordAuth(creds.email, creds.password).secrets():
            secrets.add(variant, f"{creds.role} password Basic credential")


def _replay_base(store: CassetteStore, folder: Path) -> str:
    base = store.manifest.get("target", {}).get("base_url")
    if not base:
        raise UsageError(
            f"There are no recorded cassettes to replay in {str(folder)!r} (no MANIFEST.json with a "
            "target). Record them first: `zdconform run --target emulator`, or pick another "
            "recorded folder with `--zd-replay-from`.")
    return str(base)


def _profile(options: Options, target: Target, store: CassetteStore) -> Profile:
    if options.profile:
        return load_profile(options.profile)
    if target.kind == "emulator":
        return profile_from_dict(REFERENCE_PROFILE, origin="reference-emulator")
    recorded = store.manifest.get("target", {}).get("profile")
    if target.kind == "replay" and recorded:
        return profile_from_dict(recorded, origin=f"{store.folder.name} (as recorded)")
    return default_profile()


def _label(target: Target, base_url: str, profile: Profile, tenant_file: TenantFile | None,
           recorded: Mapping[str, Any]) -> dict[str, Any]:
    kind, description = "tenant", f"Zendesk tenant {base_url}"
    if target.is_reference:
        kind, description = "reference-emulator", REFERENCE_DESCRIPTION
    elif tenant_file is not None:
        kind, description = "emulator", (f"zdconform emulator serving the tenant file {tenant_file.path.name} "
                                         f"(sha256 {tenant_file.sha256[:16]}...; not a real Zendesk tenant)")
    elif target.kind == "replay" and recorded.get("target", {}).get("kind") == "emulator":
        kind, description = "emulator", str(recorded["target"].get("description", ""))
    return {
        "slug": target.slug,
        "kind": kind,
        "description": description,
        "base_url": base_url,
        "zdconform_version": __version__,
        "profile": {"name": profile.name, "expect": dict(profile.expect),
                    "oauth_client": profile.oauth_client, "scopes": list(profile.scopes),
                    **({"oauth": profile.oauth_section()} if profile.oauth_section() else {})},
        **({"emulator_tenant": tenant_file.label()} if tenant_file is not None else {}),
    }


def _pseudonym_key(target: Target, env: Mapping[str, str]) -> bytes:
    if env.get("ZDCONFORM_PSEUDONYM_KEY"):
        return env["ZDCONFORM_PSEUDONYM_KEY"].encode()
    if target.is_reference or target.kind == "emulator":
        return b"zdconform-reference-emulator"  # fake people: a public key is fine
    return _secrets.token_bytes(32)  # per run; set ZDCONFORM_PSEUDONYM_KEY for stable re-records


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
