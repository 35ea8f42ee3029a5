"""Offline replay of the whole suite against pytest's own floor, in one run.

Prints, for the committed reference cassettes: the wall time of `pytest suites` in replay
mode (network blocked), the wall time of pytest running the same number of empty tests
(the floor), their ratio, and the peak memory (max RSS) of each. Each is the median of
several interleaved runs, so machine noise hits both alike. Run by hand: `./dev bench`.
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
        replay_times, floor_times = [], []
        replay_rss = floor_rss = 0
        for _ in range(ROUNDS):
            seconds, rss, _ = run(replay, ROOT)
            replay_times.append(seconds)
            replay_rss = max(replay_rss, rss)
            seconds, rss, _ = run([str(empty)], empty)
            floor_times.append(seconds)
            floor_rss = max(floor_rss, rss)
    replay_s, floor_s = statistics.median(replay_times), statistics.median(floor_times)
    print(f"replay of the whole suite: {n} checks, median of {ROUNDS} runs")
    print(f"  replay (network blocked)  {replay_s:7.3f} s   peak RSS {replay_rss / 1024:6.1f} MiB")
    print(f"  pytest floor ({n} empty)   {floor_s:7.3f} s   peak RSS {floor_rss / 1024:6.1f} MiB")
    print(f"  ratio replay / floor      {replay_s / floor_s:7.2f} x   (target: at most 1.50 x)")


if __name__ == "__main__":
    main()
