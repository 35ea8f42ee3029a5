"""List OAuth Clients (`GET /api/v2/oauth/clients.json`) with each auth method.

Admins only. Allowed methods must answer 200 with a `clients` envelope whose every client is
valid, and the configured client must be listed (on whichever page); methods the profile disables must be
refused with the documented 401.
"""

from __future__ import annotations

import pytest

from zdconform.conformance.context import method_params
from zdconform.conformance.endpoints import CLIENTS_PATH

METHODS = method_params()


@pytest.mark.zd_check("list_clients")
@pytest.mark.parametrize("method", METHODS)
def test_list_clients(zd, method):
    auth = zd.auth(method)
    if zd.expected(method) == "denied":
        zd.denied(zd.client.get(CLIENTS_PATH, auth=auth), method=method, what="List OAuth Clients")
        return
    client = zd.find_client(zd.list_clients(auth, method=method))  # every page (F-53)
    assert isinstance(client["id"], int), "zdconform: the client's resource id must be an integer"
