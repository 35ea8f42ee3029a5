"""The emulator's `wire: compressed` variant (fact F-62): gzip, chunks, lower-case field names, the same
answer; requests (as the checks use it) reads it whole."""

from __future__ import annotations

import requests

from zdconform.emulator import DEFAULT_CREDENTIALS, ZendeskEmulator, default_tenant, tenant_to_dict

ADMIN = DEFAULT_CREDENTIALS["admin"]


def answers(wire: str) -> tuple[requests.Response, list[str]]:
    tenant = tenant_to_dict(default_tenant())
    tenant["settings"]["wire"] = wire
    with ZendeskEmulator(tenant=tenant) as emulator:
        response = requests.get(f"{emulator.url}/api/v2/users.json?page[size]=2", timeout=10,
                                headers={"Authorization": f"Bearer {ADMIN['oauth_token']}"}, stream=True)
        names = list(response.raw.headers.keys())
        response.content  # noqa: B018 - read it whole while the emulator runs
    return response, names


def test_compressed_answers_are_the_same_answers():
    plain, plain_names = answers("plain")
    packed, names = answers("compressed")
    assert packed.headers["content-encoding"] == "gzip" and packed.headers["transfer-encoding"] == "chunked"
    assert "content-length" not in {n.lower() for n in names} and all(n == n.lower() for n in names)
    assert "Content-Length" in plain_names and "content-encoding" not in {n.lower() for n in plain_names}
    strip = lambda body: {k: v for k, v in body.items() if k != "meta"}  # noqa: E731
    assert packed.status_code == plain.status_code == 200
    assert [u["id"] for u in strip(packed.json())["users"]] == [u["id"] for u in strip(plain.json())["users"]]
