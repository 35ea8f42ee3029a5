"""Offline replay of the whole suite against pytest's own floor, in one run.

Prints, for the committed reference cassettes: the wall time of `pytest suites` in replay
mode (network blocked), the wall time of pytest running the same number of empty tests
(the floor), their ratio, and the peak memory (max RSS) of each. A third line shows what the
record/replay machinery alone costs: the same number of tests, each replaying one tiny
interaction through requests and pytest-recording/vcrpy with the network blocked. Each
figure is the median of several interleaved runs, so machine noise hits all alike. Run by
hand: `./dev bench`.
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

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
# pytest in a child that reports its own peak RSS (KiB), so each figure is that run's alone
WRAPPER = ("import resource, sys, pytest; rc = pytest.main(sys.argv[1:]); "
           "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)")


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
    return {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDCONFORM_"))}


def count_checks(output: str) -> int:
    found = re.search(r"(\d+) passed(?:, (\d+) skipped)?", output)
    if not found:
        sys.exit(f"bench_replay: cannot read the test count from:\n{output[-500:]}")
    return int(found.group(1)) + int(found.group(2) or 0)


MACHINERY_CONFTEST = """
import pytest

@pytest.fixture(scope="module")
def vcr_cassette_dir(request):
    return str(request.path.parent / "cassettes")
"""
MACHINERY_CASSETTE = """interactions:
- request: {body: null, headers: {}, method: GET, uri: 'https://example.invalid/api/v2/users/me.json'}
  response:
    body: {string: '{"user":{"id":1}}'}
    headers: {Content-Type: [application/json]}
    status: {code: 200, message: OK}
version: 1
"""
MACHINERY_TEST = """
@pytest.mark.vcr("one.yaml")
def test_{i}():
    assert requests.get("https://example.invalid/api/v2/users/me.json").json()["user"]["id"] == 1
"""


def write_machinery(folder: Path, n: int) -> None:
    """`n` tests that each replay one tiny interaction: pytest-recording's own cost."""
    (folder / "cassettes").mkdir(parents=True)
    (folder / "cassettes" / "one.yaml").write_text(MACHINERY_CASSETTE)
    (folder / "conftest.py").write_text(MACHINERY_CONFTEST)
    (folder / "test_machinery.py").write_text(
        "import pytest, requests\n" + "".join(MACHINERY_TEST.format(i=i) for i in range(n)))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        reports = Path(tmp) / "reports"
        replay = [str(ROOT / "suites"), f"--rootdir={ROOT}", f"--zd-reports={reports}"]
        _, _, first = run(replay, ROOT)
        n = count_checks(first)
        empty = Path(tmp) / "empty"
        empty.mkdir()
        (empty / "test_empty.py").write_text(
            "".join(f"def test_{i}():\n    pass\n\n" for i in range(n)))
        machinery = Path(tmp) / "machinery"
        write_machinery(machinery, n)
        kinds = {
            "replay (network blocked)": (replay, ROOT),
            f"pytest floor ({n} empty)": ([str(empty)], empty),
            f"vcrpy floor ({n} x 1 tiny)": ([str(machinery), "--block-network", "--record-mode=none"],
                                            machinery),
        }
        times: dict[str, list[float]] = {k: [] for k in kinds}
        peaks: dict[str, int] = {k: 0 for k in kinds}
        for _ in range(ROUNDS):
            for kind, (args, cwd) in kinds.items():
                seconds, rss, _ = run(args, cwd)
                times[kind].append(seconds)
                peaks[kind] = max(peaks[kind], rss)
    medians = {k: statistics.median(v) for k, v in times.items()}
    floor = medians[f"pytest floor ({n} empty)"]
    print(f"replay of the whole suite: {n} checks, median of {ROUNDS} runs")
    for kind, seconds in medians.items():
        print(f"  {kind:28} {seconds:7.3f} s  {seconds / floor:5.2f} x floor   "
              f"peak RSS {peaks[kind] / 1024:6.1f} MiB")
    print("  target: replay at most 1.50 x the pytest floor")


if __name__ == "__main__":
    main()
