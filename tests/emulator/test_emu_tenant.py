"""Tenant files: defaults, validation errors that name the field, YAML round trips."""

from __future__ import annotations

import pytest
import yaml

from zdconform.emulator import default_tenant, dump_tenant_yaml, load_tenant
from zdconform.emulator.tenant.model import Settings
from zdconform.emulator.tenant.people import generate_users
from zdconform.exceptions import ProfileError

ADMIN = {"id": 1, "name": "A", "email": "a@t.example", "role": "admin"}
CLIENT = {"id": 7, "user_id": 1, "name": "c", "identifier": "c"}
TOKEN = {"id": 9, "user_id": 1, "client_id": 7, "token": "t" * 64, "scopes": ["read"]}


def test_a_minimal_tenant_gets_present_day_defaults():
    tenant = load_tenant({"users": [ADMIN]})
    assert tenant.subdomain == "obscura" and tenant.settings == Settings()
    assert tenant.users[0].profile["role_type"] == 4


@pytest.mark.parametrize(("data", "field", "allowed"), [
    pytest.param({"users": [ADMIN | {"role": "owner"}]}, "users[0].role",
                 "'admin', 'agent', 'end-user'", id="role"),
    pytest.param({"users": [ADMIN | {"id": "one"}]}, "users[0].id", "an integer", id="id-type"),
    pytest.param({"users": [ADMIN, ADMIN | {"id": 2}]}, "users[1].email", "unique",
                 id="duplicate-email"),
    pytest.param({"users": [ADMIN, ADMIN | {"email": "b@t.example"}]}, "users[1].id", "unique",
                 id="duplicate-id"),
    pytest.param({"users": [ADMIN | {"phone": 5551234}]}, "users[0].phone", "a string or null",
                 id="profile-field-type"),
    pytest.param({"users": [ADMIN | {"nickname": "x"}]}, "users[0].nickname", "api_tokens",
                 id="unknown-user-field"),
    pytest.param({"users": [{"id": 1, "name": "A", "role": "admin"}]}, "users[0].email",
                 "a string or null", id="missing-email"),
    pytest.param({"users": [ADMIN], "clients": [CLIENT | {"user_id": 2}]}, "clients[0].user_id",
                 "a users[].id", id="client-owner-unknown"),
    pytest.param({"users": [ADMIN], "clients": [CLIENT | {"kind": "secret"}]}, "clients[0].kind",
                 "'confidential', 'public'", id="client-kind"),
    pytest.param({"users": [ADMIN], "clients": [CLIENT], "tokens": [TOKEN | {"client_id": 8}]},
                 "tokens[0].client_id", "a clients[].id", id="token-client-unknown"),
    pytest.param({"users": [ADMIN], "clients": [CLIENT], "tokens": [TOKEN | {"scopes": "read"}]},
                 "tokens[0].scopes", "a list", id="token-scopes-type"),
    pytest.param({"settings": {"password_access": "no"}}, "settings.password_access", "a boolean",
                 id="setting-type"),
    pytest.param({"settings": {"rate_limit_headers": "2025"}}, "settings.rate_limit_headers",
                 "'2024', '2023'", id="header-family"),
    pytest.param({"settings": {"rate_limit_per_minute": 0}}, "settings.rate_limit_per_minute",
                 "from 1", id="rate-limit-range"),
    pytest.param({"settings": {"link_base_url": "obscura.zendesk.com"}},
                 "settings.link_base_url", "absolute URL", id="link-base-url"),
    pytest.param({"settings": {"faults": [{"kind": "explode"}]}}, "settings.faults[0].kind",
                 "'latency', 'rate_limit', 'unavailable', 'reset'", id="fault-kind"),
    pytest.param({"settings": {"faults": [{"kind": "reset", "probability": 2}]}},
                 "settings.faults[0].probability", "from 0 to 1", id="fault-probability"),
    pytest.param({"settings": {"faults": [{"kind": "reset", "methods": ["FETCH"]}]}},
                 "settings.faults[0].methods[0]", "'GET'", id="fault-method"),
    pytest.param({"settings": {"misbehave": {"lie": True}}}, "settings.misbehave.lie",
                 "revoke_is_noop", id="misbehave-switch"),
    pytest.param({"generated_users": {"count": -1}}, "generated_users.count", "from 0",
                 id="generated-count"),
    pytest.param({"tenant": "acme"}, "tenant", "subdomain, settings", id="unknown-top-level"),
    pytest.param(["not", "a", "mapping"], "(top level)", "a mapping", id="not-a-mapping"),
])
def test_malformed_tenants_name_the_field_and_the_allowed_values(data, field, allowed):
    with pytest.raises(ProfileError) as caught:
        load_tenant(data)
    message = str(caught.value)
    assert f"`{field}`" in message and allowed in message
    assert "\n" not in message


def test_explicit_ids_may_not_clash_with_generated_ones():
    clash = generate_users(5, 3)[2].id
    with pytest.raises(ProfileError, match=r"users\[0\]\.id"):
        load_tenant({"users": [ADMIN | {"id": clash}], "generated_users": {"count": 5, "seed": 3}})


def test_yaml_syntax_errors_name_the_file_and_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("users:\n  - id: 1\n    name: [unclosed\n")
    with pytest.raises(ProfileError, match=r"broken\.yaml` is not valid YAML at line \d"):
        load_tenant(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ProfileError, match="nope.yaml` cannot be read"):
        load_tenant(tmp_path / "nope.yaml")


def test_dump_round_trips_the_builtin_tenant(tmp_path):
    text = dump_tenant_yaml(default_tenant())
    path = tmp_path / "tenant.yaml"
    path.write_text(text)
    again = load_tenant(path)
    assert dump_tenant_yaml(again) == text
    assert [u.id for u in again.all_users] == [u.id for u in default_tenant().all_users]


def test_dump_round_trips_faults_and_settings():
    data = {"users": [ADMIN], "clients": [CLIENT], "tokens": [TOKEN],
            "settings": {"faults": [{"kind": "latency", "latency_ms": 5, "paths": ["/a"]}],
                         "rate_limit_headers": 2023, "misbehave": {"revoke_is_noop": True}}}
    tenant = load_tenant(data)
    assert load_tenant(yaml.safe_load(dump_tenant_yaml(tenant))) == tenant


def test_generated_users_are_a_function_of_the_seed():
    assert generate_users(20, 1) == generate_users(20, 1)
    assert generate_users(20, 1) != generate_users(20, 2)
