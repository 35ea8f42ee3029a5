"""Fleets of generated tenants: `generate_fleet(seed, size)`, varied, some broken on purpose.

Every tenant is the built-in tenant (same fake people and credentials) under its own subdomain,
`t001`, `t002`..., with a policy drawn from `random.Random(seed)`: harmless variations (the
rate-limit header family, the wording of a 403, token lifetimes) for all, and for about one in
three a planted defect, the next of `DEFECTS` in turn, each a setting or misbehaviour switch that the suite
must catch. The same seed and size give the same fleet.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .builtin import default_tenant
from .files import tenant_to_dict

__all__ = ["DEFECTS", "GeneratedTenant", "generate_fleet"]

# defect -> what it changes in the tenant's settings (a misbehaviour switch, or a policy the
# profile does not expect); the checks it fails are the ones tests/test_misbehaving_tenant.py names
DEFECTS: dict[str, dict[str, Any]] = {
    "password-access-on": {"password_access": True},
    "api-token-access-off": {"api_token_access": False},
    "accept-wrong-password": {"misbehave": {"accept_wrong_password": True}},
    "agents-are-admins": {"misbehave": {"agents_are_admins": True}},
    "accept-wrong-client-secret": {"misbehave": {"accept_wrong_client_secret": True}},
    "refresh-without-rotation": {"misbehave": {"refresh_without_rotation": True}},
}
_HARMLESS: tuple[tuple[str, tuple[Any, ...]], ...] = (
    ("rate_limit_headers", ("2024", "2023")),
    ("forbidden_wording", ("2025", "2026")),
    ("oauth_token_ttl_seconds", (None, 1800, 7200)),
)


@dataclass(frozen=True)
class GeneratedTenant:
    """One generated tenant: its name (the subdomain), its data (a tenant file's mapping), its defect."""

    name: str
    data: Mapping[str, Any]
    defect: str | None = None


def generate_fleet(seed: int, size: int, *, defect_rate: float = 1 / 3,
                   settings: Mapping[str, Any] | None = None) -> list[GeneratedTenant]:
    """`size` tenants drawn from `seed`; `settings` (e.g. a latency fault) is added to every one."""
    if not 1 <= size <= 999:
        raise ValueError(f"a generated fleet has 1 to 999 tenants, not {size}")
    draw = random.Random(seed)
    kinds = sorted(DEFECTS)
    turn = draw.randrange(len(kinds))  # defects are dealt in turn, so a fleet of a dozen has them all
    fleet = []
    for number in range(1, size + 1):
        name = f"t{number:03d}"
        data = tenant_to_dict(default_tenant())
        data["subdomain"] = name
        for key, choices in _HARMLESS:
            data["settings"][key] = draw.choice(choices)
        defect = None
        if draw.random() < defect_rate:
            defect, turn = kinds[turn % len(kinds)], turn + 1
        for key, value in {**DEFECTS.get(defect or "", {}), **(settings or {})}.items():
            if key == "misbehave":
                data["settings"]["misbehave"].update(value)
            else:
                data["settings"][key] = value
        fleet.append(GeneratedTenant(name, data, defect))
    return fleet
