"""The README's examples stay true: its tenant file loads, its profile loads, its commands exist."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from zdconform.emulator import DEFAULT_CREDENTIALS, load_tenant
from zdconform.settings import profile_from_dict

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def yaml_blocks() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", README, re.S)


def test_the_readme_tenant_file_loads_in_the_emulator():
    block = next(b for b in yaml_blocks() if "generated_users" in b)
    tenant = load_tenant(yaml.safe_load(block))
    assert tenant.subdomain == "acme"


def test_the_readme_profile_loads():
    block = next(b for b in yaml_blocks() if "expect:" in b and "users:" not in b)
    profile = profile_from_dict(yaml.safe_load(block), origin="README")
    assert profile.expects("password") == "disabled"
    assert (profile.oauth_grant, profile.oauth_allowed_scopes) == ("client_credentials", ("read", "tickets:write"))


def test_the_readme_lists_the_built_in_credentials():
    for role in ("admin", "agent", "end_user"):
        assert DEFAULT_CREDENTIALS[role]["email"] in README
        assert DEFAULT_CREDENTIALS[role]["password"] in README


def test_the_readme_opens_with_the_two_commands():
    first = README.split("```bash\n", 1)[1].split("```", 1)[0].splitlines()
    assert first[0].startswith("./dev run") and first[1].startswith("./dev test")
