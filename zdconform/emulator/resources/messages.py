"""HTTP messages: the `Request` the server read, the `Response` it writes, and their bodies.

The Zendesk error bodies are byte-faithful where the reference confirms them; every body that
docs/emulator.md lists as a *choice* (Zendesk's exact answer unconfirmed) is marked `(choice)`
here too. `with_extra` adds the `extra_fields` setting's unknown fields to an object.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EXTRA_FIELDS",
    "JSON_TYPE",
    "RATE_LIMIT_TEXT",
    "Request",
    "Response",
    "bad_json",
    "basic_401",
    "bearer_401",
    "forbidden_role",
    "forbidden_scope",
    "invalid_cursor",
    "invalid_endpoint",
    "json_response",
    "missing_parameter",
    "no_content",
    "not_found",
    "pagination_too_deep",
    "record_invalid",
    "server_error",
    "text_error",
    "too_many_requests",
    "unavailable",
    "with_extra",
]

JSON_TYPE = "application/json; charset=utf-8"
RATE_LIMIT_TEXT = "Number of allowed API requests per minute exceeded"
BEARER_DESCRIPTION = ("The access token provided is expired, revoked, malformed or invalid "
                      "for other reasons.")
ROLE_MESSAGE = ("You do not have access to this page. Please contact the account owner of "
                "this help desk for further help.")
# The 2026 wordings (singer-io/tap-zendesk commit 930c17b, April 2026): the `forbidden_wording` variant.
ROLE_MESSAGE_2026 = "Access to this resource is restricted. Please contact the account administrator for assistance."
SCOPE_PREFIX = {"2025": "You are missing the following required scopes: ",
                "2026": "Missing the following required scopes: "}
ENDPOINT_RATE_LIMIT = "Rate limit for this endpoint exceeded"
TEXT_TYPE = "text/plain; charset=utf-8"
DEPTH_TITLE = ("Pagination requests using Offset Pagination are limited to page 100 or up to "
               "10000 records (page * per_page)")
DEPTH_DETAIL = ("There are limits to the page depth in Offset Pagination. Offset Pagination "
                "will be deprecated fully in the near future.\nPlease switch to Cursor "
                "Pagination at the earliest. Cursor Pagination does not have any limits.\nSee "
                "https://developer.zendesk.com/documentation/api-basics/pagination/"
                "comparing-cursor-pagination-and-offset-pagination\n")
EXTRA_FIELDS: dict[str, Any] = {"zz_future_field": "added by the emulator's extra_fields",
                                "zz_future_object": {"enabled": True, "items": []}}


@dataclass(frozen=True)
class Request:
    """An HTTP request as the server read it; header names are lower-case."""

    method: str
    target: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]  # a repeated field's lines combined with ", " (RFC 9110 §5.3)
    body: bytes
    host: str


@dataclass
class Response:
    """One HTTP response; `delay` and `reset_after` carry injected faults to the server."""

    status: int
    body: bytes = b""
    content_type: str | None = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    reset_after: int | None = None


def encode(payload: Any) -> bytes:
    """Compact JSON, as Zendesk sends it."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def with_extra(body: dict[str, Any], extra: bool) -> dict[str, Any]:
    """`body` plus the unknown fields of the `extra_fields` setting when `extra` is on."""
    return body | EXTRA_FIELDS if extra else body


def json_response(status: int, payload: Any, headers: list[tuple[str, str]] | None = None
                  ) -> Response:
    """A JSON response."""
    return Response(status, encode(payload), JSON_TYPE, list(headers or []))


def no_content() -> Response:
    """204, no body and no Content-Type."""
    return Response(204, b"", None)


def basic_401(challenge: bool = True) -> Response:
    """Basic auth failed (also: no or unusable Authorization header); without `challenge`, no
    WWW-Authenticate (the `password_challenge: none` variant, fact F-54)."""
    return json_response(401, {"error": "Couldn't authenticate you"},
                         [("WWW-Authenticate", 'Basic realm="Web Password"')] if challenge else [])


def bearer_401() -> Response:
    """An unknown, revoked, expired or malformed bearer token."""
    challenge = ('Bearer realm="Zendesk::OAuth Bearer Token Authentication", '
                 f'error="invalid_token", error_description="{BEARER_DESCRIPTION}"')
    return json_response(401, {"error": "invalid_token", "error_description": BEARER_DESCRIPTION},
                         [("WWW-Authenticate", challenge)])


def forbidden_role(wording: str = "2025") -> Response:
    """The user's role may not use this endpoint (the message as of `wording`)."""
    message = ROLE_MESSAGE_2026 if wording == "2026" else ROLE_MESSAGE
    return json_response(403, {"error": {"title": "Forbidden", "message": message}})


def forbidden_scope(access: str, wording: str = "2025") -> Response:
    """The bearer token lacks the `read` or `write` scope the request needs."""
    return json_response(403, {"error": "Forbidden", "description": f"{SCOPE_PREFIX[wording]}{access}"})


def not_found(style: str = "record") -> Response:
    """No such record; the `not_found` variant may answer the endpoint body or an empty one."""
    if style == "empty":
        return Response(404, b"", None)
    error = "InvalidEndpoint" if style == "endpoint" else "RecordNotFound"
    return json_response(404, {"error": error, "description": "Not found"})


def invalid_endpoint(style: str = "record") -> Response:
    """No such endpoint (or method on it). (choice)"""
    if style == "empty":
        return Response(404, b"", None)
    return json_response(404, {"error": "InvalidEndpoint", "description": "Not found"})


def text_error(status: int, text: str) -> Response:
    """A 4xx error as text/plain, as Zendesk sometimes answers (the `error_bodies: text` variant)."""
    return Response(status, text.encode("utf-8"), TEXT_TYPE)


def pagination_too_deep() -> Response:
    """Offset pagination past 10,000 records."""
    return json_response(400, {"errors": [{"code": "InvalidPaginationDepth", "title": DEPTH_TITLE,
                                           "detail": DEPTH_DETAIL}]})


def invalid_cursor(parameter: str) -> Response:
    """A `page[after]`/`page[before]` value that is not a cursor this server issued. (choice)"""
    return json_response(400, {"error": "InvalidPaginationParameter",
                               "description": f"{parameter} is not a valid cursor"})


def bad_json() -> Response:
    """A JSON request body that does not parse. (choice)"""
    return json_response(400, {"error": "InvalidJSON",
                               "description": "The request body is not valid JSON"})


def missing_parameter(name: str) -> Response:
    """A required top-level parameter (the `token` wrapper) is absent. (choice)"""
    return json_response(400, {"error": "ParameterMissing",
                               "description": f"param is missing or the value is empty: {name}"})


def record_invalid(details: dict[str, list[dict[str, str]]]) -> Response:
    """Validation failed on the record being created. (choice)"""
    return json_response(422, {"error": "RecordInvalid", "description": "Record validation errors",
                               "details": details})


def too_many_requests(retry_after: int, endpoint: bool = False) -> Response:
    """The per-minute budget is spent: Zendesk's text/plain 429; or an endpoint's own JSON 429."""
    if endpoint:
        return json_response(429, {"error": "APIRateLimitExceeded", "description": ENDPOINT_RATE_LIMIT},
                             [("Retry-After", str(retry_after))])
    return Response(429, RATE_LIMIT_TEXT.encode("ascii"), "text/plain",
                    [("Retry-After", str(retry_after))])


def unavailable(retry_after: int) -> Response:
    """An injected 503. (choice)"""
    return json_response(503, {"error": "ServiceUnavailable",
                               "description": "Service temporarily unavailable, retry later"},
                         [("Retry-After", str(retry_after))])


def server_error() -> Response:
    """A bug in the emulator itself; `ZendeskEmulator.check()` raises its traceback."""
    return json_response(500, {"error": "InternalServerError",
                               "description": "The emulator failed; see ZendeskEmulator.check()"})
