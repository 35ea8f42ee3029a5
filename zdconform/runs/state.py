"""The state of one conformance run: target, profile, credentials, cassettes, secrets, results.

`RunState.describe` turns a `TenantPlan` into a run with no side effect: it loads the cassette
folder and its manifest and registers every known secret; `start`, before the run's first
check, starts the emulator when the target asks for it, keeps the token journal and protects
the tokens that exist already. `RunState.info()` is what the reports need to know of it.
"""

from __future__ import annotations

import dataclasses
import os
import secrets as _secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from .. import __version__
from ..conformance.notes import CheckNotes
from ..conformance.recovery import protect_existing
from ..conformance.tokens import TokenLedger
from ..exceptions import UsageError
from ..http.auth import ApiTokenAuth, PasswordAuth
from ..http.pacing import Pacer
from ..recording.files import check_writable_folder, utcnow
from ..recording.scrub import REDACTED, Scrubber, SecretSet
from ..recording.staging import new_run_id, staging_folder, sweep
from ..recording.store import CassetteStore
from ..reporting.results import CheckResult, RunInfo, fold, result_of
from ..settings import (
    CLIENT_ID_VAR,
    Credentials,
    Options,
    Profile,
    Target,
    default_profile,
    journal_path,
    profile_from_dict,
    require_client_secret,
)
from .plan import REPORTS_FIX, TenantFile, TenantPlan

__all__ = ["EMULATOR_FROZEN_TIME", "RunState"]

REFERENCE_DESCRIPTION = ("zdconform reference emulator (a local stand-in built from Zendesk's "
                         "documentation; not a real Zendesk tenant)")
# Emulator recordings use a frozen clock so that re-recording gives identical files.
EMULATOR_FROZEN_TIME = "2026-11-01T12:00:00Z"
REFERENCE_PROFILE = {"name": "reference-emulator",
                     "expect": {"password": "disabled", "api_token": "enabled", "oauth": "enabled"},
                     "oauth_client": "OAuth client for my app", "scopes": ["read", "write"],
                     "oauth": {"grant": "client_credentials", "allowed_scopes": ["read", "write"]}}


@dataclass
class RunState:
    """Everything a run shares between its checks."""

    plan: TenantPlan
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
    started: bool = False

    @property
    def options(self) -> Options:
        return self.plan.options

    @property
    def target(self) -> Target:
        return self.plan.target

    @classmethod
    def open(cls, plan: TenantPlan | Options, env: Mapping[str, str] | None = None, *, start: bool = True) -> RunState:
        """The run of `plan` (or of `options`, planned with `env`), described and, with `start`, started."""
        if isinstance(plan, Options):
            plan = TenantPlan.of(plan, os.environ if env is None else env)
        run = cls.describe(plan)
        if start:
            run.start()
        return run

    @classmethod
    def describe(cls, plan: TenantPlan) -> RunState:
        """The run of `plan` as its reports describe it, with no side effect: nothing started, no
        request sent, no journal kept (a pytest-xdist controller's, or a run before its first check).
        A live run records into the staging folder of its run id (shared by its pytest-xdist workers),
        committed at its end. A plan that cannot run is refused here (UsageError)."""
        options, target, env = plan.options, plan.target, plan.env
        check_writable_folder(options.reports, "reports folder", REPORTS_FIX)  # before any check runs
        folder = options.cassette_root / target.slug
        store = CassetteStore(folder, recording=target.is_live, verify=not options.allow_unverified)
        if target.is_live:
            store.staging = staging_folder(folder, options.run_id or new_run_id())
        secrets = SecretSet()
        base_url, creds = target.base_url or "", _env_credentials(env, options.credential_names)
        if target.kind == "emulator":
            # recordings name no port: https://reference-emulator.invalid, https://emulator-<name>.invalid
            base_url, creds = f"https://{target.slug}.invalid", _emulator_credentials()
        elif target.kind == "replay":
            base_url = _replay_base(store, folder)
            creds = _placeholder_credentials()
        profile = plan.profile or _profile(target, store)
        require_client_secret(profile, creds.get("oauth_client"), live=target.kind == "tenant")
        store.secrets = secrets
        store.label = _label(target, base_url, profile, plan.tenant_file, store.manifest)
        for role in creds.values():
            _register(secrets, role)
        if target.kind == "emulator":
            _register_emulator_secrets(secrets)
        return cls(plan, profile, creds, store, secrets, Scrubber(secrets, _pseudonym_key(target, env)),
                   TokenLedger(None), base_url, sleep=(lambda _s: None) if target.kind == "replay" else None,
                   started_at=utcnow(), client_id=env.get(CLIENT_ID_VAR) if target.kind == "tenant" else None,
                   client_id_var=(options.credential_names or {}).get(CLIENT_ID_VAR, CLIENT_ID_VAR))

    def start(self) -> None:
        """Before the run's first check (once): what killed recordings of its target left is swept, the
        emulator started (its port mapped to the recorded base URL), the token journal kept, and every
        token that exists now (the user's own among them) protected: never the run's."""
        if self.started:
            return
        self.started = True
        if self.target.is_live:
            sweep(self.store.folder)
            self.ledger.journal = journal_path(self.options.project, self.target.slug)  # whatever the cassette root
        if self.target.kind == "emulator":
            self.emulator = _start_emulator(self.plan.tenant_file)
            self.scrubber.base_map[self.emulator.url] = self.base_url
            self.base_url = self.emulator.url
        if self.target.is_live:
            protect_existing(self.ledger, self.base_url, self.credentials)

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


def _emulator() -> Any:
    """The emulator package: only emulator runs pay for importing it (about 130 ms, its web stack)."""
    from .. import emulator

    return emulator


def _emulator_credentials() -> dict[str, Credentials]:
    DEFAULT_CREDENTIALS = _emulator().DEFAULT_CREDENTIALS  # noqa: N806

    creds = {role: _credentials(role, DEFAULT_CREDENTIALS[role])
             for role in ("admin", "agent", "end_user", "oauth_client")}  # the end user exists only here
    creds["expired"] = Credentials(role="expired", oauth_token=DEFAULT_CREDENTIALS["expired_oauth_token"])
    return creds


def _start_emulator(tenant_file: TenantFile | None) -> Any:
    tenant = tenant_file.tenant if tenant_file else None
    return _emulator().ZendeskEmulator(tenant=tenant, frozen_time=EMULATOR_FROZEN_TIME).start()


def _register_emulator_secrets(secrets: SecretSet) -> None:
    for key, value in _emulator().DEFAULT_CREDENTIALS.items():
        if isinstance(value, dict):
            _register(secrets, _credentials(key, value))
        elif key.endswith(("_token", "_secret")) and isinstance(value, str):
            secrets.add(value, f"the emulator's {key}")


def _register(secrets: SecretSet, creds: Credentials) -> None:
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


def _profile(target: Target, store: CassetteStore) -> Profile:
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
