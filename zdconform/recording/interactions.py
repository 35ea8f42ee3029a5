"""Recorded interactions, read back from a cassette as plain data.

A cassette is vcrpy YAML; `read_interactions` turns it into a list of dicts with the
request (method, uri, path, headers, body) and the response (status, headers, body), bodies
as text.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

__all__ = ["body_json", "read_interactions", "try_read_interactions"]

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 20x faster


def read_interactions(path: Path) -> list[dict[str, Any]]:
    """The interactions recorded in the cassette at `path`, in order, as plain dicts (read-only)."""
    stat = Path(path).stat()
    return list(_read(str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size))


def try_read_interactions(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """`read_interactions`, or `([], False)` when the file is missing or not a cassette."""
    try:
        return read_interactions(path), True
    except (OSError, ValueError, KeyError, TypeError, AttributeError, yaml.YAMLError):
        return [], False


@functools.lru_cache(maxsize=64)
def _read(path: str, mtime_ns: int, size: int) -> list[dict[str, Any]]:
    """Parsed once per file version: evidence, report and findings all read the same cassettes."""
    data = yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_LOADER) or {}
    return [_interaction(index, item) for index, item in enumerate(data.get("interactions") or [])]


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

