"""Tenant profiles: what a tenant is expected to allow, from YAML or from Zendesk's own policy."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from ..exceptions import ProfileError, excerpt
from .credentials import AuthMethod, Credentials

__all__ = ["API_TOKENS_DEACTIVATED", "GRANTS", "PASSWORD_REMOVED", "Profile", "default_profile", "load_profile",
           "load_yaml_file", "profile_from_dict", "require_client_secret"]

PASSWORD_REMOVED = dt.date(2026, 1, 22)
API_TOKENS_DEACTIVATED = dt.date(2027, 4, 30)

Expectation = Literal["enabled", "disabled"]
_EXPECT_KEYS = ("password", "api_token", "oauth")
GRANTS = ("client_credentials", "authorization_code")  # how the integration gets its OAuth tokens
# Scopes as Zendesk describes them: `[resource:]access`, or a bare resource (read and write on it).
_RESOURCES = ("tickets", "users", "auditlogs", "organizations", "hc", "apps", "triggers", "automations",
              "targets", "webhooks", "macros", "requests", "satisfaction_ratings", "dynamic_content",
              "any_channel", "web_widget", "zis")
_SCOPE = re.compile(rf"^(?:(?:{'|'.join(_RESOURCES)}):)?(?:read|write|impersonate)$|^(?:{'|'.join(_RESOURCES)})$")


@dataclass(frozen=True)
class Profile:
    """What a tenant is expected to do; committed, never holds a secret."""

    name: str
    expect: Mapping[str, Expectation]
    oauth_client: str | int | None = None
    scopes: tuple[str, ...] = ("read", "write")
    source: str = "default"
    oauth_grant: str | None = None  # `oauth.grant`: the grant the integration will use after API tokens
    oauth_allowed_scopes: tuple[str, ...] | None = None  # `oauth.allowed_scopes`: what it needs, no more

    def expects(self, method: AuthMethod) -> Expectation:
        return self.expect["oauth" if method == "oauth_token" else method]

    def oauth_section(self) -> dict[str, Any] | None:
        """The `oauth:` section as reports show it, or None when the profile has none."""
        if self.oauth_grant is None and self.oauth_allowed_scopes is None:
            return None
        section = {"grant": self.oauth_grant, "allowed_scopes": list(self.oauth_allowed_scopes or ()) or None}
        return {key: value for key, value in section.items() if value is not None}  # as a profile writes it


def default_profile(today: dt.date | None = None) -> Profile:
    """Zendesk's own policy on `today`: password removed, API tokens until 2027-04-30."""
    today = today or dt.date.today()
    api: Expectation = "enabled" if today < API_TOKENS_DEACTIVATED else "disabled"
    pw: Expectation = "disabled" if today >= PASSWORD_REMOVED else "enabled"
    expect: dict[str, Expectation] = {"password": pw, "api_token": api, "oauth": "enabled"}
    return Profile(name="zendesk-policy", expect=expect, source=f"Zendesk policy on {today}")


def load_profile(path: str | Path, name: str = "`--zd-profile`") -> Profile:
    """Read and validate a tenant profile YAML file; errors name the file and the field (and `name`, the
    option or variable that gave the path, as the user spelt it)."""
    path = Path(path)
    try:
        data = load_yaml_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 at byte {exc.start}"
        if why == "not found":
            raise ProfileError(f"Tenant profile {str(path)!r} not found: check the path given to {name} "
                               "(a relative path is taken from the folder you run in).") from None
        raise ProfileError(f"Tenant profile {str(path)!r} cannot be read ({why}); check the path "
                           f"given to {name}: it must be a UTF-8 YAML file.") from None
    except RecursionError:
        raise ProfileError(f"Tenant profile {str(path)!r} nests deeper than any profile: it is not "
                           "one; see docs/profiles.md for the format.") from None
    except yaml.YAMLError as exc:
        raise ProfileError(f"Tenant profile {str(path)!r} is not valid YAML: {_yaml_where(exc)}. "
                           "Fix the syntax; see docs/profiles.md for the format.") from None
    return profile_from_dict(data, origin=str(path))


PROFILE_LIMIT = 1024 * 1024  # bytes; a profile is a dozen lines


class NoAliasLoader(yaml.SafeLoader):
    """YAML's safe loader without aliases (`*name`): a profile needs none, and an alias bomb
    would expand to gigabytes."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(None, None, "aliases (`*name`) are not allowed",
                                              self.peek_event().start_mark)  # type: ignore[no-untyped-call]
        return super().compose_node(parent, index)


def load_yaml_file(path: Path) -> Any:
    """A small YAML settings file (a profile, a fleet): at most PROFILE_LIMIT bytes, UTF-8, no
    aliases. Raises OSError or UnicodeDecodeError (unreadable), RecursionError (nested deeper
    than any such file) or yaml.YAMLError; each caller words them for its file."""
    text = _read_bounded(path)
    if _too_deep(text):
        raise RecursionError
    return yaml.load(text, Loader=NoAliasLoader)  # noqa: S506 - a SafeLoader


def _read_bounded(path: Path) -> str:
    if not path.exists():
        raise OSError(0, "not found")
    if not path.is_file():
        raise OSError(0, "not a regular file")
    with path.open("rb") as handle:
        data = handle.read(PROFILE_LIMIT + 1)
    if len(data) > PROFILE_LIMIT:
        raise OSError(0, f"bigger than {PROFILE_LIMIT:,} bytes")
    return data.decode("utf-8")


def profile_from_dict(data: Any, *, origin: str) -> Profile:
    if not isinstance(data, dict):
        raise _bad(origin, "(top level)", data, "a mapping with `expect:`")
    unknown = sorted(set(data) - {"target", "expect", "oauth_client", "scopes", "name", "oauth"})
    if unknown:  # its value is never shown: a credential put in the wrong file is still a credential
        raise ProfileError(f"Tenant profile {origin!r}: `{excerpt(str(unknown[0]), 40)[1:-1]}` is not a field of a "
                           "profile (its value is not shown); a profile takes only `target`, `expect`, "
                           "`oauth_client`, `scopes`, `oauth` and `name`, and never a secret: credentials come "
                           "from environment variables. Fix the file; see docs/profiles.md for the format.")
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
    grant, allowed = _oauth(data.get("oauth", {}), origin)
    return Profile(name=str(data.get("name", Path(origin).stem)), expect=expect,
                   oauth_client=client, scopes=tuple(scopes), source=origin,
                   oauth_grant=grant, oauth_allowed_scopes=allowed)


def _oauth(raw: Any, origin: str) -> tuple[str | None, tuple[str, ...] | None]:
    """The `oauth:` section: `grant` (one of GRANTS) and `allowed_scopes` (well-formed scopes)."""
    if not isinstance(raw, dict):
        raise _bad(origin, "oauth", raw, "a mapping with `grant` and `allowed_scopes`")
    for key in sorted(set(raw) - {"grant", "allowed_scopes"}):
        raise _bad(origin, f"oauth.{key}", raw[key], "a key among grant, allowed_scopes")
    grant = raw.get("grant")
    if grant is not None and grant not in GRANTS:
        raise _bad(origin, "oauth.grant", grant, "`client_credentials` or `authorization_code`")
    allowed = raw.get("allowed_scopes")
    if allowed is None:
        return grant, None
    if not (isinstance(allowed, list) and allowed and all(isinstance(s, str) for s in allowed)):
        raise _bad(origin, "oauth.allowed_scopes", allowed, "a non-empty list of scopes such as [read, users:write]")
    for index, scope in enumerate(allowed):
        if not _SCOPE.match(scope):
            raise _bad(origin, f"oauth.allowed_scopes[{index}]", scope,
                       "a scope `[resource:]access` (access read, write or impersonate), e.g. `users:read`")
    return grant, tuple(allowed)


def _bad(origin: str, key: str, value: Any, allowed: str) -> ProfileError:
    return ProfileError(f"Tenant profile {origin!r}: field `{excerpt(key, 40)[1:-1]}` is {excerpt(value)}; "
                        f"expected {allowed}. "
                        "Fix the file; see docs/profiles.md for the format.")


def _yaml_where(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "syntax error"
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark else problem


def _too_deep(text: str, limit: int = 64) -> bool:
    """Flow collections (`[`, `{`) nested deeper than `limit`: no real file needs it, and the
    YAML parser recurses once per level."""
    depth = 0
    for match in re.finditer(r"[\[\]{}]", text):
        depth += 1 if match.group() in "[{" else -1
        if depth > limit:
            return True
    return False


def require_client_secret(profile: Profile, creds: Credentials | None, *, live: bool) -> None:
    """A tenant run whose profile says the integration uses client credentials needs the client's
    identifier and secret: stop it, naming the variables, rather than skip every grant check."""
    missing = creds.missing("client_identifier", "client_secret") if creds else []
    if live and profile.oauth_grant == "client_credentials" and missing:
        raise ProfileError(
            f"Tenant profile {profile.source!r} sets `oauth.grant: client_credentials`, but "
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set: export the confidential "
            "OAuth client's identifier and secret (see docs/credentials.md), or remove `oauth.grant` from the profile.")
