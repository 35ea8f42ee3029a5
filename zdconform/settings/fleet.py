"""Fleet files: the tenants one run (or one CI job matrix) checks, and the shards they split into.

A fleet file is committed YAML holding no secret: each tenant's name (its cassette and reports
folder), base URL, profile and the *names* of the environment variables that hold its
credentials. `load_fleet` reads and validates one; every mistake is one paragraph naming the
file, the tenant and the fix. `shard` picks the tenants of shard K of N; `tenant_env` turns a
tenant's variables into the ZENDESK_* environment a single run reads, so a fleet tenant's run
is exactly a single run with that environment.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..exceptions import UsageError, excerpt
from .credentials import CLIENT_ID_VAR, CREDENTIAL_VARS
from .profiles import load_profile, load_yaml_file
from .targets import REFERENCE_SLUG, parse_target

__all__ = ["CREDENTIAL_KINDS", "Fleet", "FleetTenant", "credential_names", "load_fleet", "parse_shard", "run_args",
           "shard", "tenant_env"]

# credential kind -> the variable a single run reads it from: the kind is that variable's name
# without `ZENDESK_`, in lower case (`email`, `api_token`, `agent_oauth_token`, `oauth_client_secret`...)
CREDENTIAL_KINDS: dict[str, str] = {var.removeprefix("ZENDESK_").lower(): var
                                    for names in (*CREDENTIAL_VARS.values(), {"id": CLIENT_ID_VAR})
                                    for var in names.values()}
PASSED_THROUGH = ("ZDCONFORM_PSEUDONYM_KEY",)  # not a tenant's credential: the run's own setting
NAME = re.compile(r"^[a-z0-9](?:[a-z0-9_-]{0,61}[a-z0-9])?$")
VARIABLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
TENANT_KEYS = ("name", "url", "profile", "credentials")
_FORMAT = "see docs/fleet.md for the format"


@dataclass(frozen=True)
class FleetTenant:
    """One tenant of a fleet: where it is, what it should do, where its credentials are."""

    name: str
    url: str
    profile: str | None = None  # a profile file (absolute), or None for Zendesk's own policy
    credentials: Mapping[str, str] = field(default_factory=dict)  # kind -> environment variable name


@dataclass(frozen=True)
class Fleet:
    """A fleet file's tenants, in the file's order."""

    source: Path
    tenants: tuple[FleetTenant, ...]

    def names(self) -> list[str]:
        return [tenant.name for tenant in self.tenants]

    def only(self, names: list[str]) -> Fleet:
        """The fleet narrowed to `names` (a shard)."""
        return Fleet(self.source, tuple(t for t in self.tenants if t.name in names))


def load_fleet(path: str | Path, env: Mapping[str, str] | None = None, shard_spec: str | None = None) -> Fleet:
    """The fleet of `path` (narrowed to `shard_spec`, "K/N"), every variable it names checked in `env`."""
    path = Path(path)
    where = f"Fleet file {str(path)!r}"
    try:
        data = load_yaml_file(path)
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "not UTF-8"
        raise UsageError(f"{where} cannot be read ({why}): give `--fleet` (or `--zd-fleet`) a UTF-8 YAML "
                         f"file; {_FORMAT}.") from None
    except RecursionError:
        raise UsageError(f"{where} nests deeper than any fleet file: it is not one; {_FORMAT}.") from None
    except yaml.YAMLError as exc:
        raise UsageError(f"{where} is not valid YAML ({str(exc).splitlines()[0]}): fix the syntax; "
                         f"{_FORMAT}.") from None
    if not isinstance(data, dict) or set(data) != {"tenants"} or not isinstance(data["tenants"], list) \
            or not data["tenants"]:
        raise UsageError(f"{where} must be a mapping with one key, `tenants:`, holding a list of at least "
                         f"one tenant (each with `name`, `url`, `profile` and `credentials`); {_FORMAT}.")
    tenants = [_tenant(where, index, raw, path.parent) for index, raw in enumerate(data["tenants"], 1)]
    seen: set[str] = set()
    for tenant in tenants:
        if tenant.name in seen:
            raise UsageError(f"{where} lists the tenant {tenant.name!r} twice: each tenant has its own "
                             "cassette and reports folder, so names must be unique; rename or remove one.")
        seen.add(tenant.name)
    fleet = Fleet(path, tuple(tenants))
    if shard_spec:
        fleet = fleet.only(shard(fleet.names(), *parse_shard(shard_spec)))
    _check_variables(where, fleet, os.environ if env is None else env)
    return fleet


def _tenant(where: str, index: int, raw: Any, base: Path) -> FleetTenant:
    if not isinstance(raw, dict):
        raise UsageError(f"{where}: tenant {index} is {excerpt(raw)}, not a mapping: give it `name`, `url`, "
                         f"`profile` and `credentials`; {_FORMAT}.")
    name = raw.get("name")
    label = f"{where}, tenant {index} ({excerpt(name)})"
    unknown = sorted(set(raw) - set(TENANT_KEYS), key=str)
    if unknown:
        raise UsageError(f"{label} has the unknown key {excerpt(unknown[0])}: a tenant takes only "
                         f"{', '.join(f'`{k}`' for k in TENANT_KEYS)}; {_FORMAT}.")
    if not isinstance(name, str) or not NAME.match(name) or name == REFERENCE_SLUG:
        raise UsageError(f"{label}: `name` must be a safe folder name (1 to 63 lower-case letters, digits, "
                         "`-` and `_`, starting and ending with a letter or digit; not "
                         f"{REFERENCE_SLUG!r}): it names the tenant's cassette and reports folders.")
    url = raw.get("url")
    if not isinstance(url, str):
        raise UsageError(f"{label} has no `url`: give the tenant's base URL, such as `https://acme.zendesk.com`.")
    try:
        target = parse_target(url)
    except UsageError as exc:
        raise UsageError(f"{label}: its `url` is refused, by the rules a single run's `--zd-target` "
                         f"follows: {exc}") from None
    if target.kind != "tenant":
        raise UsageError(f"{label}: `url` {url!r} is not a tenant URL: a fleet lists tenants by their base URL, "
                         "such as `https://acme.zendesk.com` (`replay` and `emulator` are single-run targets).")
    return FleetTenant(name=name, url=url.rstrip("/"), profile=_profile(label, raw.get("profile"), base),
                       credentials=_credentials(label, raw.get("credentials")))


def _profile(label: str, value: Any, base: Path) -> str | None:
    path = _file(label, "profile", value, base)
    if path is not None:
        load_profile(path)  # a malformed profile is refused now, naming its file and field
    return path


def _file(label: str, key: str, value: Any, base: Path) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{label}: `{key}` is {excerpt(value)}: give a file path, relative to the fleet file.")
    path = Path(value) if Path(value).is_absolute() else base / value
    if not path.is_file():
        raise UsageError(f"{label}: `{key}` {value!r} is not a file (looked for {str(path)!r}; relative paths "
                         "are taken from the fleet file's folder).")
    return str(path.resolve())


def _credentials(label: str, value: Any) -> dict[str, str]:
    if value is None:
        return {}
    kinds = ", ".join(f"`{k}`" for k in CREDENTIAL_KINDS)
    if not isinstance(value, dict):
        raise UsageError(f"{label}: `credentials` must map a credential kind ({kinds}) to the name of the "
                         "environment variable holding it, e.g. `api_token: ACME_ZENDESK_API_TOKEN`.")
    for kind, variable in value.items():
        if kind not in CREDENTIAL_KINDS:
            raise UsageError(f"{label}: `credentials` has the unknown kind {excerpt(kind)}: use {kinds}.")
        if not isinstance(variable, str) or not VARIABLE.match(variable):
            raise UsageError(f"{label}: `credentials.{kind}` must be the NAME of an environment variable "
                             "(letters, digits and `_`), never the secret itself; the value is not shown.")
    return {str(k): str(v) for k, v in value.items()}


def _check_variables(where: str, fleet: Fleet, env: Mapping[str, str]) -> None:
    unset = [f"{tenant.name}: {variable}" for tenant in fleet.tenants
             for variable in tenant.credentials.values() if not env.get(variable)]
    if unset:
        raise UsageError(f"{where} names environment variables that are not set ({'; '.join(unset)}): set "
                         "them (in CI, from the secret store), or remove the credential from the tenant, "
                         "whose checks of that method are then skipped with a reason.")


def parse_shard(spec: str) -> tuple[int, int]:
    """`K/N` (1 <= K <= N) as the pair (K, N)."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", str(spec))
    k, n = (int(found.group(1)), int(found.group(2))) if found else (0, 0)
    if not 1 <= k <= n:
        raise UsageError(f"`--fleet-shard` {excerpt(spec)} is not a shard: write K/N with 1 <= K <= N, such "
                         "as `2/4` (the second of four shards).")
    return k, n


def shard(names: list[str], k: int, n: int) -> list[str]:
    """Shard K of N: the names sorted, then dealt round robin (the 1st, N+1th... to shard 1)."""
    return [name for index, name in enumerate(sorted(names)) if index % n == k - 1]


def credential_names(tenant: FleetTenant) -> dict[str, str]:
    """What a single run's variable is called for `tenant`: its own variable, or where to add one."""
    return {var: tenant.credentials.get(kind) or f"`credentials.{kind}` of the fleet's tenant {tenant.name!r}"
            for kind, var in CREDENTIAL_KINDS.items()}


def run_args(fleet: str | None, shard_spec: str | None, *, target: str | None, profile: str | None) -> list[str]:
    """The pytest options of `zdconform run --fleet FILE [--fleet-shard K/N]`."""
    if shard_spec and not fleet:
        raise UsageError("`--fleet-shard` picks tenants of a fleet: give the fleet file too, `--fleet FILE`.")
    if not fleet:
        return []
    if target or profile:
        raise UsageError("`--fleet` names each tenant's URL and profile itself: leave out `--target` and "
                         "`--profile`, or run a single tenant without `--fleet`.")
    return [f"--zd-fleet={Path(fleet).resolve()}", *([f"--zd-fleet-shard={shard_spec}"] if shard_spec else [])]


def tenant_env(tenant: FleetTenant, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a single run of `tenant` reads: ZENDESK_* from the tenant's own variables."""
    env = os.environ if env is None else env
    own = {CREDENTIAL_KINDS[kind]: env[variable] for kind, variable in tenant.credentials.items()
           if env.get(variable)}
    return {**{key: env[key] for key in PASSED_THROUGH if key in env}, **own}
