"""The HTTP server: HTTP/1.1 on a socket, keep-alive, one daemon thread per connection.

`Handler` only moves bytes: it reads a request (Content-Length or chunked), asks
`api.app.App.handle` for the response and writes it. Malformed framing gets a 4xx with a status
line, never a traceback: an unreadable or short body 400, a body over `MAX_BODY` 413 (read
no further), a request line or header too long 414/431; an unknown method gets 501 and an
HTTP version other than 1.x 505, as RFC 9110 says. A `reset_after` on a response (an
injected fault) sends that many bytes and then aborts the connection with a TCP reset.
`EmulatorHTTPServer` tracks its connections so that shutting down leaves none behind.
"""

from __future__ import annotations

import gzip
import socket
import struct
import sys
import threading
import time
import traceback
from dataclasses import replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .api.app import App
from .resources.messages import Request, Response

__all__ = ["EmulatorHTTPServer", "Handler"]


MAX_BODY = 8 * 1024 * 1024  # bytes: Zendesk's own JSON bodies are far smaller


class _BadRequest(Exception):
    """The request framing (Content-Length, chunks) cannot be read."""


class _TooLarge(Exception):
    """The request body is bigger than MAX_BODY."""


class Handler(BaseHTTPRequestHandler):
    """Reads one request, asks the App, writes the answer; keep-alive by default."""

    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.1"  # an unparsable request line still gets a status line
    server_version = "zdconform-emulator/1"
    sys_version = ""
    timeout = 120
    server: EmulatorHTTPServer

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        """Every method goes through the same path."""
        try:
            body = self._read_body()
        except (_BadRequest, _TooLarge, ValueError) as exc:
            self.close_connection = True
            too_large = isinstance(exc, _TooLarge)
            self.send_error(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if too_large else HTTPStatus.BAD_REQUEST,
                            "Request body too large" if too_large else "Unreadable request body")
            return
        response = self.server.app.handle(self._request(body))
        if response.delay:
            time.sleep(response.delay)
        self._write(response)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def _request(self, body: bytes) -> Request:
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        return Request(
            method=self.command, target=self.path, path=unquote(parts.path),
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=_combined(self.headers.items()), body=body, host=host,
        )

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise _BadRequest(length)
        if length > MAX_BODY:
            raise _TooLarge(length)
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise _BadRequest("the body is shorter than its Content-Length")
        return body

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline(1024).split(b";")[0].strip() or b"0", 16)
            if size < 0:
                raise _BadRequest(size)
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass
                return b"".join(chunks)
            total += size
            if total > MAX_BODY:
                raise _TooLarge(total)
            chunks.append(self.rfile.read(size))
            if len(chunks[-1]) < size:
                raise _BadRequest("a chunk is shorter than its size")
            self.rfile.readline(1024)

    def _write(self, response: Response) -> None:
        if self.server.app.state.settings.wire == "compressed":
            response = _compressed(response, self.headers.get("Accept-Encoding", ""))
        raw = self._head(response) + (b"" if self.command == "HEAD" else response.body)
        if response.reset_after is None:
            self.wfile.write(raw)
            return
        self.wfile.write(raw[: response.reset_after])
        self.close_connection = True
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()

    def _head(self, response: Response) -> bytes:
        lines = [f"HTTP/1.1 {response.status} {HTTPStatus(response.status).phrase}",
                 f"Server: {self.server_version}", f"Date: {self.date_time_string()}"]
        if response.content_type:
            lines.append(f"Content-Type: {response.content_type}")
        lines += [f"{name}: {value}" for name, value in response.headers]
        chunked = any(name == "transfer-encoding" for name, _ in response.headers)
        if response.status != 204 and not chunked:
            lines.append(f"Content-Length: {len(response.body)}")
        if self.close_connection:
            lines.append("Connection: close")
        if chunked:  # the `wire: compressed` variant: every field name in lower case, as HTTP/2 sends them
            lines = lines[:1] + [line.split(": ", 1)[0].lower() + ": " + line.split(": ", 1)[1] for line in lines[1:]]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        """Quiet: the emulator's request log is `ZendeskEmulator.request_log`."""


def _compressed(response: Response, accepted: str) -> Response:
    """The `wire: compressed` variant of `response`: gzip where the client accepts it, in chunks (no
    Content-Length), field names in lower case: as Zendesk's CDN may answer (fact F-62)."""
    if response.status == 204:
        return response
    body = response.body
    headers = [(name.lower(), value) for name, value in response.headers]
    if body and "gzip" in accepted.lower():
        body = gzip.compress(body, mtime=0)
        headers.append(("content-encoding", "gzip"))
    headers.append(("transfer-encoding", "chunked"))
    framed = (f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
    return replace(response, body=framed, headers=headers)


def _combined(lines: Any) -> dict[str, str]:
    """Header names lower-cased; a field sent on several lines combined into one value joined by ", ", as
    RFC 9110 §5.3 describes and Rack and Puma do (two Authorization fields make no valid credential)."""
    headers: dict[str, str] = {}
    for key, value in lines:
        name = key.lower()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threading server that tracks its connections so `close()` leaves none behind."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128  # the listen backlog: many clients connecting at once wait, not fail

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.app = app
        self._active: dict[threading.Thread, socket.socket] = {}
        self._active_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection on a tracked daemon thread."""
        thread = threading.Thread(target=self._serve_connection, args=(request, client_address),
                                  name="zdconform-emulator-connection", daemon=True)
        with self._active_lock:
            self._active[thread] = request
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._active_lock:
                self._active.pop(threading.current_thread(), None)

    def close_connections(self, timeout: float = 2.0) -> None:
        """Shut down every open connection and wait for its thread."""
        with self._active_lock:
            active = list(self._active.items())
        for _, connection in active:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread, _ in active:
            thread.join(timeout)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Record unexpected errors for `check()`; a client that went away is not one."""
        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return
        with self.app.lock:
            self.app.state.errors.append(f"connection {client_address}\n{traceback.format_exc()[-4096:]}")
