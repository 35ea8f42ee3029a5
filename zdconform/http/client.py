"""`ZendeskClient`: one tenant's base URL over a `requests.Session`, safe for live runs.

- Paths join the base URL; absolute URLs (pagination links) are re-based onto it, keeping only
  path and query, so credentials never go to another host, whatever host a link names.
- Redirects are returned, not followed: following one could carry credentials elsewhere, and
  a redirect from an API endpoint is itself worth reporting.
- HTTP statuses never raise; the suites assert them. 429/503 and transport errors are retried
  by the rules in `zdconform.http.retry`; rate-limit headers pace requests by `zdconform.http.pacing`.
- Every wait (retry or pacing) is recorded in `client.events` for the reports.
"""

from __future__ import annotations

import json as jsonlib
import logging
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests
from requests.auth import AuthBase

from .. import __version__
from ..exceptions import UsageError
from ..settings import check_base_url
from .auth import NoAuth
from .pacing import Pacer
from .retry import TRANSPORT_ERRORS, ClientEvent, RetryPolicy, RetryState

__all__ = ["ClientEvent", "RetryPolicy", "ZendeskClient"]

logger = logging.getLogger(__name__)

Params = Mapping[str, Any]
PAGE_PARAMS = {"offset": "per_page", "cursor": "page[size]"}
DEFAULT_RETRY = RetryPolicy()


def _encode(body: Any) -> bytes:
    return jsonlib.dumps(body, separators=(",", ":"), allow_nan=False).encode()


def _display_path(url: str) -> str:
    """The path alone, for messages and events: queries are left out of every message."""
    return urlsplit(url).path or "/"


class ZendeskClient:
    """A thin `requests.Session` for one Zendesk tenant: base URL, auth, retries, pacing."""

    def __init__(
        self,
        base_url: str,
        auth: AuthBase | None = None,
        *,
        timeout: float | tuple[float, float] = (5, 30),
        retry: RetryPolicy = DEFAULT_RETRY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        session: requests.Session | None = None,
        user_agent: str = f"zdconform/{__version__}",
        pacer: Pacer | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.auth: AuthBase = auth if auth is not None else NoAuth()
        self.timeout = timeout
        self.retry = retry
        self.user_agent = user_agent
        self.events: list[ClientEvent] = []
        self.pacer = pacer if pacer is not None else Pacer()
        self._sleep = sleep
        self._clock = clock
        self._owns_session = session is None
        self.session = session if session is not None else requests.Session()

    def __repr__(self) -> str:
        return f"ZendeskClient({self.base_url!r}, auth={self.auth!r})"

    def url_for(self, path_or_url: str) -> str:
        """`path_or_url` as a URL on this client's base: any other scheme and host are dropped."""
        base = urlsplit(self.base_url)
        parts = urlsplit(path_or_url)
        path = parts.path if parts.path.startswith("/") else "/" + parts.path
        if base.path and not (path == base.path or path.startswith(base.path + "/")):
            path = base.path + path
        return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        json: Any = None,
        params: Params | None = None,
        auth: AuthBase | None = None,
        headers: Mapping[str, str] | None = None,
        form: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """Send one request, with retries and pacing; the response comes back whatever its status.

        `form` sends a form body (application/x-www-form-urlencoded), as OAuth grant requests are."""
        url = self.url_for(path_or_url)
        send_headers = self._headers(json is not None, headers)
        body = None if json is None else _encode(json)
        if form is not None:
            send_headers = {**send_headers, "Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
            body = urlencode(form).encode("ascii")
        kwargs: dict[str, Any] = {
            "params": params,
            "data": body,
            "headers": send_headers,
            "auth": auth if auth is not None else self.auth,
            "timeout": self.timeout,
            "allow_redirects": False,
        }
        return self._send(method.upper(), url, kwargs)

    def get(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        """`request("GET", ...)`."""
        return self.request("GET", path_or_url, **kwargs)

    def post(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        """`request("POST", ...)`."""
        return self.request("POST", path_or_url, **kwargs)

    def put(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        """`request("PUT", ...)`."""
        return self.request("PUT", path_or_url, **kwargs)

    def delete(self, path_or_url: str, **kwargs: Any) -> requests.Response:
        """`request("DELETE", ...)`."""
        return self.request("DELETE", path_or_url, **kwargs)

    def paginate(
        self,
        path: str,
        *,
        style: Literal["offset", "cursor"] = "offset",
        key: str,
        page_size: int = 100,
        max_pages: int | None = None,
        params: Params | None = None,
        auth: AuthBase | None = None,
    ) -> Iterator[requests.Response]:
        """Each page's response: `next_page` (offset) or `links.next` while `meta.has_more`."""
        _check_pagination(style, page_size, max_pages)
        query = {**(params or {}), PAGE_PARAMS[style]: page_size}
        return self._pages(path, query, style, key, max_pages, auth)

    def close(self) -> None:
        """Close the session, if this client opened it."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> ZendeskClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _headers(self, has_body: bool, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": self.user_agent}
        if has_body:
            headers["Content-Type"] = "application/json"
        headers.update(extra or {})
        return headers

    def _send(self, method: str, url: str, kwargs: dict[str, Any]) -> requests.Response:
        state = RetryState(self.retry, method, _display_path(url))
        while True:
            self._pace(state)
            try:
                response = self.session.request(method, url, **kwargs)
            except TRANSPORT_ERRORS as exc:
                self._wait(state, state.after_error(exc), error=type(exc).__name__)
                continue
            wait = state.after_response(response)
            if wait is None:
                self.pacer.observe(response.headers, self._clock())
                return response
            response.close()
            self._wait(state, wait, status=response.status_code)

    def _pace(self, state: RetryState) -> None:
        wait = self.pacer.delay(self._clock())
        if wait > 0:
            last = self.pacer.last
            note = f"remaining {last.remaining} of {last.limit}" if last else ""
            self._record(ClientEvent("pace", state.method, state.path, None, None, wait, note))

    def _wait(
        self, state: RetryState, wait: float, *, status: int | None = None, error: str | None = None
    ) -> None:
        note = f"attempt {state.attempts + 1} of {self.retry.max_attempts}"
        self._record(ClientEvent("retry", state.method, state.path, status, error, wait, note))

    def _record(self, event: ClientEvent) -> None:
        self.events.append(event)
        cause = event.status or event.error or event.note
        logger.info("%s %s %s: wait %.2f s (%s)", event.kind, event.method, event.path, event.waited, cause)
        if event.waited > 0:
            self._sleep(event.waited)

    def _pages(
        self,
        path: str,
        query: Params,
        style: str,
        key: str,
        max_pages: int | None,
        auth: AuthBase | None,
    ) -> Iterator[requests.Response]:
        response = self.get(path, params=query, auth=auth)
        seen, pages = {response.url}, 1
        while True:
            yield response
            link = _next_link(response, style, key)
            url = None if link is None else self.url_for(link)
            if url is None or url in seen or pages == max_pages:
                return
            response = self.get(url, auth=auth)
            seen.add(url)
            pages += 1

def _check_pagination(style: str, page_size: int, max_pages: int | None) -> None:
    if style not in PAGE_PARAMS:
        raise UsageError(f"`style` {style!r} is not a pagination style: use 'offset' or 'cursor'.")
    if not 1 <= page_size <= 100:
        raise UsageError(f"`page_size` {page_size!r} is out of range: Zendesk allows 1 to 100.")
    if max_pages is not None and max_pages < 1:
        raise UsageError(f"`max_pages` {max_pages!r} must be at least 1, or None for every page.")


def _next_link(response: requests.Response, style: str, key: str) -> str | None:
    """The next page's link from a page's body, or None at the end (or on any surprise)."""
    try:
        body = response.json() if response.status_code == 200 else None
    except ValueError:
        return None
    if not isinstance(body, dict) or not body.get(key):
        return None
    if style == "offset":
        link = body.get("next_page")
    else:
        has_more = isinstance(body.get("meta"), dict) and body["meta"].get("has_more") is True
        links = body.get("links")
        link = links.get("next") if has_more and isinstance(links, dict) else None
    return link if isinstance(link, str) and link else None
