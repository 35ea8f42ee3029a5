"""Offline replay of the whole suite against its floors, in one run.

Prints, for the committed reference cassettes, each as a median of interleaved runs (machine
noise hits all alike) and as a ratio to its floor:

- replay: `pytest suites` in replay mode (network blocked), checks, validation and evidence;
- bare vcrpy (the floor of replay): pytest-recording/vcrpy replaying the same recorded
  interactions from the same cassettes, each sent with `requests`, matched on method and URI,
  with no checks, no validation and no evidence;
- pytest with empty tests, with the zdconform plugin and without it (`-p no:zdconform`): what
  a pytest run without conformance checks pays for the plugin (median of paired differences
  of the children's CPU time, less noisy than wall time on a shared machine; the plugin's
  import alone is timed too).

The children write bytecode caches as Python does by default (a warm-up round writes them), so
the figures are those of a project run twice, not of a first import. Run by hand: `./dev bench`.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = ROOT / "cassettes" / "reference-emulator"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "7"))
REPLAY_BAR, PLUGIN_BAR_MS = 1.25, 20.0
# pytest in a child that reports its own peak RSS (KiB), so each figure is that run's alone
WRAPPER = ("import resource, sys, pytest; rc = pytest.main(sys.argv[1:]); "
           "u = resource.getrusage(resource.RUSAGE_SELF); "
           "print('MAXRSS', u.ru_maxrss, 'CPU', u.ru_utime + u.ru_stime); sys.exit(rc)")


def run(args: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) of the child, and its output (which ends with its CPU seconds)."""
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", WRAPPER, "-q", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True, env=_env())
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"bench_replay: pytest failed ({proc.returncode}):\n{proc.stdout[-2000:]}")
    peak = int(re.findall(r"MAXRSS (\d+)", proc.stdout)[-1])
    return elapsed, peak, proc.stdout


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("ZENDESK_", "ZDCONFORM_")) and k != "PYTHONDONTWRITEBYTECODE"}


def count_checks(output: str) -> int:
    found = re.search(r"(\d+) passed(?:, (\d+) skipped)?", output)
    if not found:
        sys.exit(f"bench_replay: cannot read the test count from:\n{output[-500:]}")
    return int(found.group(1)) + int(found.group(2) or 0)


BARE_CONFTEST = """
import pytest
from vcr.persisters.filesystem import FilesystemPersister

def pytest_recording_configure(config, vcr):
    vcr.register_persister(FilesystemPersister)  # vcrpy's own (pytest-recording's drops metadata)

@pytest.fixture(scope="module")
def vcr_config():
    return {{"match_on": ["method", "uri"], "record_mode": "none"}}

@pytest.fixture(scope="module")
def vcr_cassette_dir():
    return {folder!r}

@pytest.fixture
def default_cassette_name(request):
    return request.module.CASSETTE[request.node.name]
"""
BARE_TEST = """
CASSETTE["test_{i}"] = {name!r}

@pytest.mark.vcr
def test_{i}():
    with requests.Session() as session:
        for method, uri, body in {sent!r}:
            session.request(method, uri, data=body, allow_redirects=False)
"""


def write_bare(folder: Path) -> int:
    """One test per recorded cassette, sending its recorded requests in order; their count."""
    folder.mkdir(parents=True)
    (folder / "conftest.py").write_text(BARE_CONFTEST.format(folder=str(CASSETTES)))
    tests = []
    for i, path in enumerate(sorted(CASSETTES.rglob("*.yaml"))):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        sent = [(r["request"]["method"], r["request"]["uri"], r["request"]["body"] or None)
                for r in data["interactions"]]
        name = path.relative_to(CASSETTES).as_posix().removesuffix(".yaml")
        tests.append(BARE_TEST.format(i=i, name=name, sent=sent))
    (folder / "test_bare.py").write_text("import pytest, requests\n\nCASSETTE = {}\n" + "".join(tests))
    return len(tests)


IMPORT_PLUGIN = ("import time, pytest, _pytest.config; started = time.perf_counter(); import zdconform.plugin; "
                 "print(1000 * (time.perf_counter() - started))")


def plugin_import_ms(rounds: int = 15) -> float:
    """Milliseconds to import the plugin (all it imports at start) once pytest is loaded: median."""
    return statistics.median(float(subprocess.run([sys.executable, "-c", IMPORT_PLUGIN], capture_output=True,
                                                  text=True, env=_env(), check=True).stdout) for _ in range(rounds))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        reports = Path(tmp) / "reports"
        replay = [str(ROOT / "suites"), f"--rootdir={ROOT}", f"--zd-reports={reports}"]
        _, _, first = run(replay, ROOT)  # also the warm-up that writes the bytecode caches
        n = count_checks(first)
        empty = Path(tmp) / "empty"
        empty.mkdir()
        (empty / "test_empty.py").write_text("".join(f"def test_{i}():\n    pass\n\n" for i in range(n)))
        bare = Path(tmp) / "bare"
        cassettes = write_bare(bare)
        bare_args = [str(bare), "--block-network", "--record-mode=none"]
        kinds = {
            "replay (network blocked)": (replay, ROOT),
            f"bare vcrpy ({cassettes} cassettes)": (bare_args, bare),
            f"pytest, {n} empty tests": ([str(empty)], empty),
            f"pytest, {n} empty, -p no:zdconform": ([str(empty), "-p", "no:zdconform"], empty),
        }
        for args, cwd in kinds.values():
            run(args, cwd)  # warm-up
        times: dict[str, list[float]] = {k: [] for k in kinds}
        cpu: dict[str, list[float]] = {k: [] for k in kinds}  # CPU seconds: less noisy than wall time
        peaks: dict[str, int] = {k: 0 for k in kinds}
        for round_ in range(3 * ROUNDS):  # the empty pair 3 times as often: its difference is small
            for index, (kind, (args, cwd)) in enumerate(kinds.items()):
                if index < 2 and round_ % 3:
                    continue
                seconds, rss, output = run(args, cwd)
                times[kind].append(seconds)
                cpu[kind].append(float(re.findall(r"CPU ([0-9.]+)", output)[-1]))
                peaks[kind] = max(peaks[kind], rss)
    replay_s, bare_s, with_s, without_s = (statistics.median(v) for v in times.values())
    names = list(kinds)
    plugin_ms = 1000 * statistics.median(a - b for a, b in zip(cpu[names[2]], cpu[names[3]], strict=True))
    print(f"replay of the whole suite: {n} checks, median of {ROUNDS} interleaved runs "
          f"({3 * ROUNDS} of the empty ones)")
    for kind, seconds, floor in ((names[0], replay_s, bare_s), (names[1], bare_s, bare_s),
                                 (names[2], with_s, without_s), (names[3], without_s, without_s)):
        print(f"  {kind:36} {seconds:7.3f} s  {seconds / floor:5.2f} x its floor   "
              f"peak RSS {peaks[kind] / 1024:6.1f} MiB")
    print(f"  replay / bare vcrpy: {replay_s / bare_s:.2f} x (bar <= {REPLAY_BAR:.2f} x); "
          f"replay / empty pytest without the plugin: {replay_s / without_s:.2f} x")
    print(f"  the plugin in a run without checks: {plugin_ms:+.1f} ms of CPU (paired; bar <= {PLUGIN_BAR_MS:.0f} ms); "
          f"its import alone, timed in a child: {plugin_import_ms():.1f} ms")


if __name__ == "__main__":
    main()
