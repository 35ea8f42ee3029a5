"""Targets and the rules for URLs: where the suites run, and which base URLs are safe.

`parse_target` reads `--zd-target` / `ZENDESK_TARGET` (`replay`, `emulator`, or a tenant base
URL); `check_base_url` vets a base URL before any request; `is_loopback` decides where plain
http is allowed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

from ..exceptions import UsageError

__all__ = ["REFERENCE_SLUG", "Target", "check_base_url", "is_loopback", "parse_target"]

REFERENCE_SLUG = "reference-emulator"


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


def check_base_url(base_url: str) -> str:
    """The base URL without a trailing slash; a `UsageError` for anything unsafe or malformed."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"`base_url` {base_url!r} is not an http(s) URL: use the tenant's address, "
            "for example `https://SUBDOMAIN.zendesk.com`."
        )
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            "`base_url` carries credentials in it (not shown): remove `user:pass@` and pass "
            "them through the ZENDESK_* environment variables."
        )
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError(
            f"`base_url` uses plain http for a non-loopback host ({parts.hostname!r}): "
            "credentials would cross the network unencrypted. Use https."
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
