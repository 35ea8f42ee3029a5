"""The reference emulator against its floor, over real loopback HTTP.

    python benchmarks/bench_emulator.py

The emulator runs in its own process (`python -m zdconform.emulator`); its floor is the
standard library's `ThreadingHTTPServer`, also in its own process, answering every request with
the very bytes the emulator answered (status line, headers, body). Both are driven alike by
the same `requests` client, in alternating rounds; each figure is a median. Printed:

- a 100-user page (`GET /api/v2/users.json`, bearer) at concurrency 1 and 8 (keep-alive
  sessions): time per request, emulator / floor (bar: at most 2x);
- 64 clients connecting at once, each sending 10 requests on its own connection: the p99
  latency (bar: under 0.3 s; the listen backlog is 128);
- a page of a 100,000-user tenant beside the same page of the 257-user built-in tenant: a page
  costs O(page size), not O(users).
"""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import yaml

from zdconform.emulator import DEFAULT_CREDENTIALS, default_tenant, dump_tenant_yaml

BEARER = {"Authorization": f"Bearer {DEFAULT_CREDENTIALS['admin']['oauth_token']}"}
USERS, ME = "/api/v2/users.json", "/api/v2/users/me.json"
ROUNDS = 3
FLOOR_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
raw = open(sys.argv[1], "rb").read()
class Same(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.wfile.write(raw)
    def log_message(self, *args):
        pass
class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
server = Server(("127.0.0.1", 0), Same)
print("listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
"""


def start(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline() if process.stdout else ""
    found = re.match(r"listening on (http://127\.0\.0\.1:\d+)", line)
    if not found:
        process.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return process, found.group(1)


def emulator(folder: Path, users: int | None = None) -> tuple[subprocess.Popen[str], str]:
    data = yaml.safe_load(dump_tenant_yaml(default_tenant()))
    data["settings"]["rate_limit_per_minute"] = 1_000_000_000
    if users is not None:
        data["generated_users"]["count"] = users
    tenant = folder / f"tenant-{users}.yaml"
    tenant.write_text(yaml.safe_dump(data))
    return start([sys.executable, "-m", "zdconform.emulator", "--tenant", str(tenant)])


def raw_answer(url: str, path: str) -> bytes:
    """The emulator's whole answer to `path`, as bytes on the wire (its length framed)."""
    response = requests.get(url + path, headers=BEARER, timeout=10)
    head = [f"HTTP/1.1 {response.status_code} {response.reason}"]
    head += [f"{k}: {v}" for k, v in response.headers.items() if k.lower() not in ("connection", "keep-alive")]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + response.content


def per_request(url: str, path: str, workers: int, count: int = 200) -> float:
    """Seconds per request, `workers` keep-alive sessions sending `count` requests in all."""
    def one(_: int) -> None:
        with requests.Session() as session:
            for _ in range(count // workers):
                assert session.get(url + path, headers=BEARER, timeout=10).status_code == 200

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, range(workers)))
    return (time.perf_counter() - started) / count


def p99_at_64(url: str) -> float:
    """The p99 latency of 64 clients connecting at once, 10 requests each on its own connection."""
    def one(_: int) -> list[float]:
        latencies = []
        with requests.Session() as session:
            for _ in range(10):
                started = time.perf_counter()
                assert session.get(url + ME, headers=BEARER, timeout=30).status_code == 200
                latencies.append(time.perf_counter() - started)
        return latencies

    with ThreadPoolExecutor(64) as pool:
        latencies = sorted(t for batch in pool.map(one, range(64)) for t in batch)
    return latencies[int(len(latencies) * 0.99) - 1]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        emu, url = emulator(folder)
        big, big_url = emulator(folder, 100_000)
        (folder / "page.bin").write_bytes(raw_answer(url, USERS))
        floor, floor_url = start([sys.executable, "-c", FLOOR_SERVER, str(folder / "page.bin")])
        try:
            report(url, floor_url, big_url)
        finally:
            for process in (emu, big, floor):
                process.terminate()
                process.wait(timeout=10)


def report(url: str, floor_url: str, big_url: str) -> None:
    print(f"zdconform emulator against a stdlib ThreadingHTTPServer sending the same bytes (median of {ROUNDS})")
    for workers in (1, 8):
        pairs = [(per_request(url, USERS, workers), per_request(floor_url, USERS, workers)) for _ in range(ROUNDS)]
        emu_s, floor_s = statistics.median(p[0] for p in pairs), statistics.median(p[1] for p in pairs)
        print(f"  100-user page, concurrency {workers}: emulator {emu_s * 1e3:6.2f} ms, floor {floor_s * 1e3:6.2f} ms "
              f"per request: {emu_s / floor_s:.2f} x its floor (bar <= 2.00 x)")
    p99 = statistics.median(p99_at_64(url) for _ in range(ROUNDS))
    print(f"  64 connections at once, 10 requests each: p99 {p99:.3f} s (bar < 0.3 s)")
    deep = "?page[size]=100&page[after]=" + _cursor_of(big_url)
    for name, base in (("257-user tenant", url), ("100,000-user tenant", big_url)):
        first = statistics.median(per_request(base, USERS, 1, 50) for _ in range(ROUNDS))
        middle = statistics.median(per_request(base, USERS + deep, 1, 50) for _ in range(ROUNDS))
        print(f"  {name:20} first offset page {first * 1e3:6.2f} ms, a cursor page {middle * 1e3:6.2f} ms")


def _cursor_of(url: str) -> str:
    """The `after_cursor` of the first cursor page: the next page starts past it."""
    body = requests.get(url + USERS + "?page[size]=100", headers=BEARER, timeout=10).json()
    return str(body["meta"]["after_cursor"])


if __name__ == "__main__":
    main()
