"""One redaction for logs, reports and messages; secrets whose repr is masked; no userinfo target."""

from __future__ import annotations

import base64
import logging

import pytest

from zdconform.exceptions import UsageError, excerpt
from zdconform.recording.redaction import install_log_redaction, redact_text
from zdconform.recording.scrub import SecretSet
from zdconform.settings import Credentials, Secret, parse_target

TOKEN = "f3a9c0ffee4d2b7e8a1c5d9e0b3f6a7c4e2d1b0a9f8e7d6c5b4a3f2e1d0c9b8a"


@pytest.mark.parametrize(("text", "kept"), [
    pytest.param(f'{{"full_token":"{TOKEN}"}}', '{"full_token":"REDACTED"}', id="json"),
    pytest.param(f"{{'token': '{TOKEN}', 'id': 7}}", "{'token': 'REDACTED', 'id': 7}", id="python-repr"),
    pytest.param(f'"{{\\"password\\":\\"{TOKEN}\\"}}"', '"{\\"password\\":\\"REDACTED\\"}"', id="json-in-json"),
    pytest.param(f"Authorization: Bearer {TOKEN}", "Authorization: Bearer REDACTED", id="bearer"),
    pytest.param("Authorization: Basic " + base64.b64encode(b"a@b.example/token:xyz123").decode(),
                 "Authorization: Basic REDACTED", id="basic"),
    pytest.param(f"GET /x?access_token={TOKEN}&a=1", "GET /x?access_token=REDACTED&a=1", id="query"),
    pytest.param("use Basic authentication or a Bearer token", "use Basic authentication or a Bearer token",
                 id="words-are-not-credentials"),
    pytest.param('"token": {"id": 1820000000001}', '"token": {"id": 1820000000001}', id="object-kept"),
])
def test_redact_text(text, kept):
    assert redact_text(text) == kept


def test_known_secrets_go_in_every_encoding():
    secrets = SecretSet()
    secrets.add(TOKEN, "a minted token")
    text = f"{TOKEN} {base64.b64encode(TOKEN.encode()).decode()}"
    assert redact_text(text, secrets) == "REDACTED REDACTED"


def test_every_log_record_is_redacted_at_every_level(caplog):
    undo = install_log_redaction(redact_text)
    try:
        with caplog.at_level(logging.DEBUG):
            logging.getLogger("vcr.cassette").info("Appending response %s", {"full_token": TOKEN})
            logging.getLogger("urllib3.connectionpool").debug("GET /?token=%s", TOKEN)
    finally:
        undo()
    assert TOKEN not in caplog.text and caplog.text.count("REDACTED") == 2


def test_secrets_are_masked_wherever_they_are_shown():
    secret = Secret(TOKEN)
    assert secret == TOKEN and f"Bearer {secret}" == f"Bearer {TOKEN}"
    assert TOKEN not in repr(secret) and TOKEN not in repr({"full_token": secret})
    creds = Credentials(role="admin", email="a@b.example", oauth_token=TOKEN)
    assert isinstance(creds.oauth_token, Secret) and TOKEN not in repr(creds)


@pytest.mark.parametrize("value", ["https://fake.user:Pw-123456@acme.zendesk.com", "fake.user:Pw-123456@acme",
                                   "https://:Pw-123456@acme.zendesk.com", "https://Pw-123456@acme.zendesk.com"])
def test_a_target_with_userinfo_is_refused_without_echoing_it(value):
    with pytest.raises(UsageError) as caught:
        parse_target(value)
    assert "Pw-123456" not in str(caught.value) and "carries credentials" in str(caught.value)


def test_errors_quote_a_short_escaped_excerpt():
    assert excerpt("a\nb") == "'a\\nb'"
    assert excerpt("k" * 50_000_000).endswith("... (50,000,000 characters)")
    assert len(excerpt("k" * 50_000_000)) < 100
