"""The auth objects: exact headers on the wire, masked reprs, secrets(), equality, auth_for."""

from __future__ import annotations

import pytest
import requests

from zdconform.exceptions import UsageError
from zdconform.http.auth import (
    ApiTokenAuth,
    NoAuth,
    OAuthBearerAuth,
    PasswordAuth,
    ZendeskAuth,
    auth_for,
    mask_email,
)

from _scripted_server import Canned, ScriptedServer

EMAIL = "fakeuser@example.com"
API_TOKEN = "fake-api-token-6wQ"
PASSWORD = "fakepass+word/1"
OAUTH_TOKEN = "fake0auth0token0d6a1c"
API_TOKEN_B64 = "ZmFrZXVzZXJAZXhhbXBsZS5jb20vdG9rZW46ZmFrZS1hcGktdG9rZW4tNndR"
PASSWORD_B64 = "ZmFrZXVzZXJAZXhhbXBsZS5jb206ZmFrZXBhc3Mrd29yZC8x"

AUTHS = [
    pytest.param(ApiTokenAuth(EMAIL, API_TOKEN), f"Basic {API_TOKEN_B64}", id="api-token"),
    pytest.param(PasswordAuth(EMAIL, PASSWORD), f"Basic {PASSWORD_B64}", id="password"),
    pytest.param(OAuthBearerAuth(OAUTH_TOKEN), f"Bearer {OAUTH_TOKEN}", id="oauth-bearer"),
]


@pytest.fixture(scope="module")
def server():
    with ScriptedServer() as srv:
        yield srv


@pytest.mark.parametrize(("auth", "expected_header"), AUTHS)
def test_header_on_the_wire(server, auth, expected_header):
    server.add("/api/v2/users/me.json", Canned(200, {"user": {}}))
    with requests.Session() as session:
        session.get(server.url + "/api/v2/users/me.json", auth=auth, timeout=5)
    assert server.received[-1].headers["authorization"] == expected_header


def test_no_auth_sends_no_authorization_header(server):
    server.add("/api/v2/users.json", Canned(401, {"error": "Couldn't authenticate you"}))
    with requests.Session() as session:
        session.get(server.url + "/api/v2/users.json", auth=NoAuth(), timeout=5)
    assert "authorization" not in server.received[-1].headers


@pytest.mark.parametrize(("auth", "expected_repr"), [
    pytest.param(ApiTokenAuth(EMAIL, API_TOKEN), "ApiTokenAuth(email='f***@example.com', api_token='***')", id="api-token"),
    pytest.param(PasswordAuth(EMAIL, PASSWORD), "PasswordAuth(email='f***@example.com', password='***')", id="password"),
    pytest.param(OAuthBearerAuth(OAUTH_TOKEN), "OAuthBearerAuth(token='***')", id="oauth-bearer"),
])
def test_repr_masks_everything_secret(auth, expected_repr):
    assert repr(auth) == expected_repr
    assert str(auth) == expected_repr
    for text in (repr(auth), str(auth), repr([auth]), f"{auth}"):
        for secret in auth.secrets():
            assert secret not in text
        assert "fakeuser" not in text  # the email's local part is personal data


@pytest.mark.parametrize(("auth", "must_include"), [
    pytest.param(ApiTokenAuth(EMAIL, API_TOKEN), [API_TOKEN, f"{EMAIL}/token:{API_TOKEN}", API_TOKEN_B64], id="api-token"),
    pytest.param(PasswordAuth(EMAIL, PASSWORD), [PASSWORD, f"{EMAIL}:{PASSWORD}", PASSWORD_B64, "fakepass%2Bword%2F1"], id="password"),
    pytest.param(OAuthBearerAuth(OAUTH_TOKEN), [OAUTH_TOKEN], id="oauth-bearer"),
])
def test_secrets_lists_raw_and_encoded_forms(auth, must_include):
    secrets = auth.secrets()
    assert secrets[0] in must_include  # the raw secret leads
    assert set(must_include) <= set(secrets)
    assert len(secrets) == len(set(secrets))
    assert EMAIL not in secrets  # the email alone is personal data, not a secret


def test_secrets_cover_the_header_actually_sent():
    for auth in (ApiTokenAuth(EMAIL, API_TOKEN), PasswordAuth(EMAIL, PASSWORD), OAuthBearerAuth(OAUTH_TOKEN)):
        request = auth(requests.Request("GET", "https://example.com/").prepare())
        assert any(secret in request.headers["Authorization"] for secret in auth.secrets())


def test_call_only_sets_the_header():
    prepared = requests.Request("GET", "https://example.com/x", headers={"Accept": "application/json"}).prepare()
    result = OAuthBearerAuth(OAUTH_TOKEN)(prepared)
    assert result is prepared
    assert dict(prepared.headers) == {"Accept": "application/json", "Authorization": f"Bearer {OAUTH_TOKEN}"}


@pytest.mark.parametrize(("left", "right", "expected_equal"), [
    pytest.param(ApiTokenAuth(EMAIL, API_TOKEN), ApiTokenAuth(EMAIL, API_TOKEN), True, id="api-token-same"),
    pytest.param(ApiTokenAuth(EMAIL, API_TOKEN), ApiTokenAuth(EMAIL, "other-token"), False, id="api-token-other-token"),
    pytest.param(PasswordAuth(EMAIL, PASSWORD), PasswordAuth("x@example.com", PASSWORD), False, id="password-other-email"),
    pytest.param(OAuthBearerAuth(OAUTH_TOKEN), OAuthBearerAuth(OAUTH_TOKEN), True, id="bearer-same"),
    pytest.param(PasswordAuth(f"{EMAIL}/token", API_TOKEN), ApiTokenAuth(EMAIL, API_TOKEN), False, id="same-bytes-other-method"),
    pytest.param(NoAuth(), NoAuth(), True, id="no-auth"),
])
def test_equality_by_value(left, right, expected_equal):
    assert (left == right) is expected_equal
    if expected_equal:
        assert hash(left) == hash(right)


@pytest.mark.parametrize(("auth", "expected_method"), [
    pytest.param(OAuthBearerAuth(OAUTH_TOKEN), "oauth_token", id="oauth-bearer"),
    pytest.param(ApiTokenAuth(EMAIL, API_TOKEN), "api_token", id="api-token"),
    pytest.param(PasswordAuth(EMAIL, PASSWORD), "password", id="password"),
])
def test_method_names(auth, expected_method):
    assert auth.method == expected_method
    assert isinstance(auth, ZendeskAuth)


@pytest.mark.parametrize(("email", "expected"), [
    pytest.param("fakeuser@example.com", "f***@example.com", id="plain"),
    pytest.param("@example.com", "***@example.com", id="empty-local-part"),
    pytest.param("not-an-email", "***", id="no-at-sign"),
])
def test_mask_email(email, expected):
    assert mask_email(email) == expected


CREDENTIALS = {"email": EMAIL, "password": PASSWORD, "api_token": API_TOKEN, "oauth_token": OAUTH_TOKEN}


@pytest.mark.parametrize(("method", "expected"), [
    pytest.param("oauth_token", OAuthBearerAuth(OAUTH_TOKEN), id="oauth-token"),
    pytest.param("api_token", ApiTokenAuth(EMAIL, API_TOKEN), id="api-token"),
    pytest.param("password", PasswordAuth(EMAIL, PASSWORD), id="password"),
])
def test_auth_for_builds_each_method(method, expected):
    assert auth_for(method, CREDENTIALS) == expected


def test_auth_for_reads_attributes_too():
    class Creds:
        email, api_token = EMAIL, API_TOKEN

    assert auth_for("api_token", Creds()) == ApiTokenAuth(EMAIL, API_TOKEN)


@pytest.mark.parametrize(("method", "credentials", "env_prefix", "expected_in_message"), [
    pytest.param("api_token", {"email": EMAIL}, "ZENDESK_", "ZENDESK_API_TOKEN", id="api-token-missing"),
    pytest.param("api_token", {"api_token": API_TOKEN}, "ZENDESK_", "ZENDESK_EMAIL", id="email-missing"),
    pytest.param("password", {"email": EMAIL, "password": ""}, "ZENDESK_AGENT_", "ZENDESK_AGENT_PASSWORD", id="agent-password-empty"),
    pytest.param("oauth_token", {}, "ZENDESK_", "ZENDESK_OAUTH_TOKEN", id="oauth-token-missing"),
    pytest.param("saml", CREDENTIALS, "ZENDESK_", "oauth_token, api_token, password", id="unknown-method"),
])
def test_auth_for_errors_name_the_fix(method, credentials, env_prefix, expected_in_message):
    with pytest.raises(UsageError) as info:
        auth_for(method, credentials, env_prefix=env_prefix)
    assert expected_in_message in str(info.value)
    for secret in (API_TOKEN, PASSWORD, OAUTH_TOKEN):
        assert secret not in str(info.value)


@pytest.mark.parametrize("build", [
    pytest.param(lambda: OAuthBearerAuth(""), id="empty-bearer"),
    pytest.param(lambda: OAuthBearerAuth("fake-token\n"), id="bearer-trailing-newline"),
    pytest.param(lambda: ApiTokenAuth(EMAIL, "fake token"), id="api-token-with-space"),
    pytest.param(lambda: ApiTokenAuth("", API_TOKEN), id="api-token-empty-email"),
    pytest.param(lambda: PasswordAuth("a:b@example.com", PASSWORD), id="password-email-with-colon"),
    pytest.param(lambda: PasswordAuth(EMAIL, None), id="password-none"),
])
def test_bad_credentials_are_usage_errors_that_never_echo_them(build):
    with pytest.raises(UsageError) as info:
        build()
    assert "fake token" not in str(info.value) and "fake-token" not in str(info.value)
