"""Offline replay of the whole suite against its floors, in one run.

Prints, for the committed reference cassettes, medians of interleaved runs and ratios to floors:

- replay: `pytest suites` in replay mode (network blocked), checks, validation and evidence;
- bare vcrpy (the floor of replay): pytest-recording/vcrpy replaying the same recorded
  interactions from the same cassettes, each sent with `requests`, matched on method and URI,
  with no checks, no validation and no evidence, and without the zdconform plugin loaded.
  The ratio judged is the median of 31 pairs' ratios (`BENCH_ROUNDS`), each replay divided by
  the bare run right after it, with a 95% interval: on this shared machine one pair's ratio
  ranges from 0.85 to 1.7, so fewer pairs cannot tell 1.2 from 1.3;
- pytest with empty tests, with the plugin and without it (`-p no:zdconform`), and the
  plugin's own time in such a run, timed inside it (`PLUGIN_CLOCK`): the difference of two
  whole runs varies by more than 0.1 s here, so it could not show a 20 ms bar.

The children write bytecode caches as Python does by default (a warm-up round writes them), so
the figures are those of a project run twice, not of a first import. Run by hand: `./dev bench`.
"""

from __future__ import annotations

import math
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
PAIRS = int(os.environ.get("BENCH_ROUNDS", "31"))  # replay and bare vcrpy, one after the other
EMPTY_ROUNDS = 11
REPLAY_BAR, PLUGIN_BAR_MS = 1.25, 20.0
# pytest in a child that reports its own peak RSS (KiB), so each figure is that run's alone
WRAPPER = ("import resource, sys, pytest; rc = pytest.main(sys.argv[1:]); "
           "u = resource.getrusage(resource.RUSAGE_SELF); "
           "print('MAXRSS', u.ru_maxrss); sys.exit(rc)")


def run(args: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KiB) of the child, and its output."""
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


# The plugin's own time in a pytest run without checks, timed inside that run: its import (all it
# imports at start, once pytest is loaded), then every call of its hook implementations (the
# plugin module's and the plugin objects it registers), generator wrappers step by step. A
# difference of two whole runs cannot show 20 ms here: on this machine a 0.7 s run varies by
# more than 0.1 s from one run to the next.
PLUGIN_CLOCK = """
import functools, sys, time, pytest, _pytest.config
spent = [0.0]
started = time.perf_counter()
import zdconform.pytest.plugin
imported = time.perf_counter() - started

class Timed:
    def __init__(self, gen):
        self.gen = gen
    def _step(self, method, *args):
        started = time.perf_counter()
        try:
            return getattr(self.gen, method)(*args)
        finally:
            spent[0] += time.perf_counter() - started
    def __iter__(self):
        return self
    def __next__(self):
        return self._step("__next__")
    def send(self, value):
        return self._step("send", value)
    def throw(self, *args):
        return self._step("throw", *args)
    def close(self):
        return self.gen.close()
    def __getattr__(self, name):
        return getattr(self.gen, name)

def timed(function):
    @functools.wraps(function)
    def call(*args, **kwargs):
        started = time.perf_counter()
        try:
            result = function(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - started
        return Timed(result) if hasattr(result, "gi_code") else result
    call.timed = True
    return call

# its options are declared as it registers, before Clock can see it: timed in place
zdconform.pytest.plugin.pytest_addoption = timed(zdconform.pytest.plugin.pytest_addoption)

class Clock:
    def pytest_plugin_registered(self, plugin, manager):
        module = getattr(plugin, "__name__", None) or type(plugin).__module__
        if module.split(".")[0] != "zdconform":
            return
        for caller in manager.get_hookcallers(plugin) or []:
            for impl in caller.get_hookimpls():
                if impl.plugin is plugin and not getattr(impl.function, "timed", False):
                    impl.function = timed(impl.function)

rc = pytest.main(sys.argv[1:], plugins=[Clock()])
print("PLUGIN", 1000 * imported, 1000 * spent[0])
sys.exit(rc)
"""


def plugin_own_ms(folder: Path, rounds: int) -> tuple[float, float]:
    """The plugin's import and its hooks' time (ms) in a run of `folder` without checks: medians."""
    imports, hooks = [], []
    for _ in range(rounds):
        out = subprocess.run([sys.executable, "-c", PLUGIN_CLOCK, "-q", "-p", "no:cacheprovider", str(folder)],
                             cwd=folder, capture_output=True, text=True, env=_env(), check=True).stdout
        imported, hooked = map(float, re.findall(r"PLUGIN ([0-9.]+) ([0-9.]+)", out)[-1])
        imports.append(imported)
        hooks.append(hooked)
    return statistics.median(imports), statistics.median(hooks)


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
        bare_args = [str(bare), "--block-network", "--record-mode=none", "-p", "no:zdconform"]
        kinds = {
            "replay (network blocked)": (replay, ROOT),
            f"bare vcrpy ({cassettes} cassettes)": (bare_args, bare),
            f"pytest, {n} empty tests": ([str(empty)], empty),
            f"pytest, {n} empty, -p no:zdconform": ([str(empty), "-p", "no:zdconform"], empty),
        }
        for args, cwd in kinds.values():
            run(args, cwd)  # warm-up
        times: dict[str, list[float]] = {k: [] for k in kinds}
        peaks: dict[str, int] = {k: 0 for k in kinds}
        for round_ in range(max(PAIRS, EMPTY_ROUNDS)):
            for index, (kind, (args, cwd)) in enumerate(kinds.items()):
                if round_ >= (PAIRS if index < 2 else EMPTY_ROUNDS):
                    continue
                seconds, rss, _ = run(args, cwd)
                times[kind].append(seconds)
                peaks[kind] = max(peaks[kind], rss)
        imported, hooked = plugin_own_ms(empty, EMPTY_ROUNDS)
    names = list(kinds)
    medians = {kind: statistics.median(v) for kind, v in times.items()}
    ratios = sorted(a / b for a, b in zip(times[names[0]], times[names[1]], strict=True))
    low, high = median_interval(ratios)
    print(f"replay of the whole suite: {n} checks; medians of {PAIRS} replay and bare vcrpy runs, each bare run "
          f"right after its replay, and of {EMPTY_ROUNDS} runs of each empty session")
    for kind, floor in ((names[0], names[1]), (names[1], names[1]), (names[2], names[3]), (names[3], names[3])):
        print(f"  {kind:36} {medians[kind]:7.3f} s  {medians[kind] / medians[floor]:5.2f} x its floor   "
              f"peak RSS {peaks[kind] / 1024:6.1f} MiB")
    print(f"  replay / bare vcrpy: {statistics.median(ratios):.2f} x, median of the {PAIRS} pairs' ratios, 95% "
          f"interval {low:.2f} to {high:.2f} x (bar <= {REPLAY_BAR:.2f} x; pairs ranged {ratios[0]:.2f} to "
          f"{ratios[-1]:.2f} x); replay / empty pytest without the plugin: "
          f"{medians[names[0]] / medians[names[3]]:.2f} x")
    print(f"  the plugin in a run without checks, timed inside it: {imported + hooked:.1f} ms (bar <= "
          f"{PLUGIN_BAR_MS:.0f} ms): its import {imported:.1f} ms, its hooks {hooked:.1f} ms (medians of "
          f"{EMPTY_ROUNDS} runs)")


def median_interval(ordered: list[float]) -> tuple[float, float]:
    """A 95% confidence interval for the median of `ordered` (sorted samples), by order statistics."""
    k = max(0, int((len(ordered) - 1.96 * math.sqrt(len(ordered))) / 2))
    return ordered[k], ordered[len(ordered) - 1 - k]


if __name__ == "__main__":
    main()
