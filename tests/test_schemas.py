"""The JSON Schemas under `schemas/` and the validation API in `zdconform.conformance.schemas`."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from zdconform.conformance.schemas import (
    SCHEMAS_DIR,
    SchemaRegistry,
    Violation,
    load_registry,
    validate,
    validate_file,
)
from zdconform.exceptions import SchemaNotFoundError, UsageError

ID_PREFIX = "https://zdconform.invalid/schemas/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILES = sorted(SCHEMAS_DIR.glob("*.json"))
REQUIRED_NAMES = [
    "client_response", "clients_list", "error_401_basic", "error_401_bearer", "error_403",
    "error_403_role", "error_403_scope", "error_404", "error_429", "error_4xx_generic",
    "oauth_client", "oauth_token", "pagination_cursor", "pagination_offset", "token_response",
    "tokens_list", "user", "user_response", "users_list",
]
FULL_TOKEN = "52d7ef4ee01e2c2c75bff572f957cd4f12d6225eee07ea2f01d01a"  # the seed's example value

# --- realistic bodies, after the reference's doc examples, the seed and the recordings ---------

DOC_CLIENT: dict[str, Any] = {  # the oauth_clients JSON-format example (reference §2.1)
    "company": "Zendesk", "created_at": "2009-05-13T00:07:08Z",
    "description": "Zendesk Survey Integration", "id": 223443,
    "identifier": "master_of_the_universe", "kind": "confidential", "name": "Survey Client",
    "redirect_uri": ["https://example.com/callback"], "secret": "af3t24tfj34h43s...",
    "updated_at": "2011-07-22T00:11:12Z",
    "url": "https://example.zendesk.com/api/v2/clients/223443.json", "user_id": 29,
}
SEED_CLIENT: dict[str, Any] = {  # the seed's List Clients item; its "..." filled in
    "name": "OAuth client for my app", "id": 50328, "user_id": 293241756,
    "identifier": "oauth_client_for_my_app", "company": None, "description": None,
    "logo_url": None, "redirect_uri": [], "global": False, "secret": None,
    "created_at": "2024-01-10T12:00:00Z", "updated_at": "2024-01-10T12:00:00Z",
    "url": "https://obscura.zendesk.com/api/v2/oauth/clients/50328.json",
}
DOC_TOKEN: dict[str, Any] = {  # the List Tokens doc example (reference §2.2)
    "client_id": 41, "created_at": "2009-05-13T00:07:08Z", "expires_at": "2011-07-22T00:11:12Z",
    "id": 223443, "refresh_token": "af3t24tfj34h43s...", "scopes": ["read"],
    "token": "af3345kdj3", "url": "https://example.zendesk.com/api/v2/tokens/223443.json",
    "used_at": "2010-01-22T00:11:12Z", "user_id": 29,
}
SEED_CREATED_TOKEN: dict[str, Any] = {  # the seed's Create Token 201 body; its "..." filled in
    "full_token": FULL_TOKEN, "scopes": ["read", "write"], "id": 8100299, "user_id": 293241756,
    "client_id": 50328, "token": FULL_TOKEN[:10], "refresh_token": None,
    "refresh_token_expires_at": None, "expires_at": None, "used_at": None,
    "created_at": "2026-03-02T09:14:57Z",
    "url": "https://obscura.zendesk.com/api/v2/oauth/tokens/8100299.json",
}
RECORDED_ADMIN: dict[str, Any] = {  # users/me as recorded 2023-12-13 (reference §2.4, §8)
    "id": 6130907993114,
    "url": "https://z3n-jteitelbaum.zendesk.com/api/v2/users/6130907993114.json",
    "name": "09cace", "email": "automationsqa@example.com", "created_at": "2023-02-21T18:01:38Z",
    "updated_at": "2023-12-13T16:57:49Z", "time_zone": "America/New_York",
    "iana_time_zone": "America/New_York", "phone": None, "shared_phone_number": None,
    "photo": None, "locale_id": 1, "locale": "en-US", "organization_id": 6130907991706,
    "role": "admin", "verified": True, "external_id": None, "tags": [], "alias": "",
    "active": True, "shared": False, "shared_agent": False, "last_login_at": None,
    "two_factor_auth_enabled": None, "signature": None, "details": "", "notes": "",
    "role_type": 4, "custom_role_id": 6130907992330, "moderator": True,
    "ticket_restriction": None, "only_private_comments": False, "restricted_agent": False,
    "suspended": False, "default_group_id": 6130907992714, "report_csv": True,
    "user_fields": {}, "authenticity_token": "Xq3zK8vLm2pRtY7wN4bH5cJ6dF9gS0aE",
}
CREATED_END_USER: dict[str, Any] = {  # POST /users as recorded 2023-09-18: no email
    "id": 18226367893396, "url": "https://d3v-zenpydev.zendesk.com/api/v2/users/18226367893396.json",
    "name": "Cursor User", "email": None, "created_at": "2023-09-18T07:21:04Z",
    "updated_at": "2023-09-18T07:21:04Z", "role": "end-user", "role_type": None,
    "ticket_restriction": "requested", "two_factor_auth_enabled": False, "last_login_at": None,
    "organization_id": None, "default_group_id": None, "custom_role_id": None, "alias": None,
    "details": None, "notes": None, "signature": None, "tags": [], "user_fields": {},
}
END_USER_VIEW: dict[str, Any] = {  # the UserForEndUser field set (reference §2.4)
    "id": 1900000000001, "url": "https://acme.zendesk.com/api/v2/users/1900000000001.json",
    "name": "Pat", "email": "pat@example.com", "created_at": "2025-01-01T00:00:00Z",
    "updated_at": "2025-01-02T00:00:00Z", "time_zone": "Europe/Paris",
    "iana_time_zone": "Europe/Paris", "locale": "fr", "locale_id": 16, "organization_id": None,
    "phone": None, "photo": {"id": 1, "content_url": "https://acme.zendesk.com/p.png"},
    "role": "end-user", "shared_phone_number": None, "verified": False,
}
OFFSET_KEYS: dict[str, Any] = {
    "next_page": "https://z3n-jteitelbaum.zendesk.com/api/v2/users.json?page=2",
    "previous_page": None, "count": 2000,
}
CURSOR_KEYS: dict[str, Any] = {  # links on the canonical subdomain, not the requested host
    "meta": {"has_more": True, "after_cursor": "eyJvIjoiaWQiLCJ2IjoiYVJ3In0=",
             "before_cursor": None},
    "links": {"next": "https://z3n-jteitelbaum.zendesk.com/api/v2/users.json?page%5Bafter%5D=x",
              "prev": None},
}
LAST_CURSOR_PAGE: dict[str, Any] = {
    "meta": {"has_more": False, "after_cursor": None, "before_cursor": "eyJvIjoiaWQifQ=="},
    "links": {"next": None, "prev": "https://acme.zendesk.com/api/v2/users.json?page[before]=y"},
}


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `base` with `changes` applied; a value of `...` removes the key."""
    result = copy.deepcopy(base)
    for key, value in changes.items():
        if value is ...:
            del result[key]
        else:
            result[key] = value
    return result


# --- the schema files themselves --------------------------------------------------------------


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=[p.stem for p in SCHEMA_FILES])
def test_schema_file_is_valid_2020_12_with_id_and_docs(path: Path) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == DIALECT
    assert schema["$id"] == f"{ID_PREFIX}{path.name}"
    assert schema["title"] and len(schema["description"]) > 40


def test_registry_holds_every_required_schema() -> None:
    assert set(REQUIRED_NAMES) <= set(load_registry().names())


def test_registry_is_loaded_once_per_directory() -> None:
    assert load_registry() is load_registry(SCHEMAS_DIR)


@pytest.mark.parametrize("alias", ["oauth_token", "oauth_token.json", f"{ID_PREFIX}oauth_token.json"],
                         ids=["bare", "file", "id"])
def test_schema_is_named_by_bare_name_file_name_or_id(alias: str) -> None:
    registry = load_registry()
    assert registry.schema(alias)["title"] == "OAuth token"
    assert registry.is_valid(DOC_TOKEN, alias)


def test_schema_returns_a_copy() -> None:
    load_registry().schema("oauth_client")["required"].append("nonsense")
    assert "nonsense" not in load_registry().schema("oauth_client")["required"]


# --- realistic responses validate ------------------------------------------------------------

POSITIVE = [
    pytest.param("clients_list", {"clients": [DOC_CLIENT]}, id="clients-doc-example"),
    pytest.param("clients_list", {"clients": [SEED_CLIENT]}, id="clients-seed-example-nulls"),
    pytest.param("clients_list", {"clients": []}, id="clients-empty-unpaginated"),
    pytest.param("clients_list", {"clients": [DOC_CLIENT], **OFFSET_KEYS}, id="clients-offset"),
    pytest.param("clients_list", {"clients": [SEED_CLIENT], **CURSOR_KEYS}, id="clients-cursor"),
    pytest.param("oauth_client", with_(DOC_CLIENT, kind=..., scopes=["read"]), id="client-no-kind-extra-field"),
    pytest.param("oauth_client", with_(DOC_CLIENT, kind="public", logo_url="https://cdn.example/l.png"), id="client-public"),
    pytest.param("client_response", {"client": with_(DOC_CLIENT, secret="f" * 64)}, id="client-created-full-secret"),
    pytest.param("tokens_list", {"tokens": [DOC_TOKEN], **OFFSET_KEYS}, id="tokens-doc-example-offset"),
    pytest.param("tokens_list", {"tokens": [DOC_TOKEN, SEED_CREATED_TOKEN]}, id="tokens-unpaginated"),
    pytest.param("tokens_list", {"tokens": [], **LAST_CURSOR_PAGE}, id="tokens-last-cursor-page"),
    pytest.param("token_response", {"token": SEED_CREATED_TOKEN}, id="token-create-201-seed"),
    pytest.param("token_response", {"token": DOC_TOKEN}, id="token-show-doc-example"),
    pytest.param("token_response", {"token": with_(SEED_CREATED_TOKEN, expires_at="2026-03-02T09:44:57Z", refresh_token="r" * 40, refresh_token_expires_at="2026-04-01T09:14:57Z")}, id="token-expiring-2026-ttl"),
    pytest.param("oauth_token", with_(DOC_TOKEN, scopes=["tickets:read", "users:write", "bogus"], created_at="2026-03-02T09:14:57.123Z"), id="token-any-scope-strings-fractional-seconds"),
    pytest.param("oauth_token", with_(DOC_TOKEN, id=2**63, user_id=6130907993114), id="token-huge-ids"),
    pytest.param("user", RECORDED_ADMIN, id="user-recorded-admin-13-digit-id-other-host"),
    pytest.param("user", CREATED_END_USER, id="user-recorded-end-user-null-email"),
    pytest.param("user", END_USER_VIEW, id="user-end-user-view"),
    pytest.param("user", with_(RECORDED_ADMIN, chat_only=False, separation={"scope": "account"}, suspension_details=None, brand_new_field=[1]), id="user-newer-and-unknown-fields"),
    pytest.param("user", {"id": 5, "name": "Minimal"}, id="user-minimal"),
    pytest.param("user_response", {"user": RECORDED_ADMIN}, id="user-response-me"),
    pytest.param("users_list", {"users": [RECORDED_ADMIN, CREATED_END_USER], **OFFSET_KEYS}, id="users-offset-recorded"),
    pytest.param("users_list", {"users": [RECORDED_ADMIN], **CURSOR_KEYS}, id="users-cursor-links-other-host"),
    pytest.param("users_list", {"users": [END_USER_VIEW], **LAST_CURSOR_PAGE}, id="users-cursor-last-page"),
    pytest.param("users_list", {"users": [], "next_page": None, "previous_page": None, "count": 0}, id="users-offset-empty"),
    pytest.param("pagination_offset", {"next_page": "http://127.0.0.1:8080/api/v2/users.json?page=2", "previous_page": None}, id="offset-loopback-no-count"),
    pytest.param("pagination_cursor", CURSOR_KEYS, id="cursor-keys"),
    pytest.param("error_401_basic", {"error": "Couldn't authenticate you"}, id="401-basic"),
    pytest.param("error_401_bearer", {"error": "invalid_token", "error_description": "The access token provided is expired, revoked, malformed or invalid for other reasons."}, id="401-bearer"),
    pytest.param("error_403_scope", {"error": "Forbidden", "description": "You are missing the following required scopes: read"}, id="403-scope-read"),
    pytest.param("error_403", {"error": "Forbidden", "description": "You are missing the following required scopes: write"}, id="403-either-scope-write"),
    pytest.param("error_403_role", {"error": {"title": "Forbidden", "message": "You do not have access to this page. Please contact the account owner of this help desk for further help."}}, id="403-role"),
    pytest.param("error_403", {"error": {"title": "Forbidden", "message": "You do not have access to this page."}}, id="403-either-role"),
    pytest.param("error_404", {"error": "RecordNotFound", "description": "Not found"}, id="404"),
    pytest.param("error_4xx_generic", {"error": "TooManyValues", "description": "Maximum 100 users may be created per call"}, id="400-too-many-values"),
    pytest.param("error_4xx_generic", {"error": "RecordInvalid", "description": "Record validation errors", "details": {"client_id": [{"description": "is invalid", "error": "InvalidValue"}]}}, id="422-record-invalid"),
    pytest.param("error_4xx_generic", {"error": "invalid_scope", "error_description": "Scope not allowed"}, id="400-invalid-scope"),
    pytest.param("error_4xx_generic", {"error": {"title": "Forbidden", "message": "No."}}, id="4xx-error-object"),
    pytest.param("error_4xx_generic", {"errors": [{"code": "InvalidValue", "title": "Invalid client", "detail": "x"}]}, id="4xx-json-api"),
    pytest.param("error_429", "Number of allowed API requests per minute exceeded", id="429-text-plain"),
    pytest.param("error_429", {"error": "TooManyRequests", "description": "Slow down"}, id="429-json"),
]


@pytest.mark.parametrize(("name", "instance"), POSITIVE)
def test_realistic_response_conforms(name: str, instance: Any) -> None:
    assert validate(instance, name) == []
    assert load_registry().is_valid(instance, name)


# --- broken responses fail with the right keyword at the right path --------------------------

NEGATIVE = [
    pytest.param("oauth_client", with_(DOC_CLIENT, id=...), "$", "required", id="client-missing-id"),
    pytest.param("oauth_client", with_(DOC_CLIENT, identifier=...), "$", "required", id="client-missing-identifier"),
    pytest.param("clients_list", {"clients": [DOC_CLIENT] * 3 + [with_(DOC_CLIENT, id="abc")]}, "$.clients[3].id", "type", id="client-id-string"),
    pytest.param("clients_list", {"clients": [with_(DOC_CLIENT, id=0)]}, "$.clients[0].id", "minimum", id="client-id-zero"),
    pytest.param("clients_list", {"client": [DOC_CLIENT]}, "$", "required", id="clients-envelope-key-wrong"),
    pytest.param("clients_list", {"clients": DOC_CLIENT}, "$.clients", "type", id="clients-not-array"),
    pytest.param("oauth_client", with_(DOC_CLIENT, kind="secretive"), "$.kind", "enum", id="client-kind-unknown"),
    pytest.param("oauth_client", with_(DOC_CLIENT, redirect_uri="https://example.com/cb"), "$.redirect_uri", "type", id="client-redirect-uri-not-array"),
    pytest.param("oauth_client", with_(DOC_CLIENT, url="/api/v2/clients/1.json"), "$.url", "pattern", id="client-url-relative"),
    pytest.param("oauth_token", with_(DOC_TOKEN, scopes=[]), "$.scopes", "minItems", id="token-no-scopes"),
    pytest.param("oauth_token", with_(DOC_TOKEN, scopes="read write"), "$.scopes", "type", id="token-scopes-grant-type-string"),
    pytest.param("oauth_token", with_(DOC_TOKEN, client_id="50328"), "$.client_id", "type", id="token-client-id-string"),
    pytest.param("oauth_token", with_(DOC_TOKEN, created_at="2009-05-13 00:07:08"), "$.created_at", "pattern", id="token-timestamp-not-iso"),
    pytest.param("oauth_token", with_(DOC_TOKEN, expires_at="2011-07-22T02:11:12+02:00"), "$.expires_at", "pattern", id="token-timestamp-not-utc"),
    pytest.param("oauth_token", with_(DOC_TOKEN, created_at=None), "$.created_at", "type", id="token-created-at-null"),
    pytest.param("token_response", {"access_token": FULL_TOKEN, "token_type": "bearer", "scope": "read"}, "$", "required", id="token-response-grant-type-shape"),
    pytest.param("token_response", {"token": with_(SEED_CREATED_TOKEN, full_token=None)}, "$.token.full_token", "type", id="token-full-token-null"),
    pytest.param("user", with_(RECORDED_ADMIN, id="6130907993114"), "$.id", "type", id="user-id-string"),
    pytest.param("user", with_(RECORDED_ADMIN, name=...), "$", "required", id="user-missing-name"),
    pytest.param("user", with_(RECORDED_ADMIN, email=5), "$.email", "type", id="user-email-number"),
    pytest.param("user", with_(RECORDED_ADMIN, role="owner"), "$.role", "enum", id="user-role-unknown"),
    pytest.param("user", with_(RECORDED_ADMIN, alias=5), "$.alias", "type", id="user-admin-only-field-wrong-type"),
    pytest.param("user", with_(RECORDED_ADMIN, tags="vip"), "$.tags", "type", id="user-tags-not-array"),
    pytest.param("user", with_(END_USER_VIEW, verified="yes"), "$.verified", "type", id="user-end-user-verified-string"),
    pytest.param("users_list", {"users": [RECORDED_ADMIN, with_(CREATED_END_USER, updated_at="yesterday")]}, "$.users[1].updated_at", "pattern", id="users-item-bad-timestamp"),
    pytest.param("users_list", {"users": [], **with_(OFFSET_KEYS, next_page=2)}, "$.next_page", "type", id="users-offset-next-page-number"),
    pytest.param("users_list", {"users": [], **with_(OFFSET_KEYS, count="2000")}, "$.count", "type", id="users-offset-count-string"),
    pytest.param("users_list", {"users": [], **with_(CURSOR_KEYS, meta={"has_more": "yes", "after_cursor": None, "before_cursor": None})}, "$.meta.has_more", "type", id="users-cursor-has-more-string"),
    pytest.param("users_list", {"users": [], **with_(CURSOR_KEYS, links={"next": "/api/v2/users.json?page[after]=x", "prev": None})}, "$.links.next", "pattern", id="users-cursor-link-relative"),
    pytest.param("users_list", {"users": [], "meta": CURSOR_KEYS["meta"]}, "$", "anyOf", id="users-cursor-links-missing"),
    pytest.param("error_401_basic", {"error": "invalid_token", "error_description": "expired"}, "$.error", "const", id="401-basic-given-bearer-body"),
    pytest.param("error_401_bearer", {"error": "Couldn't authenticate you"}, "$", "required", id="401-bearer-given-basic-body"),
    pytest.param("error_401_bearer", {"error": "invalid_token", "error_description": 7}, "$.error_description", "type", id="401-bearer-description-number"),
    pytest.param("error_403_scope", {"error": "Forbidden", "description": "You are missing the following required scopes: "}, "$.description", "pattern", id="403-scope-names-no-scope"),
    pytest.param("error_403", {"error": "Forbidden", "description": "Nope"}, "$.description", "pattern", id="403-either-bad-description"),
    pytest.param("error_403_role", {"error": "Forbidden"}, "$.error", "type", id="403-role-given-string-error"),
    pytest.param("error_403_role", {"error": {"title": "Forbidden"}}, "$.error", "required", id="403-role-missing-message"),
    pytest.param("error_404", {"error": "NotFound", "description": "Not found"}, "$.error", "enum", id="404-wrong-error"),
    pytest.param("error_4xx_generic", {"message": "bad"}, "$", "anyOf", id="4xx-no-error-key"),
    pytest.param("error_429", "", "$", "pattern", id="429-empty-text"),
    pytest.param("error_429", "  \n", "$", "pattern", id="429-blank-text"),
    pytest.param("error_429", {"message": "slow"}, "$", "required", id="429-json-without-error"),
]


@pytest.mark.parametrize(("name", "instance", "path", "keyword"), NEGATIVE)
def test_broken_response_fails_at_path_with_keyword(name: str, instance: Any, path: str, keyword: str) -> None:
    violations = validate(instance, name)
    assert violations, f"{name} accepted {instance!r}"
    assert (violations[0].path, violations[0].keyword) == (path, keyword), [str(v) for v in violations]
    assert not load_registry().is_valid(instance, name)


def test_violation_reads_as_one_line() -> None:
    body = {"clients": [DOC_CLIENT] * 3 + [with_(DOC_CLIENT, id="abc")]}
    [violation] = validate(body, "clients_list")
    assert violation == Violation("$.clients[3].id", "type", "'abc' is not of type 'integer'", "'abc'")
    assert str(violation) == "$.clients[3].id: 'abc' is not of type 'integer' (keyword: type)"


def test_violations_are_all_reported_best_first_then_by_path() -> None:
    clients = [DOC_CLIENT] * 12
    clients[10], clients[2] = with_(DOC_CLIENT, id="x"), with_(DOC_CLIENT, name=None)
    violations = validate({"clients": clients, "count": -1, "next_page": None, "previous_page": None}, "clients_list")
    assert [v.path for v in violations] == ["$.count", "$.clients[2].name", "$.clients[10].id"]


def test_alternatives_failing_equally_name_the_closest() -> None:
    [violation] = validate({"users": [], "links": {}}, "users_list")
    assert (violation.path, violation.keyword) == ("$", "anyOf")
    assert violation.message.endswith(
        "; closest: $.links: 'next' is a required property; $.links: 'prev' is a required property")


def test_long_values_are_truncated() -> None:
    [violation] = validate(with_(DOC_CLIENT, name=["n" * 500]), "oauth_client")
    assert len(violation.value) <= 80 and violation.value.endswith("...")
    assert len(violation.message) <= 240


# --- secrets never show in a violation --------------------------------------------------------

SECRET = "Zq9XkP4vT7sW2mL8nB5cR1dF6gH3jK0a"

LEAKY = [
    pytest.param("oauth_token", with_(DOC_TOKEN, token=[SECRET]), "$.token", id="token-value-wrong-type"),
    pytest.param("token_response", {"token": with_(SEED_CREATED_TOKEN, full_token=[SECRET])}, "$.token.full_token", id="full-token-wrong-type"),
    pytest.param("token_response", {"token": with_(SEED_CREATED_TOKEN, full_token=SECRET, url="nope")}, "$.token.url", id="full-token-beside-other-error"),
    pytest.param("oauth_token", with_(DOC_TOKEN, refresh_token=1234567890123456789), "$.refresh_token", id="refresh-token-number"),
    pytest.param("clients_list", {"clients": [with_(DOC_CLIENT, secret={"value": SECRET})]}, "$.clients[0].secret", id="client-secret-nested"),
    pytest.param("user", with_(RECORDED_ADMIN, authenticity_token=[SECRET], name=...), "$", id="authenticity-token-in-object-repr"),
    pytest.param("users_list", {"users": [], "meta": CURSOR_KEYS["meta"], "password": SECRET, "access_token": SECRET}, "$", id="secret-in-anyof-message"),
    pytest.param("error_401_basic", {"error": SECRET, "token": SECRET}, "$.error", id="secret-echoed-elsewhere"),
]


@pytest.mark.parametrize(("name", "instance", "path"), LEAKY)
def test_secrets_are_masked_in_violations(name: str, instance: Any, path: str) -> None:
    violations = validate(instance, name)
    assert path in [v.path for v in violations]
    for violation in violations:
        for text in (violation.value, violation.message, str(violation)):
            assert SECRET not in text and SECRET[4:12] not in text and "1234567890123456789" not in text


def test_masking_keeps_at_most_four_leading_chars() -> None:
    [violation] = validate(with_(DOC_TOKEN, token=[SECRET]), "oauth_token")
    assert violation.value == "['Zq9X***']"
    assert str(violation) == "$.token: ['Zq9X***'] is not of type 'string' (keyword: type)"


def test_secret_echoed_under_an_ordinary_key_is_masked() -> None:
    [violation] = validate({"error": SECRET, "token": SECRET}, "error_401_basic")
    assert violation.value == "'***'"
    assert str(violation) == "$.error: \"Couldn't authenticate you\" was expected (keyword: const)"


def test_token_envelope_is_not_masked_wholesale() -> None:
    [violation] = validate({"token": with_(DOC_TOKEN, id="223443")}, "token_response")
    assert violation.value == "'223443'" and violation.path == "$.token.id"


# --- unknown names and broken schema directories ----------------------------------------------


@pytest.mark.parametrize(("name", "closest"), [
    pytest.param("oauth_tokn", "oauth_token", id="typo"),
    pytest.param("users_lists.json", "users_list", id="file-name-typo"),
    pytest.param(f"{ID_PREFIX}error_401_bearr.json", "error_401_bearer", id="id-typo"),
])
def test_unknown_schema_names_the_closest_and_lists_known(name: str, closest: str) -> None:
    with pytest.raises(SchemaNotFoundError) as raised:
        validate({}, name)
    message = str(raised.value)
    assert repr(name) in message and f"Did you mean `{closest}`?" in message
    assert all(known in message for known in REQUIRED_NAMES)


def write_dir(tmp_path: Path, files: dict[str, str | dict[str, Any]]) -> Path:
    shutil.copy(SCHEMAS_DIR / "common.json", tmp_path / "common.json")
    for name, content in files.items():
        text = content if isinstance(content, str) else json.dumps(content)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return tmp_path


def schema_doc(name: str, **body: Any) -> dict[str, Any]:
    return {"$schema": DIALECT, "$id": f"{ID_PREFIX}{name}", "title": name, **body}


BROKEN = [
    pytest.param({"bad.json": schema_doc("bad.json", type="objekt")}, ["bad.json", "objekt", "type"], id="invalid-keyword-value"),
    pytest.param({"bad.json": schema_doc("bad.json", required="id")}, ["bad.json", "required"], id="required-not-array"),
    pytest.param({"bad.json": '{"$schema": "x",\n  "type": }'}, ["bad.json", "line 2", "column"], id="invalid-json"),
    pytest.param({"bad.json": schema_doc("bad.json", properties={"a": {"$ref": "missing.json"}})}, ["bad.json", "missing.json"], id="dangling-ref"),
    pytest.param({"bad.json": {"$schema": DIALECT, "type": "object"}}, ["bad.json", "$id"], id="missing-id"),
    pytest.param({"bad.json": schema_doc("bad.json") | {"$schema": "http://json-schema.org/draft-07/schema#"}}, ["bad.json", "2020-12"], id="other-dialect"),
    pytest.param({"a.json": schema_doc("a.json"), "b.json": schema_doc("a.json")}, ["a.json", "share"], id="duplicate-id"),
]


@pytest.mark.parametrize(("files", "expected_words"), BROKEN)
def test_broken_schema_dir_fails_fast_naming_the_file(tmp_path: Path, files: dict[str, Any], expected_words: list[str]) -> None:
    directory = write_dir(tmp_path, files)
    with pytest.raises(UsageError) as raised:
        load_registry(directory)
    assert all(word in str(raised.value) for word in expected_words), str(raised.value)


def test_empty_schema_dir_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no JSON Schema files"):
        load_registry(tmp_path)


def test_custom_dir_loads_and_env_var_overrides_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = write_dir(tmp_path, {"thing.json": schema_doc("thing.json", type="object", required=["id"], properties={"id": {"$ref": "common.json#/$defs/id"}})})
    registry = load_registry(directory)
    assert isinstance(registry, SchemaRegistry) and registry.names() == ["common", "thing"]
    assert [v.keyword for v in registry.validate({"id": -1}, "thing")] == ["minimum"]
    monkeypatch.setenv("ZDCONFORM_SCHEMAS_DIR", str(directory))
    assert load_registry() is registry


# --- validate_file, the CLI action ------------------------------------------------------------


def test_validate_file_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "clients.json"
    saved.write_text(json.dumps({"clients": [SEED_CLIENT]}), encoding="utf-8")
    assert validate_file("clients_list.json", str(saved)) == 0
    assert capsys.readouterr().out == f"OK: {saved} conforms to clients_list\n"


def test_validate_file_reports_each_violation_then_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    saved = tmp_path / "token.json"
    saved.write_text(json.dumps({"token": with_(SEED_CREATED_TOKEN, id="1", scopes=[])}), encoding="utf-8")
    assert validate_file("token_response", str(saved)) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [  # jsonschema's best match first, then the rest by path
        "$.token.scopes: [] should be non-empty (keyword: minItems)",
        "$.token.id: '1' is not of type 'integer' (keyword: type)",
        f"FAIL: {saved} does not conform to token_response: 2 violations",
    ]
    assert FULL_TOKEN[4:] not in "\n".join(lines)


def test_validate_file_accepts_a_text_plain_body_saved_as_json_string(tmp_path: Path) -> None:
    saved = tmp_path / "429.json"
    saved.write_text(json.dumps("Number of allowed API requests per minute exceeded"), encoding="utf-8")
    assert validate_file("error_429", str(saved)) == 0


def test_validate_file_unknown_schema(tmp_path: Path) -> None:
    saved = tmp_path / "x.json"
    saved.write_text("{}", encoding="utf-8")
    with pytest.raises(SchemaNotFoundError, match="Did you mean `user`"):
        validate_file("usr", str(saved))


@pytest.mark.parametrize(("content", "expected"), [
    pytest.param(None, "was not found", id="missing-file"),
    pytest.param('{"clients": [\n  {"id": 1,}\n]}', "line 2, column 12", id="invalid-json"),
    pytest.param(b"\xff\xfe{", "UTF-8", id="not-utf8"),
])
def test_validate_file_unreadable_input_is_a_usage_error(tmp_path: Path, content: str | bytes | None, expected: str) -> None:
    saved = tmp_path / "response.json"
    if isinstance(content, bytes):
        saved.write_bytes(content)
    elif content is not None:
        saved.write_text(content, encoding="utf-8")
    with pytest.raises(UsageError) as raised:
        validate_file("clients_list", str(saved))
    assert str(saved) in str(raised.value) and expected in str(raised.value)


def test_a_schema_broken_after_a_cached_check_still_fails_at_load(tmp_path, monkeypatch):
    """The check cache remembers file digests: an edited file is checked again."""
    from zdconform.conformance import schemas as module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = tmp_path / "s"
    folder.mkdir()
    path = folder / "thing.json"
    good = {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "https://zdconform.invalid/schemas/thing.json", "type": "object"}
    path.write_text(json.dumps(good))
    assert module.load_registry(folder).names() == ["thing"]
    assert (tmp_path / "cache" / "zdconform" / "schema-checks.json").exists()
    module._load.cache_clear()
    path.write_text(json.dumps({**good, "type": "no-such-type"}))
    with pytest.raises(UsageError, match="thing.json"):
        module.load_registry(folder)
    module._load.cache_clear()
