"""The suites check Zendesk's contract, not the reference emulator's quirks.

A second server, the emulator reconfigured in every way the reference allows a real tenant
to differ (extra fields everywhere, other client and token ids, pagination links and `url`s
on another host, the other rate-limit header family, tokens that expire), must pass the live
run just the same.
"""

from __future__ import annotations

import pytest

from zdconform.emulator import DEFAULT_CREDENTIALS, ZendeskEmulator, default_tenant, tenant_to_dict

from _helpers import run_suites

ADMIN = DEFAULT_CREDENTIALS["admin"]
ENV = {"ZENDESK_EMAIL": ADMIN["email"], "ZENDESK_API_TOKEN": ADMIN["api_token"],
       "ZENDESK_OAUTH_TOKEN": ADMIN["oauth_token"]}

pytestmark = pytest.mark.e2e  # every test here starts a conformance run in a fresh interpreter


def different_tenant() -> dict:
    data = tenant_to_dict(default_tenant())
    data["settings"].update(extra_fields=True, link_base_url="https://elsewhere.zendesk.example",
                            rate_limit_headers="2023", oauth_token_ttl_seconds=1800)
    for client in data["clients"]:
        client["id"] += 7_000_000_000_000  # 13-digit client ids
    for token in data["tokens"]:
        token["client_id"] += 7_000_000_000_000
    return data


@pytest.mark.parametrize("suite", [
    pytest.param("test_list_clients.py", id="list-clients"),
    pytest.param("test_create_token.py", id="create-token"),
    pytest.param("test_users_bearer.py", id="users-bearer"),
])
def test_a_differently_shaped_tenant_still_conforms(tmp_path, suite):
    with ZendeskEmulator(tenant=different_tenant()) as emulator:
        result = run_suites(f"--zd-target={emulator.url}", f"--zd-cassette-root={tmp_path / 'c'}",
                            f"--zd-reports={tmp_path / 'r'}", "-k", suite.removesuffix(".py"), env=ENV)
        served = [path for _, path, _ in emulator.request_log]
    assert result.returncode == 0, result.output
    assert "failed" not in result.output
    assert served, "the run must have reached the server"


def test_links_on_another_host_are_followed_on_the_target_only(tmp_path):
    with ZendeskEmulator(tenant=different_tenant()) as emulator:
        result = run_suites(f"--zd-target={emulator.url}", f"--zd-cassette-root={tmp_path / 'c'}",
                            f"--zd-reports={tmp_path / 'r'}", "-k", "existing_oauth_token", env=ENV)
        pages = [path for method, path, _ in emulator.request_log if "/api/v2/users" in path]
    assert result.returncode == 0, result.output
    assert len(pages) >= 4, "both styles must have followed links (served here, not elsewhere)"
