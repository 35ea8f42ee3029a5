"""Recorded interactions, read back from a cassette as plain data.

A cassette is vcrpy YAML; `read_interactions` turns it into a list of dicts with the
request (method, uri, path, headers, body) and the response (status, headers, body), bodies
as text. `response_problem` says why a deserialized response cannot be replayed (a status that
is no HTTP status, headers or body of the wrong type), so a corrupt field is one paragraph
when its check replays, not a crash at the end of the session. Cassettes are read up to
`CASSETTE_LIMIT` bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from ..exceptions import UsageError, excerpt
from .files import file_stamp, read_limited

__all__ = ["CASSETTE_LIMIT", "Remembered", "body_json", "read_interactions", "remember_interactions",
           "response_problem", "try_read_interactions"]

CASSETTE_LIMIT = 32 * 1024 * 1024  # bytes: a check's cassette of 3 pages of 100 users is well under 1 MB

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 20x faster


def read_interactions(path: Path) -> list[dict[str, Any]]:
    """The interactions recorded in the cassette at `path`, in order, as plain dicts (read-only)."""
    stamp = file_stamp(Path(path))
    if stamp not in _READ:
        text = read_limited(Path(path), CASSETTE_LIMIT, what="cassette")
        remember_interactions(stamp, yaml.load(text, Loader=_LOADER))
    return list(_READ[stamp])


def try_read_interactions(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """`read_interactions`, or `([], False)` when the file is missing or not a cassette."""
    try:
        return read_interactions(path), True
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError, UsageError, yaml.YAMLError):
        return [], False


class Remembered:
    """vcrpy's YAML serializer, reading as `read_interactions` does (libyaml's safe loader) and
    remembering the interactions it read, so the reports do not parse the cassette again."""

    def __init__(self, stamp: tuple[str, int, int, int, int]) -> None:
        self.stamp = stamp

    def deserialize(self, text: str) -> Any:
        data = yaml.load(text, Loader=_LOADER)
        try:
            remember_interactions(self.stamp, data)
        except (ValueError, KeyError, TypeError, AttributeError):
            pass  # not a cassette the reports can read: their record will say so
        return data


# Parsed once per file version (`file_stamp`): replay, evidence, report and findings all read the
# same cassettes; the oldest entry goes first past _READ_LIMIT.
_READ: dict[tuple[str, int, int, int, int], list[dict[str, Any]]] = {}
_READ_LIMIT = 256


def remember_interactions(stamp: tuple[str, int, int, int, int], data: Any) -> list[dict[str, Any]]:
    """The interactions of parsed cassette `data` (the file as `stamp` says), remembered for the run."""
    interactions = [_interaction(index, item) for index, item in enumerate((data or {}).get("interactions") or [])]
    if len(_READ) >= _READ_LIMIT:
        _READ.pop(next(iter(_READ)))
    _READ[stamp] = interactions
    return interactions


def _interaction(index: int, item: dict[str, Any]) -> dict[str, Any]:
    request, response = item["request"], item["response"]
    parts = urlsplit(str(request["uri"]))
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    status = int(response["status"]["code"])
    return {
        "index": index, "method": str(request["method"]).upper(), "path": path, "status": status,
        "request": {"method": str(request["method"]).upper(), "uri": str(request["uri"]),
                    "headers": _headers(request.get("headers")), "body": _text(request.get("body"))},
        "response": {"status": status, "message": str(response["status"].get("message", "")),
                     "headers": _headers(response.get("headers")),
                     "body": _text((response.get("body") or {}).get("string"))},
    }


def response_problem(index: int, response: Any) -> str | None:
    """Why recorded response number `index` cannot be replayed, or None when it has vcrpy's shape."""
    if not isinstance(response, dict):
        return f"interaction {index}'s response is {type(response).__name__}, not a mapping"
    status = response.get("status")
    code = status.get("code") if isinstance(status, dict) else None
    if isinstance(code, bool) or not isinstance(code, int) or not 100 <= code <= 599:
        return f"interaction {index}'s response `status.code` is {excerpt(code)}, not an HTTP status (100-599)"
    if not isinstance(status, dict) or not isinstance(status.get("message", ""), str):
        return f"interaction {index}'s response `status.message` is not text"
    headers, body = response.get("headers") or {}, response.get("body") or {}
    if not isinstance(headers, dict) or not all(isinstance(v, str) or (isinstance(v, list) and all(
            isinstance(item, str) for item in v)) for v in headers.values()):
        return f"interaction {index}'s response `headers` is not a mapping of names to lists of values"
    if not isinstance(body, dict) or not isinstance(body.get("string") or "", (str, bytes)):
        return f"interaction {index}'s response `body` is not a mapping with a `string`"
    return None


def _headers(headers: Any) -> dict[str, str]:
    if not isinstance(headers, dict):
        return {}
    return {str(k): ", ".join(map(str, v)) if isinstance(v, list) else str(v) for k, v in headers.items()}


def _text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return str(body)


def body_json(text: str) -> Any:
    """The parsed JSON body, or the text itself when it is not JSON."""
    try:
        return json.loads(text)
    except ValueError:
        return text

