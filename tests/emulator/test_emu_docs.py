"""docs/emulator.md stays true: its complete tenant example runs, its credentials are real."""

from __future__ import annotations

import re
from pathlib import Path

import requests
import yaml

from zdconform.emulator import DEFAULT_CREDENTIALS, ZendeskEmulator, load_tenant

from emu_support import basic

DOC = (Path(__file__).parents[2] / "docs" / "emulator.md").read_text(encoding="utf-8")


def example() -> dict:
    section = DOC.split("### A complete example", 1)[1]
    return yaml.safe_load(re.search(r"```yaml\n(.*?)```", section, re.S).group(1))


def test_the_complete_example_loads():
    tenant = load_tenant(example())
    assert (tenant.subdomain, len(tenant.all_users)) == ("acme", 123)


def test_the_complete_example_behaves_as_its_comments_say():
    with ZendeskEmulator(example()) as emulator, requests.Session() as session:
        session.headers["Authorization"] = basic("alex.admin@acme.example", "fakepass-alex")
        statuses = [session.get(f"{emulator.url}/api/v2/users.json", timeout=10)
                    for _ in range(5)]
        assert [r.status_code for r in statuses] == [200, 200, 429, 429, 200]
        assert statuses[0].json()["next_page"].startswith("https://acme.zendesk.com/")
        assert "rate-limit-remaining" in statuses[0].headers


def test_the_documented_credentials_are_the_real_ones():
    for who in ("admin", "agent", "end_user"):
        person = DEFAULT_CREDENTIALS[who]
        assert str(person["id"]) in DOC and person["email"] in DOC and person["password"] in DOC
        assert person["api_token"] is None or person["api_token"] in DOC
        assert person["oauth_token"].rstrip("0") in DOC
