"""Targets and the rules for URLs: where the suites run, and which base URLs are safe.

`parse_target` reads `--zd-target` / `ZENDESK_TARGET` (`replay`, `emulator`, or a tenant base
URL; on loopback also an emulator fleet's tenant, `http://127.0.0.1:PORT/tenants/NAME`);
`check_base_url` vets a base URL before any request; `is_loopback` decides where plain http is
allowed.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import SplitResult, urlsplit, urlunsplit

from ..exceptions import UsageError, excerpt
from .spelling import target_hint

__all__ = ["REFERENCE_SLUG", "Target", "check_base_url", "is_loopback", "parse_target"]

REFERENCE_SLUG = "reference-emulator"
# An emulator fleet's tenant on loopback, where `NAME.localhost` does not resolve (docs/emulator.md)
TENANT_PREFIX = re.compile(r"^/tenants/[a-z0-9][a-z0-9_-]{0,62}/?$")


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


def parse_target(value: str, *, replay_from: str = REFERENCE_SLUG, name: str = "`--zd-target`") -> Target:
    """Parse `--zd-target` / `ZENDESK_TARGET`: `replay`, `emulator`, or a tenant base URL. `name` is the
    option or variable the value came from, as the user typed it: the messages name it."""
    value = value.strip()
    if value == "replay":
        return Target("replay", slug=replay_from)
    if value == "emulator":
        return Target("emulator", slug=REFERENCE_SLUG)
    if "@" in value:  # never echoed: what stands before the @ is a user name and a password
        raise UsageError(
            f"{name} carries credentials in its URL (`user:password@`; "
            "not shown here): remove them, and pass credentials only through ZENDESK_EMAIL with "
            "ZENDESK_API_TOKEN or ZENDESK_PASSWORD, or ZENDESK_OAUTH_TOKEN."
        )
    parts = _split(value)
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"{name} {excerpt(value)} is not a target: use `replay` (the default: the recorded "
            "cassettes, offline), `emulator` (the bundled reference emulator) or a tenant's base "
            f"URL such as `https://acme.zendesk.com`.{target_hint(value)}"
        )
    _check_host(parts.hostname, parts.netloc, name)
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError(
            f"{name} {excerpt(value)} uses plain http on a non-loopback host; credentials would "
            f"cross the network unencrypted. Use `https://{parts.netloc}` instead (plain http is "
            "accepted only for 127.0.0.1, ::1 and localhost)."
        )
    prefix = parts.path.rstrip("/") if is_loopback(parts.hostname) and TENANT_PREFIX.match(parts.path) else ""
    if (parts.path not in ("", "/") and not prefix) or parts.query or parts.fragment:
        raise UsageError(
            f"{name} {excerpt(value)} has a path or query; give only the tenant's base URL, "
            f"for example `{parts.scheme}://{parts.netloc}` (a loopback emulator fleet's tenant may "
            "also be addressed as `http://127.0.0.1:PORT/tenants/NAME`)."
        )
    base = f"{parts.scheme}://{parts.netloc}{prefix}"
    return Target("tenant", base_url=base, slug=_slug(parts.netloc + prefix))


def _split(value: str) -> SplitResult | None:
    """The URL's parts, or None for text that is no URL (a bad port, an unclosed `[`)."""
    try:
        parts = urlsplit(value)
        _ = parts.port  # raises on a port that is no number or out of range
    except ValueError:
        return None
    return parts


HOST = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?$")


def _check_host(hostname: str, netloc: str, name: str) -> None:
    """A DNS name (labels of 1 to 63 letters, digits and hyphens; 253 characters in all) or an IP."""
    try:
        ipaddress.ip_address(hostname)
        return
    except ValueError:
        pass
    if len(hostname) > 253 or not HOST.match(hostname) or any(c.isspace() for c in netloc):
        raise UsageError(
            f"{name} names the host {excerpt(hostname)}, which is not a valid host name "
            "(labels of 1 to 63 letters, digits and hyphens, at most 253 characters in all): "
            "give the tenant's base URL, such as `https://acme.zendesk.com`."
        )


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
