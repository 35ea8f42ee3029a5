"""vcrpy request matchers registered by the plugin.

PYTEST_DONT_REWRITE: they run for recorded requests, not in tests; a failed match raises
`AssertionError` itself, with a short message (vcrpy shows it beside the closest request).

The host, port and scheme are deliberately not matched: the reference emulator listens on
a random port, and a tenant's cassettes replay under any base URL. Headers are not matched
either, so a request carrying a redacted credential still finds its interaction; nor are the
per-run values of a grant request (`GRANT_VALUES`), which a cassette holds redacted. The one
header matched is a fuzzing probe's label (`PROBE_HEADER`: its seed, number and recipe, no
value), so that a replay plays each regenerated probe its own answer.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

__all__ = ["PROBE_HEADER", "label_in", "normal_body", "probe_label", "same_body", "same_path", "same_probe"]

PROBE_HEADER = "X-Zdconform-Probe"

# Grant request values that differ between the recording and its replay (the client's identifier,
# a secret, a refresh token or code redacted in the cassette): matched on their presence only.
GRANT_VALUES = frozenset({"client_id", "client_secret", "refresh_token", "code", "code_verifier"})
GRANT_PLACEHOLDER = "(per run)"


def same_path(r1: Any, r2: Any) -> None:
    if r1.path != r2.path:
        raise AssertionError(f"path {r1.path!r} != {r2.path!r}")


def probe_label(request: Any) -> str:
    """A fuzzing probe's label (`PROBE_HEADER`), or "" for every other request."""
    return label_in(request.headers)


def label_in(headers: Any) -> str:
    """The probe label among `headers` (a request's, or a recorded request's mapping of lists), or ""."""
    for name, value in (headers or {}).items():
        if name.lower() == PROBE_HEADER.lower() and value:
            return str(value[0] if isinstance(value, list | tuple) else value)
    return ""


def same_probe(r1: Any, r2: Any) -> None:
    if probe_label(r1) != probe_label(r2):
        raise AssertionError(f"fuzzing probe {probe_label(r1)!r} != {probe_label(r2)!r}")


def same_body(r1: Any, r2: Any) -> None:
    if normal_body(r1.body) != normal_body(r2.body):
        raise AssertionError("bodies differ")


def normal_body(body: bytes | str | None) -> Any:
    """The body as the matcher compares it: parsed JSON, a grant form's fields, or the text."""
    if not body:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data = json.loads(text)
    except ValueError:
        return _grant_form(text)
    return {k: (GRANT_PLACEHOLDER if k in GRANT_VALUES else v) for k, v in data.items()} \
        if isinstance(data, dict) and "grant_type" in data else data


def _grant_form(text: str) -> Any:
    """A grant request's form body (POST /oauth/tokens) with its per-run values masked."""
    if "grant_type=" not in text:
        return text
    form = parse_qs(text, keep_blank_values=True)
    return {k: ([GRANT_PLACEHOLDER] if k in GRANT_VALUES else v) for k, v in sorted(form.items())}
