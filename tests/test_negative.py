"""The wrong credentials the negative checks send: derived, masked, registered as secrets."""

from __future__ import annotations

import base64
from types import SimpleNamespace

import pytest
import requests

from zdconform.conformance.negative import MALFORMED, HeaderAuth, near_miss, wrong_auth
from zdconform.recording.scrub import SecretSet
from zdconform.settings import Credentials


@pytest.mark.parametrize(("secret", "expected"), [
    pytest.param("fakeadmin0apitoken000", "fakeadmin0apitoken0xx", id="token"),
    pytest.param("pass-word-xy", "pass-word-yx", id="ends-in-x"),
    pytest.param("REDACTED", "REDACTxx", id="replay-placeholder"),
    pytest.param("a", "x", id="one-character"),
])
def test_near_miss_changes_the_last_two_characters(secret, expected):
    assert near_miss(secret) == expected
    assert near_miss(secret) != secret and len(near_miss(secret)) == len(secret)


def test_header_auth_sends_the_value_and_never_shows_it():
    auth = HeaderAuth(MALFORMED["unknown-scheme"])
    request = auth(requests.Request("GET", "https://x.invalid/").prepare())
    assert request.headers["Authorization"] == "Token zdconform-unknown-scheme"
    assert "zdconform-unknown-scheme" not in repr(auth) and "Token" in repr(auth)


def fake_zd(**creds):
    admin = Credentials(role="admin", source={"email": "ZENDESK_EMAIL", "api_token": "ZENDESK_API_TOKEN",
                                              "password": "ZENDESK_PASSWORD"}, **creds)
    run = SimpleNamespace(credentials={"admin": admin}, secrets=SecretSet(), target=SimpleNamespace(slug="t"))
    return SimpleNamespace(run=run)


def test_a_derived_credential_is_registered_in_every_encoding():
    zd = fake_zd(email="fake.admin@obscura.example", api_token="fakeadmin0apitoken0000")
    auth = wrong_auth(zd, "wrong-api-token")
    basic = base64.b64encode(b"fake.admin@obscura.example/token:fakeadmin0apitoken00xx").decode()
    assert auth.secrets()[0] == "fakeadmin0apitoken00xx"
    assert zd.run.secrets.replace(f"Basic {basic}") == "Basic REDACTED"


def test_without_the_real_value_a_fixed_wrong_one_stands_in():
    zd = fake_zd(email="fake.admin@obscura.example")
    auth = wrong_auth(zd, "wrong-password")
    assert auth.secrets()[0] == "zdconform-wrong-password"
    assert len(zd.run.secrets) == 0, "a public probe is no secret: a tenant echoing it leaks nothing"


def test_a_missing_variable_skips_naming_it():
    with pytest.raises(pytest.skip.Exception, match="ZENDESK_API_TOKEN"):
        wrong_auth(fake_zd(email="fake.admin@obscura.example"), "api-token-as-bearer")


def test_a_redirect_on_a_negative_check_is_reported_as_a_redirect():
    import requests

    from zdconform.conformance.checks import check_refused
    from zdconform.exceptions import ConformanceFailure

    response = requests.Response()
    response.status_code, response._content = 302, b""
    response.headers["Location"] = "https://login.example.com/access?token=abc"
    with pytest.raises(ConformanceFailure) as caught:
        check_refused(response, 401, "error_401_basic", what="List Users with a wrong API token",
                      cause="The tenant accepted a wrong API token.", redact=str)
    message = str(caught.value)
    assert "redirected the request (to https://login.example.com)" in message
    assert "The tenant accepted" not in message and "token=abc" not in message
