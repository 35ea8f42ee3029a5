"""Replay resolves no host name: the offline guarantee covers DNS, not only connections."""

from __future__ import annotations

import socket

import pytest

from zdconform.exceptions import NetworkBlockedError
from zdconform.recording.offline import no_dns


@pytest.mark.parametrize("lookup", [
    pytest.param(lambda h: socket.getaddrinfo(h, 443), id="getaddrinfo"),
    pytest.param(lambda h: socket.gethostbyname(h), id="gethostbyname"),
    pytest.param(lambda h: socket.gethostbyname_ex(h), id="gethostbyname_ex"),
])
def test_lookups_of_remote_names_are_refused(lookup):
    with no_dns(), pytest.raises(NetworkBlockedError, match="acme.zendesk.com"):
        lookup("acme.zendesk.com")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_still_resolves(host):
    with no_dns():
        assert socket.getaddrinfo(host, 80)


def test_lookups_are_restored_afterwards():
    real = socket.getaddrinfo
    with no_dns():
        assert socket.getaddrinfo is not real
    assert socket.getaddrinfo is real


def test_requests_through_the_replay_guard_never_reach_dns():
    import requests

    with no_dns(), pytest.raises(NetworkBlockedError):
        requests.get("https://acme.zendesk.com/api/v2/users.json", timeout=1)
