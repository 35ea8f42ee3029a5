"""Tenant files: read a tenant from YAML (or a dict) with validation, and write one back.

The format is documented in docs/emulator.md. `load_tenant` accepts None (the built-in tenant),
a `Tenant`, a mapping, or a path; `tenant_from_dict` validates plain data, and any malformed
field raises `ProfileError` naming the origin and the field path, e.g. `users[2].role`, with
the allowed values. `tenant_to_dict` and `dump_tenant_yaml` give back data and YAML that load
into the same tenant, defaults applied.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from ...exceptions import ProfileError
from . import validation as v
from .account import settings_from_dict, settings_to_dict
from .builtin import default_tenant
from .model import CLIENT_KINDS, ROLES, Client, GeneratedUsers, Tenant, Token
from .people import FILLER_ID_BASE, PROFILE_TYPES, User, default_profile

__all__ = ["dump_tenant_yaml", "load_tenant", "tenant_from_dict", "tenant_to_dict"]

TOP_KEYS = ("subdomain", "settings", "users", "generated_users", "clients", "tokens")
USER_KEYS = ("id", "name", "email", "role", "password", "api_tokens", *PROFILE_TYPES)
CLIENT_KEYS = ("id", "user_id", "name", "identifier", "kind", "company", "description",
               "redirect_uri", "secret", "global", "logo_url", "created_at", "updated_at", "allowed_scopes")
TOKEN_KEYS = ("id", "user_id", "client_id", "token", "scopes", "created_at", "expires_at",
              "used_at", "revoked")
_STR, _OPT_STR, _INT = (str,), (str, type(None)), (int,)
_HEADER = ("# A tenant for the zdconform reference emulator (docs/emulator.md).\n"
           "# Start it with: python -m zdconform.emulator --tenant FILE\n"
           "# Every credential in this file is fake.\n")

TenantSource = Tenant | Mapping[str, Any] | str | os.PathLike[str] | None


def load_tenant(source: TenantSource = None) -> Tenant:
    """A validated tenant from None (built-in), a Tenant, a mapping or a YAML file path."""
    if source is None:
        return default_tenant()
    if isinstance(source, Tenant):
        return source
    if isinstance(source, (str, os.PathLike)):
        return tenant_from_dict(_read_yaml(Path(source)), origin=f"file `{source}`")
    return tenant_from_dict(source, origin="(a dict)")


TENANT_LIMIT = 1024 * 1024  # bytes: a thousand listed users fit; generated ones cost no bytes


def _read_yaml(path: Path) -> Any:
    try:
        if not path.exists():
            raise OSError(0, "not found")
        if not path.is_file():
            raise OSError(0, "not a regular file")
        with path.open("rb") as handle:
            raw = handle.read(TENANT_LIMIT + 1)
        if len(raw) > TENANT_LIMIT:
            raise OSError(0, f"bigger than {TENANT_LIMIT:,} bytes")
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 at byte {exc.start}"
        raise ProfileError(f"emulator tenant file `{path}` cannot be read ({why}); pass the "
                           "path of a YAML tenant file to --tenant (for the suites: --zd-emulator-tenant).") from None
    try:
        if v.too_deep(text):
            raise RecursionError  # answered below, as Python's own would be
        return yaml.load(text, Loader=v.NoAliasLoader)  # noqa: S506 - a SafeLoader
    except RecursionError:
        raise ProfileError(f"emulator tenant file `{path}` nests deeper than any tenant file; "
                           "see docs/emulator.md for the format.") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise ProfileError(f"emulator tenant file `{path}` is not valid YAML{line} "
                           f"({getattr(exc, 'problem', exc)}); fix the syntax.") from None


def tenant_from_dict(data: Any, origin: str = "(a dict)") -> Tenant:
    """Validate tenant data (as read from YAML); `origin` names it in error messages."""
    try:
        return _tenant(data)
    except v.Invalid as exc:
        raise ProfileError(exc.describe(origin)) from None


def _tenant(raw: Any) -> Tenant:
    data = v.mapping(raw, "")
    v.keys(data, "", TOP_KEYS)
    users = tuple(_user(item, f"users[{i}]") for i, item in enumerate(_items(data, "users")))
    clients = tuple(_client(item, f"clients[{i}]")
                    for i, item in enumerate(_items(data, "clients")))
    tokens = tuple(_token(item, f"tokens[{i}]") for i, item in enumerate(_items(data, "tokens")))
    tenant = Tenant(
        subdomain=v.value(data, "subdomain", "", _STR, "obscura"),
        users=users, clients=clients, tokens=tokens,
        settings=settings_from_dict(data.get("settings") or {}, "settings"),
        generated_users=_generated(data.get("generated_users")),
    )
    _cross_check(tenant)
    return tenant


def _items(data: Mapping[str, Any], key: str) -> list[Any]:
    return v.listing(data, key, "", (dict,), []) if data.get(key) is not None else []


def _user(raw: Any, path: str) -> User:
    data = v.mapping(raw, path)
    v.keys(data, path, USER_KEYS)
    role = v.choice(data, "role", path, ROLES)
    profile = default_profile(role)
    for key, types in PROFILE_TYPES.items():
        profile[key] = v.value(data, key, path, types, profile[key])
    return User(
        id=v.value(data, "id", path, _INT, minimum=1),
        name=v.value(data, "name", path, _STR),
        email=v.value(data, "email", path, _OPT_STR),
        role=role,
        password=v.value(data, "password", path, _OPT_STR, None),
        api_tokens=tuple(v.listing(data, "api_tokens", path, _STR, [])),
        profile=profile,
    )


def _client(raw: Any, path: str) -> Client:
    data = v.mapping(raw, path)
    v.keys(data, path, CLIENT_KEYS)
    text = {key: v.value(data, key, path, _OPT_STR, None)
            for key in ("company", "description", "secret", "logo_url")}
    stamps = {key: v.value(data, key, path, _STR, Client.created_at)
              for key in ("created_at", "updated_at")}
    allowed = v.listing(data, "allowed_scopes", path, _STR, None) if data.get("allowed_scopes") is not None else None
    return Client(
        allowed_scopes=None if allowed is None else tuple(allowed),
        id=v.value(data, "id", path, _INT, minimum=1),
        user_id=v.value(data, "user_id", path, _INT),
        name=v.value(data, "name", path, _STR),
        identifier=v.value(data, "identifier", path, _STR),
        kind=v.choice(data, "kind", path, CLIENT_KINDS, "confidential"),
        redirect_uri=tuple(v.listing(data, "redirect_uri", path, _STR, [])),
        global_=v.value(data, "global", path, (bool,), False),
        **text, **stamps,
    )


def _token(raw: Any, path: str) -> Token:
    data = v.mapping(raw, path)
    v.keys(data, path, TOKEN_KEYS)
    return Token(
        id=v.value(data, "id", path, _INT, minimum=1),
        user_id=v.value(data, "user_id", path, _INT),
        client_id=v.value(data, "client_id", path, _INT),
        token=v.value(data, "token", path, _STR),
        scopes=tuple(v.listing(data, "scopes", path, _STR)),
        created_at=v.value(data, "created_at", path, _STR, Token.created_at),
        expires_at=v.value(data, "expires_at", path, _OPT_STR, None),
        used_at=v.value(data, "used_at", path, _OPT_STR, None),
        revoked=v.value(data, "revoked", path, (bool,), False),
    )


def _generated(raw: Any) -> GeneratedUsers | None:
    if raw is None:
        return None
    data = v.mapping(raw, "generated_users")
    v.keys(data, "generated_users", ("count", "seed"))
    return GeneratedUsers(count=v.value(data, "count", "generated_users", _INT, minimum=0,
                                        maximum=100_000),
                          seed=v.value(data, "seed", "generated_users", _INT, 0))


def _cross_check(tenant: Tenant) -> None:
    _unique("users", [user.id for user in tenant.users], "id")
    counts = Counter(user.id for user in tenant.all_users)
    for index, user in enumerate(tenant.users):
        if counts[user.id] > 1:
            raise v.Invalid(f"users[{index}].id", "clashes with the id of a generated user",
                            f"an id below {FILLER_ID_BASE} when `generated_users` is set")
    user_ids = set(counts)
    _unique("users", [(u.email or "").lower() or None for u in tenant.users], "email")
    client_ids = _unique("clients", [client.id for client in tenant.clients], "id")
    _unique("tokens", [token.id for token in tenant.tokens], "id")
    _unique("tokens", [token.token for token in tenant.tokens], "token")
    for index, client in enumerate(tenant.clients):
        _refers(f"clients[{index}].user_id", client.user_id, user_ids, "a users[].id")
    for index, token in enumerate(tenant.tokens):
        _refers(f"tokens[{index}].user_id", token.user_id, user_ids, "a users[].id")
        _refers(f"tokens[{index}].client_id", token.client_id, client_ids, "a clients[].id")


def _unique(section: str, values: list[Any], key: str) -> set[Any]:
    seen: dict[Any, int] = {}
    for index, item in enumerate(values):
        if item is not None and item in seen:
            raise v.Invalid(f"{section}[{index}].{key}",
                            f"repeats {item!r}, already used by {section}[{seen[item]}]",
                            f"a {key} unique within `{section}`")
        seen.setdefault(item, index)
    return set(seen)


def _refers(path: str, item: int, known: set[Any], what: str) -> None:
    if item not in known:
        raise v.Invalid(path, f"is {item!r}, which no record has", what)


def tenant_to_dict(tenant: Tenant) -> dict[str, Any]:
    """The tenant as plain data that `tenant_from_dict` accepts, defaults applied."""
    data: dict[str, Any] = {"subdomain": tenant.subdomain,
                            "settings": settings_to_dict(tenant.settings),
                            "users": [_user_dict(user) for user in tenant.users]}
    if tenant.generated_users is not None:
        spec = tenant.generated_users
        data["generated_users"] = {"count": spec.count, "seed": spec.seed}
    data["clients"] = [_client_dict(client) for client in tenant.clients]
    data["tokens"] = [_token_dict(token) for token in tenant.tokens]
    return data


def _user_dict(user: User) -> dict[str, Any]:
    head = {"id": user.id, "name": user.name, "email": user.email, "role": user.role,
            "password": user.password, "api_tokens": list(user.api_tokens)}
    return head | default_profile(user.role) | dict(user.profile)


def _client_dict(client: Client) -> dict[str, Any]:
    return {key: getattr(client, "global_" if key == "global" else key) for key in CLIENT_KEYS} \
        | {"redirect_uri": list(client.redirect_uri),
           "allowed_scopes": None if client.allowed_scopes is None else list(client.allowed_scopes)}


def _token_dict(token: Token) -> dict[str, Any]:
    return {key: getattr(token, key) for key in TOKEN_KEYS} | {"scopes": list(token.scopes)}


def dump_tenant_yaml(tenant: Tenant) -> str:
    """The tenant as commented YAML that `--tenant` accepts."""
    body = yaml.safe_dump(tenant_to_dict(tenant), sort_keys=False, allow_unicode=True,
                          default_flow_style=False, width=100)
    return _HEADER + body

