"""The state of one conformance run: target, profile, credentials, cassettes, secrets.

`Options` holds the resolved settings (see `resolve_options`, which applies the one
precedence rule: command-line option > ini key > environment variable > default).
`RunState.open` turns them into a run: it starts the emulator when the target asks for it,
loads the cassette folder and its manifest, and registers every known secret.
"""

from __future__ import annotations

import os
import secrets as _secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from .recording.store import CassetteStore, utcnow
from .exceptions import UsageError
from .http.pacing import Pacer
from .recording.scrub import REDACTED, Scrubber, SecretSet
from .settings import (
    REFERENCE_SLUG,
    Credentials,
    Profile,
    Target,
    default_profile,
    load_profile,
    parse_target,
    profile_from_dict,
)
from .conformance.tokens import TokenLedger

__all__ = ["REFERENCE_BASE_URL", "Options", "RunState", "resolve_options"]

REFERENCE_BASE_URL = "https://reference-emulator.invalid"
REFERENCE_DESCRIPTION = ("zdconform reference emulator (a local stand-in built from Zendesk's "
                         "documentation; not a real Zendesk tenant)")
# Emulator recordings use a frozen clock so that re-recording gives identical files.
EMULATOR_FROZEN_TIME = "2026-11-01T12:00:00Z"
REFERENCE_PROFILE = {"name": "reference-emulator",
                     "expect": {"password": "disabled", "api_token": "enabled", "oauth": "enabled"},
                     "oauth_client": "OAuth client for my app", "scopes": ["read", "write"]}


@dataclass(frozen=True)
class Options:
    target: str = "replay"
    profile: str | None = None
    replay_from: str = REFERENCE_SLUG
    cassette_root: Path = Path("cassettes")
    max_pages: int = 3
    allow_unverified: bool = False
    emulator_tenant: str | None = None
    reports: Path = Path("reports")
    max_age_days: int = 90  # cassettes recorded longer ago are flagged as stale (a warning)


def resolve_options(cli: Mapping[str, Any], ini: Mapping[str, Any], env: Mapping[str, str],
                    rootdir: Path) -> Options:
    """Resolve every setting with one rule: CLI > ini > environment > default."""

    def pick(name: str, var: str, default: Any) -> Any:
        for source in (cli.get(name), ini.get(name), env.get(var)):  # the precedence, in order
            if source not in (None, "", []):
                return source
        return default

    root = Path(pick("cassette_root", "ZDCONFORM_CASSETTES", "cassettes"))
    reports = Path(pick("reports", "ZDCONFORM_REPORTS", "reports"))
    pages = pick("max_pages", "ZDCONFORM_MAX_PAGES", 3)
    try:
        pages = int(pages)
        assert pages >= 1
    except (ValueError, AssertionError):
        raise UsageError(f"`--zd-max-pages` {pages!r} must be a whole number of pages, 1 or more.") from None
    max_age = pick("max_age_days", "ZDCONFORM_MAX_AGE_DAYS", 90)
    try:
        max_age = int(max_age)
        assert max_age >= 0
    except (ValueError, AssertionError):
        raise UsageError(f"`--zd-max-age-days` (or ZDCONFORM_MAX_AGE_DAYS) {max_age!r} must be a "
                         "whole number of days, 0 or more.") from None
    return Options(
        target=str(pick("target", "ZENDESK_TARGET", "replay")),
        profile=pick("profile", "ZENDESK_PROFILE", None),
        replay_from=str(pick("replay_from", "ZENDESK_REPLAY_FROM", REFERENCE_SLUG)),
        cassette_root=root if root.is_absolute() else rootdir / root,
        max_pages=pages,
        allow_unverified=bool(pick("allow_unverified", "ZDCONFORM_ALLOW_UNVERIFIED", False)),
        emulator_tenant=pick("emulator_tenant", "ZDCONFORM_EMULATOR_TENANT", None),
        reports=reports if reports.is_absolute() else rootdir / reports,
        max_age_days=max_age,
    )


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
    results: list[dict[str, Any]] = field(default_factory=list)
    started_at: str = ""
    pacer: Pacer = field(default_factory=Pacer)  # one view of the tenant's rate limit per run

    @classmethod
    def open(cls, options: Options, env: Mapping[str, str] | None = None) -> RunState:
        env = os.environ if env is None else env
        target = parse_target(options.target, replay_from=options.replay_from)
        folder = options.cassette_root / target.slug
        store = CassetteStore(folder, recording=target.is_live, verify=not options.allow_unverified)
        secrets = SecretSet()
        emulator, base_url, creds = None, target.base_url or "", _env_credentials(env)
        if target.kind == "emulator":
            emulator, creds = _start_emulator(options)
            base_url = emulator.url
        elif target.kind == "replay":
            base_url = _replay_base(store, folder)
            creds = _placeholder_credentials()
        canonical = REFERENCE_BASE_URL if target.is_reference else base_url
        profile = _profile(options, target, store)
        store.secrets = secrets
        store.label = _label(target, canonical, profile)
        for role in creds.values():
            _register(secrets, role)
        if emulator is not None:
            _register_emulator_secrets(secrets)
        key = _pseudonym_key(target, env)
        scrubber = Scrubber(secrets, key, {base_url: canonical} if base_url != canonical else {})
        journal = options.cassette_root.parent / ".zdconform" / f"tokens-{target.slug}.json"
        return cls(options, target, profile, creds, store, secrets, scrubber,
                   TokenLedger(journal if target.is_live else None), base_url, emulator,
                   sleep=(lambda _s: None) if target.kind == "replay" else None,
                   started_at=utcnow())

    def close(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None


def _env_credentials(env: Mapping[str, str]) -> dict[str, Credentials]:
    return {role: Credentials.from_env(role, env) for role in ("admin", "agent", "expired")}


def _placeholder_credentials() -> dict[str, Credentials]:
    """Replay needs no secrets: headers are redacted in cassettes and not matched on."""
    fake = {"email": "replay@example.invalid", "password": REDACTED, "api_token": REDACTED,
            "oauth_token": REDACTED}
    return {role: _credentials(role, fake) for role in ("admin", "agent", "end_user", "expired")}


def _credentials(role: str, values: Mapping[str, Any]) -> Credentials:
    """Credentials for `role` from a mapping holding any of email/password/tokens."""
    return Credentials(role=role, email=values.get("email"), password=values.get("password"),
                       api_token=values.get("api_token"), oauth_token=values.get("oauth_token"))


def _start_emulator(options: Options) -> tuple[Any, dict[str, Credentials]]:
    from .emulator import DEFAULT_CREDENTIALS, ZendeskEmulator  # only live emulator runs pay for it

    emulator = ZendeskEmulator(tenant=options.emulator_tenant, frozen_time=EMULATOR_FROZEN_TIME)
    emulator.start()
    creds = {role: _credentials(role, DEFAULT_CREDENTIALS[role])
             for role in ("admin", "agent", "end_user")}  # the end user exists only here
    creds["expired"] = Credentials(role="expired", oauth_token=DEFAULT_CREDENTIALS["expired_oauth_token"])
    return emulator, creds


def _register_emulator_secrets(secrets: SecretSet) -> None:
    from .emulator import DEFAULT_CREDENTIALS

    for key, value in DEFAULT_CREDENTIALS.items():
        if isinstance(value, dict):
            _register(secrets, _credentials(key, value))
        elif key.endswith("_token") and isinstance(value, str):
            secrets.add(value, f"the emulator's {key}")


def _register(secrets: SecretSet, creds: Credentials) -> None:
    from .http.auth import ApiTokenAuth, PasswordAuth  # imported late: plugin start-up stays light

    for name in ("password", "api_token", "oauth_token"):
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


def _label(target: Target, base_url: str, profile: Profile) -> dict[str, Any]:
    return {
        "slug": target.slug,
        "kind": "reference-emulator" if target.is_reference else "tenant",
        "description": REFERENCE_DESCRIPTION if target.is_reference else f"Zendesk tenant {base_url}",
        "base_url": base_url,
        "zdconform_version": __version__,
        "profile": {"name": profile.name, "expect": dict(profile.expect),
                    "oauth_client": profile.oauth_client, "scopes": list(profile.scopes)},
    }


def _pseudonym_key(target: Target, env: Mapping[str, str]) -> bytes:
    if env.get("ZDCONFORM_PSEUDONYM_KEY"):
        return env["ZDCONFORM_PSEUDONYM_KEY"].encode()
    if target.is_reference:
        return b"zdconform-reference-emulator"  # fake people: a public key is fine
    return _secrets.token_bytes(32)  # per run; set ZDCONFORM_PSEUDONYM_KEY for stable re-records

