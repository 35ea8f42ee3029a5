"""The people of a tenant: the `User` record, a user's default profile, and seeded filler users.

The generation is a pure function of its arguments (a fixed `random.Random(seed)`), so the
same tenant always yields the same users, ids and timestamps, in any process.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FILLER_ID_BASE", "PROFILE_TYPES", "User", "default_profile", "generate_users"]

NoneType = type(None)


@dataclass(frozen=True)
class User:
    """A user of the tenant; `profile` holds the other fields of Zendesk's user object."""

    id: int
    name: str
    email: str | None
    role: str
    password: str | None = None
    api_tokens: tuple[str, ...] = ()
    profile: Mapping[str, Any] = field(default_factory=dict)


# The fields of Zendesk's user object besides id, url, name, email and role, in the order
# Zendesk renders them, with the YAML types a tenant file may give them.
PROFILE_TYPES: dict[str, tuple[type, ...]] = {
    "created_at": (str,),
    "updated_at": (str,),
    "time_zone": (str,),
    "iana_time_zone": (str,),
    "phone": (str, NoneType),
    "shared_phone_number": (bool, NoneType),
    "photo": (dict, NoneType),
    "locale_id": (int,),
    "locale": (str,),
    "organization_id": (int, NoneType),
    "verified": (bool,),
    "external_id": (str, NoneType),
    "tags": (list,),
    "alias": (str, NoneType),
    "active": (bool,),
    "shared": (bool,),
    "shared_agent": (bool,),
    "last_login_at": (str, NoneType),
    "two_factor_auth_enabled": (bool, NoneType),
    "signature": (str, NoneType),
    "details": (str, NoneType),
    "notes": (str, NoneType),
    "role_type": (int, NoneType),
    "custom_role_id": (int, NoneType),
    "moderator": (bool,),
    "ticket_restriction": (str, NoneType),
    "only_private_comments": (bool,),
    "restricted_agent": (bool,),
    "suspended": (bool,),
    "default_group_id": (int, NoneType),
    "report_csv": (bool,),
    "user_fields": (dict,),
}

FILLER_ID_BASE = 1_900_000_000_000
_EPOCH = dt.datetime(2019, 3, 1, 9, 0, 0, tzinfo=dt.UTC)
_FIRST = ("Ada", "Bruno", "Chioma", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ines", "Jonas",
          "Kaito", "Lena", "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq")
_LAST = ("Abara", "Berg", "Castillo", "Dubois", "Eriksen", "Fontaine", "Greco", "Haddad",
         "Ivanova", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Novak", "Okafor", "Petrov")
_ZONES = ("America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Sao_Paulo",
          "Australia/Sydney", "Europe/London")
_LOCALES = (("en-US", 1), ("en-US", 1), ("en-US", 1), ("de", 8), ("fr", 16), ("pt-BR", 19))
_ORGS = (None, None, 1_922_000_000_101, 1_922_000_000_102, 1_922_000_000_103)


def default_profile(role: str) -> dict[str, Any]:
    """The profile fields of a user of `role` that a tenant file does not set."""
    admin, end_user = role == "admin", role == "end-user"
    return {
        "created_at": "2023-03-14T09:26:53Z", "updated_at": "2024-02-08T10:00:00Z",
        "time_zone": "America/New_York", "iana_time_zone": "America/New_York",
        "phone": None, "shared_phone_number": None, "photo": None,
        "locale_id": 1, "locale": "en-US", "organization_id": None, "verified": True,
        "external_id": None, "tags": [], "alias": None, "active": True, "shared": False,
        "shared_agent": False, "last_login_at": None,
        "two_factor_auth_enabled": None if end_user else False,
        "signature": None, "details": None, "notes": None,
        "role_type": 4 if admin else None, "custom_role_id": None, "moderator": admin,
        "ticket_restriction": "requested" if end_user else None,
        "only_private_comments": False, "restricted_agent": end_user, "suspended": False,
        "default_group_id": None, "report_csv": admin, "user_fields": {},
    }


def generate_users(count: int, seed: int) -> tuple[User, ...]:
    """`count` filler users with 13-digit ids, all derived from `seed`."""
    rng = random.Random(seed)
    users, user_id = [], FILLER_ID_BASE + rng.randrange(10_000_000)
    for index in range(count):
        user_id += rng.randrange(1, 40_000_000)
        users.append(_filler_user(rng, index, user_id))
    return tuple(users)


def _filler_user(rng: random.Random, index: int, user_id: int) -> User:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    draw = rng.random()
    role = "admin" if draw < 0.02 else "agent" if draw < 0.14 else "end-user"
    email = None if role == "end-user" and rng.random() < 0.04 else \
        f"{first}.{last}.{index}@customers.example".lower()
    profile = default_profile(role) | _varied_fields(rng, role, user_id)
    return User(id=user_id, name=f"{first} {last}", email=email, role=role, profile=profile)


def _varied_fields(rng: random.Random, role: str, user_id: int) -> dict[str, Any]:
    created = _EPOCH + dt.timedelta(days=rng.randrange(1500), seconds=rng.randrange(86_400))
    updated = created + dt.timedelta(days=rng.randrange(300), seconds=rng.randrange(86_400))
    zone = rng.choice(_ZONES)
    locale, locale_id = rng.choice(_LOCALES)
    phone = f"+1555{rng.randrange(10_000_000):07d}" if rng.random() < 0.3 else None
    logged_in = updated + dt.timedelta(hours=rng.randrange(1, 2000))
    staff = role != "end-user"
    return {
        "created_at": _stamp(created), "updated_at": _stamp(updated),
        "time_zone": zone, "iana_time_zone": zone, "locale": locale, "locale_id": locale_id,
        "phone": phone, "shared_phone_number": None if phone is None else False,
        "photo": _photo(user_id) if rng.random() < 0.05 else None,
        "organization_id": rng.choice(_ORGS),
        "verified": rng.random() < 0.9,
        "external_id": f"crm-{user_id % 1_000_000:06d}" if rng.random() < 0.2 else None,
        "tags": ["vip"] if rng.random() < 0.1 else [],
        "alias": "" if rng.random() < 0.1 else None,
        "last_login_at": _stamp(logged_in) if staff or rng.random() < 0.6 else None,
        "default_group_id": 1_933_000_000_001 if staff else None,
    }


def _photo(user_id: int) -> dict[str, Any]:
    base = f"https://obscura.example/system/photos/{user_id}"
    return {
        "url": f"{base}.json", "id": user_id + 7, "file_name": "avatar.png",
        "content_url": f"{base}/avatar.png", "mapped_content_url": f"{base}/avatar.png",
        "content_type": "image/png", "size": 4120, "width": 80, "height": 80,
        "inline": False, "deleted": False, "thumbnails": [],
    }


def _stamp(instant: dt.datetime) -> str:
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")
