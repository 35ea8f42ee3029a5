"""Settings: the options of a run, targets, credentials from the environment, tenant profiles.

One function, `resolve_options`, decides every option, with one precedence for all of them:
command-line option > ini key (pyproject.toml) > environment variable > default.
Secrets come only from environment variables, never from ini or profile files.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from .exceptions import ProfileError, UsageError

__all__ = [
    "AUTH_METHODS",
    "CREDENTIAL_VARS",
    "Credentials",
    "Options",
    "Profile",
    "REFERENCE_SLUG",
    "Target",
    "default_profile",
    "is_loopback",
    "load_profile",
    "parse_target",
    "resolve_options",
]

AuthMethod = Literal["oauth_token", "api_token", "password"]
AUTH_METHODS: tuple[AuthMethod, ...] = ("oauth_token", "api_token", "password")
REFERENCE_SLUG = "reference-emulator"
PASSWORD_REMOVED = dt.date(2026, 1, 22)
API_TOKENS_DEACTIVATED = dt.date(2027, 4, 30)

# role -> method -> environment variable holding that secret
CREDENTIAL_VARS: dict[str, dict[str, str]] = {
    "admin": {
        "email": "ZENDESK_EMAIL",
        "password": "ZENDESK_PASSWORD",
        "api_token": "ZENDESK_API_TOKEN",
        "oauth_token": "ZENDESK_OAUTH_TOKEN",
    },
    "agent": {
        "email": "ZENDESK_AGENT_EMAIL",
        "password": "ZENDESK_AGENT_PASSWORD",
        "api_token": "ZENDESK_AGENT_API_TOKEN",
        "oauth_token": "ZENDESK_AGENT_OAUTH_TOKEN",
    },
    # optional: an OAuth token whose expires_at has passed, for the expired-token check
    "expired": {"oauth_token": "ZENDESK_EXPIRED_OAUTH_TOKEN"},
}


@dataclass(frozen=True)
class Target:
    """Where the suites run: recorded cassettes, the bundled emulator, or a tenant URL."""

    kind: Literal["replay", "emulator", "tenant"]
    base_url: str | None = None
    slug: str = REFERENCE_SLUG

    @property
    def is_live(self) -> bool:
        return self.kind != "replay"

    @property
    def is_reference(self) -> bool:
        return self.slug == REFERENCE_SLUG


def parse_target(value: str, *, replay_from: str = REFERENCE_SLUG) -> Target:
    """Parse `--zd-target` / `ZENDESK_TARGET`: `replay`, `emulator`, or a tenant base URL."""
    value = value.strip()
    if value == "replay":
        return Target("replay", slug=replay_from)
    if value == "emulator":
        return Target("emulator", slug=REFERENCE_SLUG)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"`--zd-target` {value!r} is not a target: use `replay` (the default: the recorded "
            "cassettes, offline), `emulator` (the bundled reference emulator) or a tenant's base "
            "URL such as `https://acme.zendesk.com`."
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError(
            f"`--zd-target` {value!r} uses plain http on a non-loopback host; credentials would "
            f"cross the network unencrypted. Use `https://{parts.netloc}` instead (plain http is "
            "accepted only for 127.0.0.1, ::1 and localhost)."
        )
    if parts.path not in ("", "/") or parts.query:
        raise UsageError(
            f"`--zd-target` {value!r} has a path or query; give only the tenant's base URL, "
            f"for example `{parts.scheme}://{parts.netloc}`."
        )
    base = f"{parts.scheme}://{parts.netloc}"
    return Target("tenant", base_url=base, slug=_slug(parts.netloc))


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _slug(netloc: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", netloc.lower())


@dataclass(frozen=True)
class Credentials:
    """The secrets for one role, as read from the environment. repr never shows them."""

    role: str
    email: str | None = None
    password: str | None = None
    api_token: str | None = None
    oauth_token: str | None = None
    source: Mapping[str, str] = field(default_factory=dict)  # field -> env var name

    @classmethod
    def from_env(cls, role: str = "admin", env: Mapping[str, str] | None = None) -> Credentials:
        env = os.environ if env is None else env
        names = CREDENTIAL_VARS[role]
        values = {key: (env.get(var) or None) for key, var in names.items()}
        return cls(role=role, source=names, **values)

    def missing_for(self, method: AuthMethod) -> list[str]:
        """The environment variables that must be set for `method`, empty when usable."""
        needed = {"oauth_token": ["oauth_token"], "api_token": ["email", "api_token"],
                  "password": ["email", "password"]}[method]
        return [self.source.get(key, key) for key in needed if not getattr(self, key)]

    def secrets(self) -> list[str]:
        return [v for v in (self.password, self.api_token, self.oauth_token) if v]

    def __repr__(self) -> str:
        present = [k for k in ("email", "password", "api_token", "oauth_token") if getattr(self, k)]
        return f"Credentials(role={self.role!r}, present={present})"


Expectation = Literal["enabled", "disabled"]
_EXPECT_KEYS = ("password", "api_token", "oauth")


@dataclass(frozen=True)
class Profile:
    """What a tenant is expected to do; committed, never holds a secret."""

    name: str
    expect: Mapping[str, Expectation]
    oauth_client: str | int | None = None
    scopes: tuple[str, ...] = ("read", "write")
    source: str = "default"

    def expects(self, method: AuthMethod) -> Expectation:
        return self.expect["oauth" if method == "oauth_token" else method]


def default_profile(today: dt.date | None = None) -> Profile:
    """Zendesk's own policy on `today`: password removed, API tokens until 2027-04-30."""
    today = today or dt.date.today()
    api: Expectation = "enabled" if today < API_TOKENS_DEACTIVATED else "disabled"
    pw: Expectation = "disabled" if today >= PASSWORD_REMOVED else "enabled"
    expect: dict[str, Expectation] = {"password": pw, "api_token": api, "oauth": "enabled"}
    return Profile(name="zendesk-policy", expect=expect, source=f"Zendesk policy on {today}")


def load_profile(path: str | Path) -> Profile:
    """Read and validate a tenant profile YAML file; errors name the file and the field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ProfileError(f"Tenant profile {str(path)!r} cannot be read ({exc.strerror}); "
                           "check the path given to `--zd-profile`.") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"Tenant profile {str(path)!r} is not valid YAML: {_yaml_where(exc)}. "
                           "Fix the syntax; see README#tenant-profile for the format.") from None
    return profile_from_dict(data, origin=str(path))


def profile_from_dict(data: Any, *, origin: str) -> Profile:
    if not isinstance(data, dict):
        raise _bad(origin, "(top level)", data, "a mapping with `expect:`")
    unknown = sorted(set(data) - {"target", "expect", "oauth_client", "scopes", "name"})
    if unknown:
        raise _bad(origin, unknown[0], data[unknown[0]],
                   "one of `target`, `expect`, `oauth_client`, `scopes`, `name`")
    expect = dict(default_profile().expect)
    raw_expect = data.get("expect", {})
    if not isinstance(raw_expect, dict):
        raise _bad(origin, "expect", raw_expect, "a mapping of method -> enabled/disabled")
    for key, value in raw_expect.items():
        if key not in _EXPECT_KEYS:
            raise _bad(origin, f"expect.{key}", value, "a key among password, api_token, oauth")
        if value not in ("enabled", "disabled"):
            raise _bad(origin, f"expect.{key}", value, "`enabled` or `disabled`")
        expect[key] = value
    client = data.get("oauth_client")
    if client is not None and not isinstance(client, (str, int)):
        raise _bad(origin, "oauth_client", client, "the client's name or numeric id")
    scopes = data.get("scopes", ["read", "write"])
    if not (isinstance(scopes, list) and scopes and all(isinstance(s, str) for s in scopes)):
        raise _bad(origin, "scopes", scopes, "a non-empty list of scope strings such as [read, write]")
    return Profile(name=str(data.get("name", Path(origin).stem)), expect=expect,
                   oauth_client=client, scopes=tuple(scopes), source=origin)


def _bad(origin: str, key: str, value: Any, allowed: str) -> ProfileError:
    return ProfileError(f"Tenant profile {origin!r}: field `{key}` is {value!r}; expected {allowed}. "
                        "Fix the file; see README#tenant-profile for the format.")


def _yaml_where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "syntax error"
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark else problem


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
