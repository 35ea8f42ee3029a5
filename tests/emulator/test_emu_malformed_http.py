"""Malformed HTTP over a raw socket: each request gets a status line with a 4xx (501 for an
unknown method and 505 for an HTTP version other than 1.x, as RFC 9110 says), never a
traceback or a 5xx from a crash, and the emulator keeps serving the next client."""

from __future__ import annotations

import socket
import time

import pytest
import requests

from zdconform.emulator import DEFAULT_CREDENTIALS
from zdconform.emulator.server import MAX_BODY

BEARER = b"Authorization: Bearer " + DEFAULT_CREDENTIALS["admin"]["oauth_token"].encode() + b"\r\n"
TOKENS = b"POST /api/v2/oauth/tokens.json HTTP/1.1\r\nHost: x\r\n"


def address(url: str) -> tuple[str, int]:
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    return host, int(port)


def exchange(url: str, data: bytes, *, timeout: float = 5) -> bytes:
    """Send `data`, close the sending side, read the whole answer."""
    with socket.create_connection(address(url), timeout=timeout) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


MALFORMED = [
    pytest.param(b"GARBAGE\r\n\r\n", 400, id="one-word-request-line"),
    pytest.param(b"GET / HTTX/1.1\r\n\r\n", 400, id="bad-protocol-name"),
    pytest.param(b"GET / HTTP/1.1 extra\r\n\r\n", 400, id="four-words"),
    pytest.param(b"GET / HTTP/x.y\r\n\r\n", 400, id="version-not-a-number"),
    pytest.param(b"GET / HTTP/9.9\r\n\r\n", 505, id="unsupported-version"),
    pytest.param(b"BREW /api/v2/users.json HTTP/1.1\r\n\r\n", 501, id="unknown-method"),
    pytest.param(b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n", 414, id="request-line-70k"),
    pytest.param(b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", 431, id="header-line-70k"),
    pytest.param(b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(200)) + b"\r\n", 431,
                 id="200-headers"),
    pytest.param(TOKENS + b"Content-Length: abc\r\n\r\n", 400, id="content-length-not-a-number"),
    pytest.param(TOKENS + b"Content-Length: -5\r\n\r\n", 400, id="content-length-negative"),
    pytest.param(TOKENS + b"Content-Length: 1e3\r\n\r\n", 400, id="content-length-float"),
    pytest.param(TOKENS + b"Content-Length: 10\r\n\r\nabc", 400, id="body-shorter-than-content-length"),
    pytest.param(TOKENS + b"Content-Length: 99999999999999\r\n\r\nabc", 413, id="content-length-100-terabytes"),
    pytest.param(TOKENS + b"Content-Length: %d\r\n\r\n" % (MAX_BODY + 1), 413, id="content-length-over-the-limit"),
    pytest.param(TOKENS + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400, id="chunk-size-not-hex"),
    pytest.param(TOKENS + b"Transfer-Encoding: chunked\r\n\r\n-5\r\n", 400, id="chunk-size-negative"),
    pytest.param(TOKENS + b"Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFF\r\nab", 413, id="chunk-281-terabytes"),
    pytest.param(TOKENS + b"Transfer-Encoding: chunked\r\n\r\n10\r\nabc", 400, id="chunk-shorter-than-its-size"),
    pytest.param(TOKENS + BEARER + b"Content-Type: application/json\r\nContent-Length: 4\r\n\r\n\xff\xfe\xfd\xfc", 400,
                 id="non-utf8-json-body"),
    pytest.param(TOKENS + BEARER + b"Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\": [", 400,
                 id="truncated-json-body"),
    pytest.param(TOKENS + BEARER + b"Content-Type: application/json\r\nContent-Length: 20000\r\n\r\n" + b"[" * 20_000,
                 400, id="json-nested-20000-deep"),
    pytest.param(b"GET /api/v2/users/\xff\xfe.json HTTP/1.1\r\n\r\n", 404, id="non-utf8-path"),
    pytest.param(b"GET /api/v2/users/%ff%fe.json HTTP/1.1\r\n\r\n", 404, id="percent-encoded-non-utf8-path"),
    pytest.param(b"GET /\x00 HTTP/1.1\r\n\r\n", 404, id="nul-in-path"),
    pytest.param(b"GET /api/v2/users.json HTTP/1.1\r\nAuthorization: Basic \xff\xfe!!\r\n\r\n", 401,
                 id="non-ascii-basic-credentials"),
    pytest.param(b"GET /api/v2/users.json HTTP/1.1\r\nAuthorization: Basic Zm9v\r\n\r\n", 401, id="basic-no-colon"),
    pytest.param(b"GET /api/v2/users.json HTTP/1.1\r\nAuthorization: Bearer \xff\xfe\r\n\r\n", 401,
                 id="non-ascii-bearer"),
    pytest.param(b"GET /api/v2/users.json HTTP/1.1\r\nHost: \xff\xfe:abc\r\n\r\n", 401, id="non-ascii-host"),
    pytest.param(b"GET /api/v2/users.json HTTP/1.1\r\nno-colon-header\r\n\r\n", 401, id="header-without-colon"),
]


@pytest.mark.parametrize(("data", "status"), MALFORMED)
def test_a_malformed_request_gets_a_status_line_and_the_emulator_keeps_serving(emulator, data, status):
    answer = exchange(emulator.url, data)
    status_line = answer.split(b"\r\n", 1)[0]
    assert status_line.startswith(b"HTTP/1.1 %d " % status), status_line[:120]
    assert b"Traceback" not in answer and b"File \"" not in answer
    emulator.check()  # no error was recorded on a server thread
    assert requests.get(f"{emulator.url}/api/v2/users/me.json", timeout=5).status_code in (200, 401)


@pytest.mark.parametrize("query", [
    pytest.param(b"per_page=-1&page=%ff&page[size]=x", id="bad-numbers"),
    pytest.param(b"page[after]=%ff%fe", id="non-utf8-cursor"),
    pytest.param(b"cursor=" + b"A" * 5000, id="long-cursor"),
    pytest.param(b"sort_by=%00&sort_order=sideways", id="nul-and-nonsense"),
])
def test_a_nonsense_query_is_answered_as_zendesk_would_never_a_crash(emulator, query):
    answer = exchange(emulator.url, b"GET /api/v2/users.json?" + query + b" HTTP/1.1\r\n" + BEARER + b"\r\n")
    assert answer.split(b" ", 2)[1] in (b"200", b"400") and b"Traceback" not in answer  # Zendesk ignores some
    emulator.check()


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", b"GET /api/v2/users.json HT"], ids=["nothing", "blank-lines",
                                                                                       "cut-mid-line"])
def test_a_client_that_leaves_early_is_no_error(emulator, data):
    exchange(emulator.url, data)
    emulator.check()
    assert requests.get(f"{emulator.url}/api/v2/users/me.json", timeout=5).status_code in (200, 401)


def test_a_stalled_client_does_not_hold_up_the_others(emulator):
    stalled = [socket.create_connection(address(emulator.url), timeout=5) for _ in range(20)]
    try:
        for index, sock in enumerate(stalled):  # half a request line, half a header block
            sock.sendall(b"GET /api/v2/us" if index % 2 else b"GET /api/v2/users.json HTTP/1.1\r\nX-Slow: ")
        started = time.monotonic()
        for _ in range(10):
            assert requests.get(f"{emulator.url}/api/v2/users/me.json", timeout=5).status_code in (200, 401)
        assert time.monotonic() - started < 3
    finally:
        for sock in stalled:
            sock.close()
    emulator.check()


def test_a_client_sending_one_byte_at_a_time_gets_its_answer(emulator):
    request = b"GET /api/v2/users/me.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with socket.create_connection(address(emulator.url), timeout=5) as sock:
        for byte in request:
            sock.sendall(bytes([byte]))
            time.sleep(0.002)
        assert sock.recv(100).startswith(b"HTTP/1.1 200 ")  # an anonymous Show Me
    emulator.check()
