"""The account settings of a tenant: its `settings:` section, read, written and merged.

`settings_from_dict` validates the section (faults and misbehaviour switches included) and
`settings_to_dict` writes it back; `merge_settings` applies the changes that
`ZendeskEmulator.configure` accepts, so a tenant file and a run-time `configure(faults=[...])`
call give the same errors for the same mistakes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, fields
from typing import Any

from ...exceptions import ProfileError
from . import validation as v
from .model import (
    FAULT_BODIES,
    FAULT_KINDS,
    HTTP_METHODS,
    MISBEHAVIOURS,
    RATE_LIMIT_HEADER_FAMILIES,
    VARIANTS,
    Fault,
    Misbehave,
    Settings,
)

__all__ = ["SETTINGS_KEYS", "merge_settings", "settings_from_dict", "settings_to_dict"]

SETTINGS_KEYS = tuple(item.name for item in fields(Settings))
FAULT_KEYS = tuple(item.name for item in fields(Fault))
_BOOL, _OPT_INT = (bool,), (int, type(None))


def settings_from_dict(raw: Any, path: str = "settings") -> Settings:
    """Validated settings; absent keys take the present-day Zendesk defaults."""
    data = v.mapping(raw, path)
    v.keys(data, path, SETTINGS_KEYS)
    base = Settings()
    flags = {key: v.value(data, key, path, _BOOL, getattr(base, key))
             for key in ("password_access", "api_token_access", "oauth_access", "extra_fields",
                         "rate_limit_agree")}
    variants = {key: v.choice(_as_text(data, key), key, path, choices, choices[0]) for key, choices in VARIANTS.items()}
    return Settings(
        **flags,
        **variants,
        rate_limit_per_minute=v.value(data, "rate_limit_per_minute", path, (int,), 700,
                                      minimum=1),
        rate_limit_headers=_header_family(data, path),
        oauth_token_ttl_seconds=v.value(data, "oauth_token_ttl_seconds", path, _OPT_INT, None,
                                        minimum=0),
        grant_access_ttl_seconds=v.value(data, "grant_access_ttl_seconds", path, (int,), base.grant_access_ttl_seconds,
                                         minimum=300, maximum=172_800),  # the documented bounds
        grant_refresh_ttl_seconds=v.value(data, "grant_refresh_ttl_seconds", path, (int,),
                                          base.grant_refresh_ttl_seconds, minimum=604_800, maximum=7_776_000),
        link_base_url=_link_base(data, path),
        faults=_faults(data, path),
        misbehave=_misbehave(data.get("misbehave") or {}, v.join(path, "misbehave")),
    )


def _as_text(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """`data` with `key`'s integer value as text: YAML reads `forbidden_wording: 2026` as an int."""
    raw = data.get(key)
    return {**data, key: str(raw)} if isinstance(raw, int) and not isinstance(raw, bool) else data


def _header_family(data: Mapping[str, Any], path: str) -> str:
    raw = data.get("rate_limit_headers", "2024")
    text = str(raw) if isinstance(raw, int) and not isinstance(raw, bool) else raw
    return str(v.choice({"rate_limit_headers": text}, "rate_limit_headers", path,
                        RATE_LIMIT_HEADER_FAMILIES))


def _link_base(data: Mapping[str, Any], path: str) -> str | None:
    raw = v.value(data, "link_base_url", path, (str, type(None)), None)
    if raw is not None and not raw.startswith(("http://", "https://")):
        raise v.Invalid(v.join(path, "link_base_url"), f"is {raw!r}",
                        "null, or an absolute URL such as `https://obscura.zendesk.com`")
    return raw.rstrip("/") if raw else None


def _faults(data: Mapping[str, Any], path: str) -> tuple[Fault, ...]:
    where = v.join(path, "faults")
    items = v.listing(data, "faults", path, (dict, Fault), []) if data.get("faults") else []
    return tuple(item if isinstance(item, Fault) else _fault(item, v.join(where, index))
                 for index, item in enumerate(items))


def _fault(data: Mapping[str, Any], path: str) -> Fault:
    v.keys(data, path, FAULT_KEYS)
    methods = [method.upper() for method in v.listing(data, "methods", path, (str,), [])]
    for index, method in enumerate(methods):
        if method not in HTTP_METHODS:
            raise v.Invalid(v.join(v.join(path, "methods"), index), f"is {method!r}",
                            ", ".join(repr(known) for known in HTTP_METHODS))
    return Fault(
        kind=v.choice(data, "kind", path, FAULT_KINDS),
        start=v.value(data, "start", path, (int,), 1, minimum=1),
        count=v.value(data, "count", path, _OPT_INT, None, minimum=1),
        latency_ms=v.value(data, "latency_ms", path, (int,), 0, minimum=0, maximum=60_000),
        retry_after=v.value(data, "retry_after", path, (int,), 1, minimum=0),
        reset_after_bytes=v.value(data, "reset_after_bytes", path, (int,), 16, minimum=0),
        probability=float(v.value(data, "probability", path, (float,), 1.0, minimum=0,
                                  maximum=1)),
        seed=v.value(data, "seed", path, (int,), 0),
        paths=tuple(v.listing(data, "paths", path, (str,), [])),
        methods=tuple(methods),
        body=v.choice(data, "body", path, FAULT_BODIES, "text"),
    )


def _misbehave(raw: Any, path: str) -> Misbehave:
    if isinstance(raw, Misbehave):
        return raw
    data = v.mapping(raw, path)
    v.keys(data, path, MISBEHAVIOURS)
    return Misbehave(**{key: v.value(data, key, path, _BOOL, False) for key in MISBEHAVIOURS})


def settings_to_dict(settings: Settings) -> dict[str, Any]:
    """Settings as plain data that `settings_from_dict` accepts."""
    data = asdict(settings)
    data["faults"] = [_fault_dict(fault) for fault in settings.faults]
    return data


def _fault_dict(fault: Fault) -> dict[str, Any]:
    return asdict(fault) | {"paths": list(fault.paths), "methods": list(fault.methods)}


def merge_settings(current: Settings, changes: Mapping[str, Any]) -> Settings:
    """`current` with `changes` applied, validated as a tenant file's settings would be.

    A `misbehave` mapping is merged into the current switches; every other key replaces.
    """
    data = settings_to_dict(current)
    for key, change in changes.items():
        if key == "misbehave" and isinstance(change, Mapping):
            change = data["misbehave"] | dict(change)
        data[key] = list(change) if key == "faults" else change
    try:
        return settings_from_dict(data, "settings")
    except v.Invalid as exc:
        raise ProfileError(exc.describe("settings passed to configure()")) from None
