"""Redaction of secrets and pseudonymization of personal data, and the leak gate.

Scrubbing works by replacement, so a scrubbed cassette still replays: the Authorization
header keeps its scheme (`Bearer REDACTED`), secret JSON fields keep their key, and the
request matcher ignores headers. Every secret the run knows (credentials from the
environment and every token the target hands out) is registered in a `SecretSet` together
with its encodings; `find_leaks` searches written text for any of them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from ..exceptions import CassetteLeakError
from .authleak import auth_matches, looks_like_credential

__all__ = ["REDACTED", "Scrubber", "SecretSet", "find_leaks", "leak_gate", "looks_like_credential", "mask"]

REDACTED = "REDACTED"
# JSON keys whose values are secrets wherever they appear (request or response bodies).
SECRET_KEYS = frozenset({
    "full_token", "token", "refresh_token", "access_token", "secret", "client_secret",
    "authenticity_token", "password", "api_token", "id_token", "authorization_code", "code_challenge",
})  # the last two: the emulator's test-only door (per-run values)
# Query and form parameters whose values are secrets.
SECRET_PARAMS = ("access_token", "token", "refresh_token", "password", "api_token",
                 "client_secret", "code", "code_verifier")
# Keys of user-like objects (those that carry an `email` or `phone` key) that are personal.
PERSONAL_KEYS = ("name", "email", "phone", "alias")
# Response headers that change on every request: dropped so re-records diff clean.
VOLATILE_HEADERS = frozenset({
    "date", "x-request-id", "x-runtime", "x-zendesk-origin-server", "server-timing",
    "cf-ray", "cf-cache-status", "nel", "report-to", "ratelimit-reset", "rate-limit-reset",
    "x-zendesk-api-gateway", "age", "via", "x-envoy-upstream-service-time", "connection",
    "keep-alive",
})
COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})
# Response headers whose values are credentials wherever a tenant (or a proxy) puts them.
_CREDENTIAL_HEADER = re.compile(r"token|secret|authori[sz]ation|api[-_]?key|credential|session", re.I)
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_PSEUDONYM = re.compile(r"^person-[0-9a-f]{10}@example\.invalid$")
_MIN_SECRET = 6
_MIN_HARVESTED = 16  # not the 10 characters Zendesk shows of a token, which can be digits of ids


def mask(value: object) -> str:
    """A safe rendering of a possibly secret value for messages: 4 characters, then ***."""
    text = str(value)
    return text[:4] + "***" if len(text) > 4 else "***"


class SecretSet:
    """Every secret a run knows, each with its encodings, labelled without the value."""

    def __init__(self) -> None:
        self._variants: dict[str, str] = {}
        self._ordered: list[tuple[str, str]] | None = None

    def add(self, secret: str | None, label: str) -> None:
        if not secret or len(secret) < _MIN_SECRET or secret == REDACTED:
            return
        for variant, how in _encodings(secret):
            self._variants.setdefault(variant, f"{label} ({how})")
        self._ordered = None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        # Longest first, so a secret is replaced before any shorter secret inside it (sorted once per change).
        if self._ordered is None:
            self._ordered = sorted(self._variants.items(), key=lambda kv: -len(kv[0]))
        return iter(self._ordered)

    def __len__(self) -> int:
        return len(self._variants)

    def replace(self, text: str) -> str:
        for variant, _ in self:
            if variant in text:
                text = text.replace(variant, REDACTED)
        return text


def _encodings(secret: str) -> Iterable[tuple[str, str]]:
    raw = secret.encode()
    yield secret, "raw"
    yield base64.b64encode(raw).decode(), "base64"
    yield base64.b64encode(raw).decode().rstrip("="), "base64 unpadded"
    yield base64.urlsafe_b64encode(raw).decode().rstrip("="), "base64url"
    yield quote(secret, safe=""), "URL-encoded"
    yield quote_plus(secret), "form-encoded"
    yield json.dumps(secret)[1:-1], "JSON-escaped"


def find_leaks(text: str, secrets: SecretSet) -> list[str]:
    """Every known secret found in `text`, and every unredacted Authorization credential: each
    as its label and where it first occurs (`line L, column C`), never its value."""
    found = [f"{label} at {_place(text, text.index(variant))}" for variant, label in secrets if variant in text]
    found += [f"an unredacted {m.group(1) or m.group(2)} credential at {_place(text, m.start())}"
              for m in auth_matches(text) if looks_like_credential(m)]
    return found


def _place(text: str, index: int) -> str:
    before = text[:index]
    return f"line {before.count(chr(10)) + 1}, column {index - before.rfind(chr(10))}"


class Scrubber:
    """vcrpy hooks that redact secrets, pseudonymize people and rewrite the base URL."""

    def __init__(self, secrets: SecretSet, pseudonym_key: bytes,
                 base_map: dict[str, str] | None = None) -> None:
        self.secrets = secrets
        self.key = pseudonym_key
        self.base_map = dict(base_map or {})

    # -- vcrpy hooks ------------------------------------------------------------------
    def before_record_request(self, request: Any) -> Any:
        for name in list(request.headers):
            low = name.lower()
            if low == "authorization":
                request.headers[name] = _redact_authorization(request.headers[name])
            elif low in COOKIE_HEADERS:
                request.headers[name] = REDACTED
        request.uri = self.text(request.uri)
        if request.body:
            request.body = self.body(request.body).encode()
        return request

    def before_record_response(self, response: dict[str, Any]) -> dict[str, Any]:
        self.harvest_response(response)  # a token the body or a header carries, before any of it is written
        headers = response.get("headers", {})
        for name in list(headers):
            low = name.lower()
            if low in VOLATILE_HEADERS:
                del headers[name]
            elif low in COOKIE_HEADERS:
                headers[name] = [REDACTED]
            else:
                headers[name] = [self.text(str(v)) for v in headers[name]]
        body = response.get("body", {}).get("string")
        if body:
            scrubbed = self.body(body)
            response["body"]["string"] = scrubbed.encode()
            _set_header(headers, "Content-Length", str(len(scrubbed.encode())))
        return response

    # -- building blocks --------------------------------------------------------------
    def body(self, body: bytes | str) -> str:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        try:
            data = json.loads(text)
        except ValueError:
            return self.text(text)  # form and query parameters are redacted by text()
        self._harvest(data)
        data = self.pseudonymize(_redact_keys(data))
        return self.text(json.dumps(data, ensure_ascii=False, separators=(",", ":")))

    def text(self, text: str) -> str:
        for actual, canonical in self.base_map.items():
            text = text.replace(actual, canonical)
        text = _redact_query(text)
        return self.secrets.replace(text)

    def message(self, text: str) -> str:
        """A message fit for a log or report: known secrets redacted, emails pseudonymized."""
        text = self.secrets.replace(str(text))
        return _EMAIL.sub(lambda m: m.group(0) if _PSEUDONYM.match(m.group(0))
                          else self.pseudonym("email", m.group(0)), text)

    def pseudonym(self, key: str, value: str) -> str:
        digest = hmac.new(self.key, f"{key}:{value}".encode(), hashlib.sha256).hexdigest()
        if key == "email":
            return f"person-{digest[:10]}@example.invalid"
        if key == "phone":
            return "+1555" + str(int(digest[:12], 16))[:7].rjust(7, "0")
        return f"Person {digest[:10]}"

    def pseudonymize(self, data: Any) -> Any:
        if isinstance(data, list):
            return [self.pseudonymize(item) for item in data]
        if not isinstance(data, dict):
            return data
        personal = "email" in data or "phone" in data
        return {k: (self.pseudonym(k, v) if personal and k in PERSONAL_KEYS and isinstance(v, str)
                    else self.pseudonymize(v)) for k, v in data.items()}

    def harvest_response(self, response: Any) -> None:
        """Register the secrets of a response vcrpy is about to log or record (its dict: `headers`, `body`):
        the JSON body's secret keys, and every value of a header named like a credential. vcrpy logs the
        response before its hooks run: this runs first, from the log record factory (`redaction`)."""
        if not isinstance(response, dict):
            return
        for name, values in (response.get("headers") or {}).items():
            if _CREDENTIAL_HEADER.search(str(name)):
                for value in values if isinstance(values, list) else [values]:
                    for part in str(value).replace(",", " ").split():  # "Bearer abc", "a, b"
                        if len(part) >= _MIN_HARVESTED:
                            self.secrets.add(part, f"a `{name}` header value from a response")
        body = (response.get("body") or {}).get("string") if isinstance(response.get("body"), dict) else None
        if body:
            try:
                self._harvest(json.loads(body.decode("utf-8", "replace") if isinstance(body, bytes) else body))
            except (ValueError, RecursionError):
                pass

    def _harvest(self, data: Any) -> None:
        """Register every secret value in a body before it is redacted (tokens minted now)."""
        for key, value in _walk(data):
            if key in SECRET_KEYS and isinstance(value, str) and len(value) >= _MIN_HARVESTED:
                self.secrets.add(value, f"a `{key}` value from a response")


def _walk(data: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(data, list):
        for item in data:
            yield from _walk(item)


def _redact_keys(data: Any) -> Any:
    if isinstance(data, list):
        return [_redact_keys(item) for item in data]
    if isinstance(data, dict):
        return {k: (REDACTED if k in SECRET_KEYS and isinstance(v, str) and v else _redact_keys(v))
                for k, v in data.items()}
    return data


def _redact_authorization(value: str) -> str:
    scheme, _, _ = value.strip().partition(" ")
    return f"{scheme} {REDACTED}" if scheme.lower() in ("basic", "bearer") else REDACTED


_PARAM_RE = re.compile(r"(?i)(?<![A-Za-z0-9_])(" + "|".join(SECRET_PARAMS) + r")=([^&\s\"']+)")


def _redact_query(text: str) -> str:
    return _PARAM_RE.sub(lambda m: f"{m.group(1)}={REDACTED}", text)


def _set_header(headers: dict[str, list[str]], name: str, value: str) -> None:
    for existing in list(headers):
        if existing.lower() == name.lower():
            headers[existing] = [value]
            return


def leak_gate(text: str, path: Path, secrets: SecretSet, fix: str) -> None:
    """Refuse (CassetteLeakError, naming labels, never values) to write text holding a secret."""
    leaks = find_leaks(text, secrets)
    if leaks:
        raise CassetteLeakError(
            f"Refused to write {str(path)!r}: it would hold {'; '.join(sorted(set(leaks)))}. "
            f"It was not written. {fix}")
