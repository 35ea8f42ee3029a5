"""Targets, credentials, profiles and the precedence of settings."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from zdconform.exceptions import ProfileError, UsageError
from zdconform.settings import Credentials, default_profile, load_profile, parse_target, resolve_options


@pytest.mark.parametrize(("value", "kind", "slug", "base"), [
    pytest.param("replay", "replay", "reference-emulator", None, id="replay"),
    pytest.param("emulator", "emulator", "reference-emulator", None, id="emulator"),
    pytest.param("https://acme.zendesk.com", "tenant", "acme.zendesk.com", "https://acme.zendesk.com", id="tenant"),
    pytest.param("https://acme.zendesk.com/", "tenant", "acme.zendesk.com", "https://acme.zendesk.com", id="slash"),
    pytest.param("http://127.0.0.1:8080", "tenant", "127.0.0.1_8080", "http://127.0.0.1:8080", id="loopback-http"),
])
def test_parse_target(value, kind, slug, base):
    target = parse_target(value)
    assert (target.kind, target.slug, target.base_url) == (kind, slug, base)


@pytest.mark.parametrize(("value", "fragment"), [
    pytest.param("http://acme.zendesk.com", "plain http", id="plain-http-remote"),
    pytest.param("acme.zendesk.com", "not a target", id="no-scheme"),
    pytest.param("ftp://acme.zendesk.com", "not a target", id="ftp"),
    pytest.param("https://acme.zendesk.com/api/v2", "path or query", id="path"),
])
def test_parse_target_rejects(value, fragment):
    with pytest.raises(UsageError, match=fragment):
        parse_target(value)


def test_precedence_cli_over_env_over_ini_over_default(tmp_path):
    env = {"ZENDESK_TARGET": "emulator", "ZDCONFORM_MAX_PAGES": "7"}
    both = resolve_options({"target": "https://a.zendesk.com"}, {"target": "replay"}, env, tmp_path)
    assert both.target == "https://a.zendesk.com"
    env_over_ini = resolve_options({}, {"target": "replay", "max_pages": "5"}, env, tmp_path)
    assert (env_over_ini.target, env_over_ini.max_pages) == ("emulator", 7)
    ini = resolve_options({}, {"target": "https://ini.zendesk.com", "max_pages": "5"}, {}, tmp_path)
    assert (ini.target, ini.max_pages) == ("https://ini.zendesk.com", 5)
    default = resolve_options({}, {}, {}, tmp_path)
    assert (default.target, default.max_pages, default.cassette_root) == ("replay", 3, tmp_path / "cassettes")
    assert default.project == tmp_path  # the root every relative path and the token journal hang from


def test_bad_max_pages_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="max-pages"):
        resolve_options({"max_pages": "0"}, {}, {}, tmp_path)


def test_credentials_from_env_name_missing_variables():
    creds = Credentials.from_env("admin", {"ZENDESK_EMAIL": "a@b.c", "ZENDESK_API_TOKEN": "tok-123456"})
    assert creds.missing_for("api_token") == []
    assert creds.missing_for("password") == ["ZENDESK_PASSWORD"]
    assert creds.missing_for("oauth_token") == ["ZENDESK_OAUTH_TOKEN"]
    agent = Credentials.from_env("agent", {})
    assert agent.missing_for("password") == ["ZENDESK_AGENT_EMAIL", "ZENDESK_AGENT_PASSWORD"]


def test_credentials_repr_hides_secrets():
    creds = Credentials.from_env("admin", {"ZENDESK_EMAIL": "a@b.c", "ZENDESK_PASSWORD": "hunter2-secret"})
    assert "hunter2" not in repr(creds) and "a@b.c" not in repr(creds)


@pytest.mark.parametrize(("day", "password", "api_token"), [
    pytest.param(dt.date(2025, 12, 1), "enabled", "enabled", id="before-password-removal"),
    pytest.param(dt.date(2026, 11, 29), "disabled", "enabled", id="today"),
    pytest.param(dt.date(2027, 4, 30), "disabled", "disabled", id="api-tokens-deactivated"),
])
def test_default_profile_follows_zendesk_policy(day, password, api_token):
    profile = default_profile(day)
    assert (profile.expect["password"], profile.expect["api_token"], profile.expect["oauth"]) == (
        password, api_token, "enabled")


def test_load_profile(tmp_path: Path):
    path = tmp_path / "acme.yaml"
    path.write_text("target: https://acme.zendesk.com\nexpect:\n  password: enabled\n"
                    "oauth_client: 50328\nscopes: [read]\n")
    profile = load_profile(path)
    assert profile.expects("password") == "enabled" and profile.expects("oauth_token") == "enabled"
    assert (profile.oauth_client, profile.scopes, profile.name) == (50328, ("read",), "acme")


@pytest.mark.parametrize(("text", "field"), [
    pytest.param("expect:\n  password: off\n", "expect.password", id="bad-value"),
    pytest.param("expect:\n  sso: enabled\n", "expect.sso", id="unknown-method"),
    pytest.param("scopes: []\n", "scopes", id="empty-scopes"),
    pytest.param("colour: blue\n", "colour", id="unknown-key"),
    pytest.param("- a\n- b\n", "(top level)", id="not-a-mapping"),
    pytest.param("expect: [\n", "not valid YAML", id="yaml-syntax"),
])
def test_malformed_profile_names_the_field(tmp_path, text, field):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert field in str(info.value) and "bad.yaml" in str(info.value)


def test_missing_profile_file(tmp_path):
    with pytest.raises(ProfileError, match="not found: check the path given to `--zd-profile`"):
        load_profile(tmp_path / "nope.yaml")


@pytest.mark.parametrize(("value", "expected"), [
    ("1", True), ("true", True), ("YES", True), (" on ", True),
    ("0", False), ("false", False), ("No", False), ("off", False),
])
def test_switches_are_parsed_strictly(tmp_path, value, expected):
    options = resolve_options({}, {}, {"ZDCONFORM_ALLOW_UNVERIFIED": value}, tmp_path)
    assert options.allow_unverified is expected


@pytest.mark.parametrize("value", ["2", "enable", "y es", "nope", "truee", "-1", "\x00"])
def test_anything_else_is_not_a_switch(tmp_path, value):
    with pytest.raises(UsageError) as caught:
        resolve_options({}, {}, {"ZDCONFORM_ALLOW_UNVERIFIED": value}, tmp_path)
    assert "ZDCONFORM_ALLOW_UNVERIFIED" in str(caught.value) and "not a switch" in str(caught.value)


@pytest.mark.parametrize("name", ["ZENDESK_TARGET", "ZENDESK_API_TOKEN", "ZDCONFORM_REPORTS",
                                  "ZENDESK_OAUTH_CLIENT_ID"])
def test_a_set_but_empty_variable_is_refused_naming_it(name):
    from zdconform.settings.options import check_environment

    with pytest.raises(UsageError) as caught:
        check_environment({name: " ", "ZENDESK_EMAIL": "qa@example.com"})
    assert str(caught.value).startswith(f"{name} is set but empty") and "unset" in str(caught.value)


def test_an_unknown_zendesk_variable_gets_a_did_you_mean():
    from zdconform.settings.options import check_environment

    lines = check_environment({"ZENDESK_TARGT": "https://acme.zendesk.com", "ZDCONFORM_NOTHING_LIKE_IT": "1",
                               "ZENDESK_TARGET": "replay", "PATH": "/bin"})
    assert lines == ["ZDCONFORM_NOTHING_LIKE_IT is not a variable zdconform reads (docs/options.md lists them)",
                     "ZENDESK_TARGT is not a variable zdconform reads: did you mean ZENDESK_TARGET?"]
