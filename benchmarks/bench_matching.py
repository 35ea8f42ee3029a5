"""Per-request cost of replay as a cassette grows, and of validating a user object.

- matching: a cassette of N distinct recorded GETs (N = 10 and 1,000), replayed in full through
  the checks' own VCR set-up (`recording.replay.configure`: indexed cassettes, the checks'
  matchers, the run's scrubber, the cassette store as persister) with `requests`; the figure
  is the median time per request over several rounds. Bar: 1,000 at most 2x 10 per request.
- validation: pages of 100 distinct users validated against `users_list` by jsonschema's
  2020-12 validator as every body was validated before (`$ref`s inlined, valid items
  remembered, none seen twice here) and by the compiled validator that decides verdicts now;
  per user object. Bar: at least 10x faster.

Run by hand: `./dev bench`.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

import requests
import vcr
import yaml

from zdconform.conformance.schemas import load_registry
from zdconform.conformance.validation import explainer
from zdconform.emulator import default_tenant
from zdconform.emulator.resources.users import user_json
from zdconform.recording.replay import configure
from zdconform.recording.scrub import Scrubber, SecretSet
from zdconform.recording.store import CassetteStore

BASE = "https://reference-emulator.invalid"
ROUNDS = 5


def write_cassette(folder: Path, n: int) -> Path:
    interactions = [{"request": {"method": "GET", "uri": f"{BASE}/api/v2/users/{i}.json?include=roles&x={i}",
                                 "body": None, "headers": {"Authorization": ["Bearer REDACTED"]}},
                     "response": {"status": {"code": 200, "message": "OK"},
                                  "headers": {"Content-Type": ["application/json"]},
                                  "body": {"string": json.dumps({"user": {"id": i}})}}} for i in range(n)]
    path = folder / f"c{n}.yaml"
    path.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}))
    return path


def per_request(folder: Path, path: Path, n: int) -> float:
    """Seconds per replayed request, all `n` interactions of the cassette replayed in order."""
    recorder = vcr.VCR(cassette_library_dir=str(folder))
    configure(recorder, CassetteStore(folder, verify=False), Scrubber(SecretSet(), b"bench"), live=False)
    with recorder.use_cassette(path.name), requests.Session() as session:
        started = time.perf_counter()
        for i in range(n):
            assert session.get(f"{BASE}/api/v2/users/{i}.json?x={i}&include=roles").json()["user"]["id"] == i
        return (time.perf_counter() - started) / n


def matching() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = {n: write_cassette(folder, n) for n in (10, 1000)}
        times: dict[int, list[float]] = {n: [] for n in paths}
        for _ in range(ROUNDS):
            for n, path in paths.items():
                times[n].append(per_request(folder, path, n))
    small, big = (statistics.median(times[n]) for n in (10, 1000))
    print(f"replay per request (median of {ROUNDS}): 10 interactions {small * 1e6:7.0f} us, "
          f"1,000 interactions {big * 1e6:7.0f} us: {big / small:.2f} x (bar <= 2.00 x)")


def validation() -> None:
    registry = load_registry()
    tenant = default_tenant()
    users = [user_json(u, BASE) for u in tenant.all_users]
    schema = registry.schema("users_list")
    reference = explainer(schema, registry.registry)  # how every body was validated before
    figures: dict[str, list[float]] = {"jsonschema": [], "compiled": []}
    for round_ in range(3):  # 2,000 users per round, none seen before (the old path remembers valid items)
        pages = [{"users": [{**users[(p * 100 + j) % len(users)], "id": 10_000_000 * (round_ + 1) + p * 100 + j}
                            for j in range(100)], "next_page": None, "previous_page": None, "count": 2000}
                 for p in range(20)]
        started = time.perf_counter()
        assert all(reference.is_valid(page) for page in pages)
        figures["jsonschema"].append((time.perf_counter() - started) / 2000)
        started = time.perf_counter()
        assert all(registry.is_valid(page, "users_list") for page in pages)
        figures["compiled"].append((time.perf_counter() - started) / 2000)
    slow, fast = (statistics.median(v) for v in figures.values())
    print(f"validation per user object (median of 3): jsonschema {slow * 1e6:6.0f} us, compiled "
          f"{fast * 1e6:6.1f} us: {slow / fast:.0f} x faster (bar >= 10 x)")


if __name__ == "__main__":
    matching()
    validation()
