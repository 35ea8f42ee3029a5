"""Redaction, pseudonymization and the leak finder, on vcrpy's own request objects."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest
from vcr.request import Request

from zdconform.exceptions import CassetteLeakError
from zdconform.recording.scrub import REDACTED, Scrubber, SecretSet, find_leaks, leak_gate, mask

SECRET = "s3cr3t/t0ken+with=odd chars"


def make_scrubber(*secrets: str, base_map=None) -> Scrubber:
    known = SecretSet()
    for secret in secrets:
        known.add(secret, "test secret")
    return Scrubber(known, b"key", base_map)


def response(body, headers=None):
    return {"status": {"code": 200, "message": "OK"},
            "headers": {"Content-Type": ["application/json"], **(headers or {})},
            "body": {"string": json.dumps(body).encode() if not isinstance(body, bytes) else body}}


@pytest.mark.parametrize(("header", "expected"), [
    pytest.param("Bearer abcdef0123456789", "Bearer REDACTED", id="bearer"),
    pytest.param("Basic YWJjOmRlZg==", "Basic REDACTED", id="basic"),
    pytest.param("Token xyz", REDACTED, id="other-scheme"),
])
def test_authorization_keeps_scheme_only(header, expected):
    request = Request("GET", "https://a.zendesk.com/api/v2/users.json", None, {"Authorization": header})
    assert make_scrubber().before_record_request(request).headers["Authorization"] == expected


def test_query_and_json_request_body_secrets_are_redacted():
    body = json.dumps({"token": {"client_id": "1", "scopes": ["read"]}, "password": "pw-123456"})
    request = Request("POST", "https://a.zendesk.com/x?access_token=abc123&page=2", body,
                      {"Cookie": "session=1"})
    out = make_scrubber().before_record_request(request)
    assert "abc123" not in out.uri and "access_token=REDACTED" in out.uri and "page=2" in out.uri
    assert json.loads(out.body)["password"] == REDACTED
    assert json.loads(out.body)["token"] == {"client_id": "1", "scopes": ["read"]}
    assert out.headers["Cookie"] == REDACTED


def test_response_tokens_redacted_and_harvested():
    scrubber = make_scrubber()
    full = "f" * 40
    body = {"token": {"id": 7, "full_token": full, "token": full[:10], "refresh_token": None,
                      "scopes": ["read", "write"]}}
    out = scrubber.before_record_response(response(body, {"Content-Length": ["999"]}))
    recorded = json.loads(out["body"]["string"])
    assert recorded["token"]["full_token"] == REDACTED and recorded["token"]["token"] == REDACTED
    assert recorded["token"]["refresh_token"] is None and recorded["token"]["id"] == 7
    assert find_leaks(full, scrubber.secrets), "a token seen in a response must become a known secret"
    assert out["headers"]["Content-Length"] == [str(len(out["body"]["string"]))]


def test_volatile_headers_dropped_and_cookies_redacted():
    out = make_scrubber().before_record_response(response({}, {
        "Date": ["Sun, 29 Nov 2026 02:00:00 GMT"], "X-Request-Id": ["abc"], "Set-Cookie": ["s=1"],
        "X-Rate-Limit": ["700"]}))
    assert "Date" not in out["headers"] and "X-Request-Id" not in out["headers"]
    assert out["headers"]["Set-Cookie"] == [REDACTED] and out["headers"]["X-Rate-Limit"] == ["700"]


def test_people_are_pseudonymized_consistently():
    scrubber = make_scrubber()
    user = {"id": 1, "name": "Ada Lovelace", "email": "ada@acme.com", "phone": "+44 20 7946 0000",
            "role": "admin"}
    first = json.loads(scrubber.before_record_response(response({"users": [user]}))["body"]["string"])
    again = json.loads(scrubber.before_record_response(response({"user": user}))["body"]["string"])
    pseudo = first["users"][0]
    assert pseudo == again["user"], "the same person must get the same pseudonym"
    assert "Ada" not in json.dumps(first) and "acme.com" not in json.dumps(first)
    assert pseudo["email"].endswith("@example.invalid") and pseudo["role"] == "admin"
    client = {"id": 9, "name": "OAuth client for my app", "user_id": 1}
    kept = json.loads(scrubber.before_record_response(response({"clients": [client]}))["body"]["string"])
    assert kept["clients"][0]["name"] == "OAuth client for my app", "only user-like objects are personal"


@pytest.mark.parametrize("encode", [
    pytest.param(lambda s: s, id="raw"),
    pytest.param(lambda s: base64.b64encode(s.encode()).decode(), id="base64"),
    pytest.param(lambda s: quote(s, safe=""), id="url-encoded"),
    pytest.param(lambda s: json.dumps(s)[1:-1], id="json-escaped"),
])
def test_known_secret_found_and_replaced_in_every_encoding(encode):
    scrubber = make_scrubber(SECRET)
    text = f"prefix {encode(SECRET)} suffix"
    assert find_leaks(text, scrubber.secrets)
    assert not find_leaks(scrubber.text(text), scrubber.secrets)


def test_unredacted_authorization_is_a_leak_even_when_unknown():
    assert find_leaks("Authorization: Bearer 0123456789abcdef", SecretSet())
    assert not find_leaks("Authorization: Bearer REDACTED", SecretSet())


def test_base_url_rewritten_everywhere():
    scrubber = make_scrubber(base_map={"http://127.0.0.1:5555": "https://reference-emulator.invalid"})
    out = scrubber.before_record_response(response(
        {"next_page": "http://127.0.0.1:5555/api/v2/users.json?page=2"},
        {"Location": ["http://127.0.0.1:5555/api/v2/oauth/tokens/1.json"]}))
    assert b"127.0.0.1" not in out["body"]["string"]
    assert out["headers"]["Location"] == ["https://reference-emulator.invalid/api/v2/oauth/tokens/1.json"]


def test_mask_never_shows_more_than_four_characters():
    assert mask("supersecretvalue") == "supe***" and mask("abc") == "***"


def test_short_values_are_not_registered_as_secrets():
    known = SecretSet()
    known.add("abc", "too short to search for")
    assert len(known) == 0


def test_form_encoded_body_secrets_are_redacted():
    body = "grant_type=refresh_token&refresh_token=rt-0123456789&client_secret=cs-abcdef&scope=read"
    request = Request("POST", "https://a.zendesk.com/oauth/tokens", body,
                      {"Content-Type": "application/x-www-form-urlencoded"})
    out = make_scrubber().before_record_request(request).body.decode()
    assert "rt-0123456789" not in out and "cs-abcdef" not in out
    assert "grant_type=refresh_token" in out and "scope=read" in out


def test_messages_for_logs_and_reports_lose_secrets_and_emails():
    scrubber = make_scrubber(SECRET)
    text = scrubber.message(f"401 for ada@acme.com with token {SECRET}; seen person-0123456789@example.invalid")
    assert SECRET not in text and "ada@acme.com" not in text
    assert scrubber.pseudonym("email", "ada@acme.com") in text
    assert "person-0123456789@example.invalid" in text, "pseudonyms are left as they are"


@pytest.mark.parametrize(("text", "leak"), [
    pytest.param("Authorization: Basic ZmFrZUBleGFtcGxlLmNvbTpwdw==", True, id="basic-value"),
    pytest.param("Authorization: Bearer 52d7ef4ee01e2c2c75bff572f957cd4f12d6225e", True, id="bearer-token"),
    pytest.param("Authorization: Basic REDACTED", False, id="basic-redacted"),
    pytest.param("Zendesk sends a `Basic realm=...` challenge", False, id="basic-realm-prose"),
    pytest.param('WWW-Authenticate: Bearer realm="Zendesk::OAuth Bearer Token Authentication"', False,
                 id="bearer-challenge"),
])
def test_unredacted_authorization_patterns(text, leak):
    assert bool(find_leaks(text, SecretSet())) is leak


def test_the_leak_gate_judges_secrets_not_look_alikes():
    scrubber = Scrubber(SecretSet(), b"k")
    full = "0000000000" + "5f1e2d3c4b5a69788796a5b4c3d2e1f0" * 2
    scrubber.body(json.dumps({"token": {"id": 1830000000001, "token": "0000000000", "full_token": full}}))
    assert find_leaks('{"id": 1820000000004, "url": ".../tokens/1830000000001.json"}', scrubber.secrets) == []
    assert find_leaks("WWW-Authenticate: Basic realm=\"Web Password\"; use Basic authentication", SecretSet()) == []
    [leak] = find_leaks(f"first line\n  token {full}", scrubber.secrets)
    assert leak.endswith("at line 2, column 9") and full not in leak


def test_a_refusal_names_the_file_and_the_place(tmp_path):
    secrets = SecretSet()
    secrets.add("hunter2-secret-value", "admin password")
    with pytest.raises(CassetteLeakError) as caught:
        leak_gate("ok\nok hunter2-secret-value", tmp_path / "x.yaml", secrets, "Fix it.")
    message = str(caught.value)
    assert "x.yaml" in message and "admin password (raw) at line 2, column 4" in message
    assert "hunter2" not in message and not (tmp_path / "x.yaml").exists()
