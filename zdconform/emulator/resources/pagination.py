"""Offset and cursor pagination over id-sorted records, as Zendesk's list endpoints do it.

Offset (`page`, `per_page`) answers `next_page`, `previous_page` and `count`; cursor
(`page[size]`, `page[after]`, `page[before]`) answers `meta` and `links`. Cursors are derived
from record ids, never random, so the same data always pages the same way. `listing` is
the 200 answer of a list endpoint: one page of rendered records and its envelope.
"""

from __future__ import annotations

import base64
import binascii
import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .messages import JSON_TYPE, Response, encode, invalid_cursor, json_response, pagination_too_deep

__all__ = ["MAX_OFFSET_RECORDS", "MAX_PAGE_SIZE", "Page", "decode_cursor", "encode_cursor",
           "encoded_listing", "listing", "paginate"]

MAX_PAGE_SIZE = 100
MAX_OFFSET_RECORDS = 10_000
PAGE_KEYS = ("page", "per_page", "page[size]", "page[after]", "page[before]")
Query = dict[str, list[str]]


@dataclass
class Page:
    """One page of records, plus the envelope keys that follow the list."""

    items: list[Any]
    envelope: dict[str, Any]


def encode_cursor(record_id: int) -> str:
    """A Zendesk-looking cursor (`eyJvIjoiaWQiLCJ2Ijoi...`) naming one record id."""
    inner = base64.b64encode(f"i{record_id}".encode()).decode("ascii")
    raw = json.dumps({"o": "id", "v": inner}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str) -> int | None:
    """The record id inside a cursor this module made, or None."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        inner = base64.b64decode(data["v"], validate=True).decode("ascii")
        return int(inner[1:]) if data["o"] == "id" and inner.startswith("i") else None
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError, RecursionError):
        return None


def _first(query: Query, key: str) -> str | None:
    values = query.get(key)
    return values[0] if values and values[0] != "" else None


def _number(text: str | None, default: int, low: int, high: int | None = None) -> int:
    try:
        number = int(text) if text is not None else default
    except ValueError:
        number = default
    number = max(low, number)
    return min(high, number) if high is not None else number


def _url(link: str, params: list[tuple[str, Any]]) -> str:
    pairs = "&".join(f"{quote(key, safe='[]')}={quote(str(item), safe='')}"
                     for key, item in params)
    return f"{link}?{pairs}" if pairs else link


def paginate(items: Sequence[Any], query: Query, link: str, prev_on_first: bool = False) -> Page | Response:
    """The page `query` asks for from `items` (sorted by `.id`); `link` is base URL + path.

    `prev_on_first`: cursor pages carry `links.prev` even on the first page, as recorded in 2024.
    """
    others = [(key, item) for key, values in query.items() if key not in PAGE_KEYS
              for item in values]
    if any(key in query for key in ("page[size]", "page[after]", "page[before]")):
        return _cursor_page(items, query, link, others, prev_on_first)
    return _offset_page(items, query, link, others)


def listing(key: str, items: Sequence[Any], query: Query, link: str,
            render: Callable[[Any], dict[str, Any]], prev_on_first: bool = False) -> Response:
    """200 `{key: [...], ...envelope}` for the page `query` asks for, each record rendered."""
    page = paginate(items, query, link, prev_on_first)
    if isinstance(page, Response):
        return page
    return json_response(200, {key: [render(item) for item in page.items], **page.envelope})


def encoded_listing(key: str, items: Sequence[Any], query: Query, link: str,
                    encoded: Callable[[Any], bytes], prev_on_first: bool = False) -> Response:
    """`listing`, each record given as its compact JSON (`encoded`), so records rendered once
    are not rendered again: the same bytes as `listing`."""
    page = paginate(items, query, link, prev_on_first)
    if isinstance(page, Response):
        return page
    envelope = encode(page.envelope)[1:-1] if page.envelope else b""
    body = b"".join((b"{", encode(key), b":[", b",".join(map(encoded, page.items)), b"]",
                     b"," if envelope else b"", envelope, b"}"))
    return Response(200, body, JSON_TYPE)


def _offset_page(items: Sequence[Any], query: Query, link: str,
                 others: list[tuple[str, Any]]) -> Page | Response:
    page = _number(_first(query, "page"), 1, 1)
    per_page = _number(_first(query, "per_page"), MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    if page * per_page > MAX_OFFSET_RECORDS:
        return pagination_too_deep()
    start = (page - 1) * per_page
    sized = [("per_page", per_page)] if "per_page" in query else []

    def url(number: int) -> str:
        return _url(link, [("page", number), *sized, *others])

    return Page(list(items[start:start + per_page]), {
        "next_page": url(page + 1) if start + per_page < len(items) else None,
        "previous_page": url(page - 1) if page > 1 else None,
        "count": len(items),
    })


def _cursor_page(items: Sequence[Any], query: Query, link: str,
                 others: list[tuple[str, Any]], prev_on_first: bool = False) -> Page | Response:
    size = _number(_first(query, "page[size]"), MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    window = _window(items, query, size)
    if isinstance(window, Response):
        return window
    begin, end, has_more = window
    chunk = list(items[begin:end])
    after = encode_cursor(chunk[-1].id) if chunk else None
    before = encode_cursor(chunk[0].id) if chunk else None
    sized = [("page[size]", size)]
    return Page(chunk, {
        "meta": {"has_more": has_more, "after_cursor": after, "before_cursor": before},
        "links": {
            "prev": _url(link, [*sized, ("page[before]", before), *others])
            if chunk and (begin > 0 or prev_on_first) else None,
            "next": _url(link, [*sized, ("page[after]", after), *others])
            if chunk and end < len(items) else None,
        },
    })


def _window(records: Sequence[Any], query: Query, size: int) -> tuple[int, int, bool] | Response:
    """(begin, end, has_more) of the page of `records` (records sorted by `.id`, found by bisection:
    a page costs the same however many records there are); has_more looks in the direction of travel."""
    after, before = _first(query, "page[after]"), _first(query, "page[before]")
    if after is not None:
        pivot = decode_cursor(after)
        if pivot is None:
            return invalid_cursor("page[after]")
        begin = bisect_right(records, pivot, key=_id)
        return begin, min(len(records), begin + size), begin + size < len(records)
    if before is not None:
        pivot = decode_cursor(before)
        if pivot is None:
            return invalid_cursor("page[before]")
        end = bisect_left(records, pivot, key=_id)
        return max(0, end - size), end, end - size > 0
    return 0, min(len(records), size), size < len(records)


def _id(record: Any) -> int:
    return int(record.id)
