"""How many requests per second the reference emulator serves, over real loopback HTTP.

    python benchmarks/bench_emulator.py

The emulator runs in its own process (`python -m zdconform.emulator`), so the figures are the
server's, not a server sharing the GIL with its client. Each scenario stops at a request count
or a time budget, whichever comes first. The client (requests) costs time too: read the
figures as "what a Python client sees", a floor for the server itself.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import yaml

from zdconform.emulator import DEFAULT_CREDENTIALS, default_tenant, dump_tenant_yaml

ADMIN = DEFAULT_CREDENTIALS["admin"]
API_TOKEN = (f"{ADMIN['email']}/token", ADMIN["api_token"])
BEARER = {"Authorization": f"Bearer {ADMIN['oauth_token']}"}
SECONDS = 4.0


def start_server(tenant: Path) -> tuple[subprocess.Popen[str], str]:
    """The emulator on a free loopback port, with its rate limit out of the way."""
    command = [sys.executable, "-m", "zdconform.emulator", "--tenant", str(tenant)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline() if process.stdout else ""
    found = re.match(r"listening on (http://127\.0\.0\.1:\d+)", line)
    if not found:
        process.kill()
        raise SystemExit(f"the emulator did not start: {line!r}")
    return process, found.group(1)


def measure(count: int, send: Callable[[], int]) -> tuple[int, float]:
    """Send up to `count` requests within SECONDS; return (requests, seconds)."""
    started, done = time.perf_counter(), 0
    while done < count and time.perf_counter() - started < SECONDS:
        status = send()
        if status >= 400:
            raise SystemExit(f"unexpected status {status}")
        done += 1
    return done, time.perf_counter() - started


def one_session(url: str, path: str, count: int, **kwargs: object) -> tuple[int, float]:
    with requests.Session() as session:
        return measure(count, lambda: session.get(url + path, timeout=10, **kwargs).status_code)


def threads(url: str, path: str, workers: int, count: int) -> tuple[int, float]:
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        done = sum(n for n, _ in pool.map(
            lambda _: one_session(url, path, count // workers, auth=API_TOKEN), range(workers)))
    return done, time.perf_counter() - started


def fresh_connections(url: str, path: str, count: int) -> tuple[int, float]:
    return measure(count, lambda: requests.get(url + path, auth=API_TOKEN, timeout=10,
                                               headers={"Connection": "close"}).status_code)


def report(name: str, result: tuple[int, float]) -> None:
    done, seconds = result
    print(f"{name:<58} {done:>6} requests {seconds:6.2f} s {done / seconds:8.0f} req/s")


def main() -> None:
    data = yaml.safe_load(dump_tenant_yaml(default_tenant()))
    data["settings"]["rate_limit_per_minute"] = 1_000_000_000
    with tempfile.TemporaryDirectory() as folder:
        tenant = Path(folder) / "bench-tenant.yaml"
        tenant.write_text(yaml.safe_dump(data))
        process, url = start_server(tenant)
    try:
        print(f"zdconform emulator benchmark against {url} (each scenario <= {SECONDS:.0f} s)")
        me, users = "/api/v2/users/me.json", "/api/v2/users.json"
        report("keep-alive, API token, GET users/me", one_session(url, me, 3000, auth=API_TOKEN))
        report("keep-alive, bearer, GET users/me", one_session(url, me, 3000, headers=BEARER))
        report("keep-alive, bearer, GET users (100 per page)",
               one_session(url, users, 1000, headers=BEARER))
        report("4 threads x keep-alive, API token, GET users/me", threads(url, me, 4, 4000))
        report("8 threads x keep-alive, API token, GET users/me", threads(url, me, 8, 4000))
        report("new connection per request, GET users/me", fresh_connections(url, me, 1000))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()
