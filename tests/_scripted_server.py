"""A tiny scripted HTTP server on loopback, and a virtual clock, for the client's tests.

`ScriptedServer` answers each path from a queue of `Canned` responses (or from a handler
function), records every request it receives with its headers, and can misbehave on cue:
reset the connection, drop it without answering, send a truncated body, or answer late.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import urlsplit

Action = Literal["respond", "reset", "drop", "truncate"]


@dataclass
class Canned:
    """One scripted answer. `delay` is real seconds to wait before answering."""

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    action: Action = "respond"
    delay: float = 0.0

    def encoded(self) -> tuple[bytes, str]:
        if isinstance(self.body, bytes):
            return self.body, "application/octet-stream"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain"
        return json.dumps(self.body).encode(), "application/json; charset=utf-8"


@dataclass(frozen=True)
class Received:
    """One request as the server saw it; header names are lower-cased."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    def json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Received], Canned]


class VirtualClock:
    """A monotonic clock that only moves when `sleep` is called; records every sleep."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


class ScriptedServer:
    """`ThreadingHTTPServer` on 127.0.0.1, port 0, serving scripted answers in a thread."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.errors: list[str] = []
        self._queues: dict[str, deque[Canned]] = defaultdict(deque)
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.handle_error = self._handle_error  # type: ignore[method-assign]
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def add(self, target: str, *responses: Canned) -> None:
        """Queue answers for `target`: a path (any query) or an exact `path?query`."""
        with self._lock:
            self._queues[target].extend(responses)

    def handle(self, path: str, handler: Handler) -> None:
        """Answer every request for `path` (any query) with `handler(received)`."""
        self._handlers[path] = handler

    def requests_to(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    def next_answer(self, received: Received) -> Canned:
        with self._lock:
            self.received.append(received)
            for key in (received.target, received.path):
                if self._queues.get(key):
                    return self._queues[key].popleft()
        handler = self._handlers.get(received.path)
        if handler is not None:
            return handler(received)
        return Canned(404, {"error": f"scripted server: nothing queued for {received.target}"})

    def _handle_error(self, request: object, client_address: object) -> None:
        self.errors.append(f"server-side error for {client_address}")

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def _make_handler(server: ScriptedServer) -> type[BaseHTTPRequestHandler]:
    class _Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()  # no Nagle: headers and body go out without a delayed-ACK stall
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            canned = server.next_answer(Received(self.command, self.path, headers, body))
            if canned.delay:
                time.sleep(canned.delay)
            _ACTIONS[canned.action](self, canned)

        do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_OPTIONS = _any

    return _Handler


def _respond(h: BaseHTTPRequestHandler, canned: Canned, *, cut: bool = False) -> None:
    body, content_type = canned.encoded()
    h.send_response_only(canned.status)
    headers = {"Date": h.date_time_string(), "Content-Type": content_type, **canned.headers,
               "Content-Length": str(len(body))}
    for name, value in headers.items():
        h.send_header(name, value)
    h.end_headers()
    h.wfile.write(body[: len(body) // 2] if cut else body)
    if cut:
        h.wfile.flush()
        _close(h)


def _truncate(h: BaseHTTPRequestHandler, canned: Canned) -> None:
    if not canned.body:
        canned.body = {"padding": "x" * 64}
    _respond(h, canned, cut=True)


def _reset(h: BaseHTTPRequestHandler, canned: Canned) -> None:
    """Close with RST (SO_LINGER 0): the client sees a connection reset."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    _close(h)


def _drop(h: BaseHTTPRequestHandler, canned: Canned) -> None:
    """Close cleanly without answering: the client sees the remote end disconnect."""
    _close(h)


def _close(h: BaseHTTPRequestHandler) -> None:
    h.close_connection = True
    h.connection.close()


_ACTIONS: dict[str, Callable[..., None]] = {
    "respond": _respond,
    "reset": _reset,
    "drop": _drop,
    "truncate": _truncate,
}
