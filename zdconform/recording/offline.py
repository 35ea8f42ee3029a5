"""Replay's offline guarantee, extended to name resolution.

pytest-recording's `block_network` refuses socket connections, but a host name can still be
looked up (its issue #131): a DNS query leaves the machine before any connect. During a
replayed check, `no_dns()` makes every lookup of a non-loopback name fail at once, naming the
host, so replay provably sends nothing anywhere.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..exceptions import NetworkBlockedError
from ..settings import is_loopback

__all__ = ["no_dns"]

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def _is_loopback(host: Any) -> bool:
    if host is None:
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    return name.lower() in _LOOPBACK_NAMES or is_loopback(name)


@contextmanager
def no_dns() -> Iterator[None]:
    """Within the block, resolving any host but loopback raises `NetworkBlockedError`."""
    originals = (socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex)

    def guard(real: Any) -> Any:
        def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
            if not _is_loopback(host):
                raise NetworkBlockedError(
                    f"zdconform: replay looked up the host {host!r}, but replay is offline: no "
                    "name is resolved and no connection is made. The check sent a request its "
                    "recording does not hold; record it again (`zdconform run --target ...`).")
            return real(host, *args, **kwargs)
        return lookup

    socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex = (guard(f) for f in originals)
    try:
        yield
    finally:
        socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex = originals
