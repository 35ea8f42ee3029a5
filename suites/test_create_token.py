"""Create Token (`POST /api/v2/oauth/tokens.json`) with each auth method.

Admins only. The client id comes from List Clients and the body is the seed's own:
`{"token": {"client_id": "<id>", "scopes": ["read", "write"]}}`. Allowed methods must answer
201 with a valid token object carrying `full_token` (only this response has it); the token
is revoked when the check ends. Disabled methods must be refused with the documented 401.
"""

from __future__ import annotations

import pytest

from zdconform.conformance.context import method_params

METHODS = method_params()


@pytest.mark.zd_check("create_token")
@pytest.mark.parametrize("method", METHODS)
def test_create_token(zd, method):
    auth = zd.auth(method)
    if zd.expected(method) == "denied":
        body = {"token": {"client_id": str(zd.configured_client_id()), "scopes": ["read", "write"]}}
        zd.denied(zd.attempt_create(auth, body), method=method, what="Create Token")
        return
    token = zd.mint_token(auth, method=method)
    assert token.get("full_token"), "zdconform: Create Token's 201 must carry `full_token`"
    assert sorted(token["scopes"]) == sorted(zd.run.profile.scopes), (
        f"zdconform: the token was created with scopes {list(zd.run.profile.scopes)} "
        f"but reports {token['scopes']}")
