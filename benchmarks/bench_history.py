"""History and its notebook at a fleet's scale: `zdconform history` and `zdconform notebook`.

    python benchmarks/bench_history.py [TENANTS] [WEEKS]     (default 120 tenants x 8 weeks; `./dev bench`)

One replay of the committed cassettes gives a real evidence.json (52 checks); it is copied as
TENANTS tenants' fleet reports folders, one per week (each copy its tenant's name and the week's
start time; a quarter of the tenants switch API tokens off half-way). Printed: the evidence read,
`zdconform history`'s wall time and peak RSS and history.json's size, then `zdconform notebook` on
that history (a kernel, the plots of the tenants that changed most, the HTML) likewise. Figures,
not a test: nothing here passes or fails.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WRAPPER = ("import resource, sys; from zdconform.cli import main; rc = main(sys.argv[1:]); "
           "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(rc)")


def replayed(folder: Path) -> dict:
    subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "suites"), "--zd-target=replay", "-q", "-p",
                    "no:cacheprovider", f"--zd-reports={folder}"], cwd=ROOT, capture_output=True, check=False)
    return json.loads((folder / "evidence.json").read_text())


def weeks_of(evidence: dict, root: Path, tenants: int, weeks: int) -> list[Path]:
    start = dt.datetime(2026, 9, 7, 6, tzinfo=dt.UTC)
    folders = []
    for week in range(weeks):
        folder = root / f"fleet-week-{week + 1}"
        for n in range(tenants):
            document = json.loads(json.dumps(evidence))
            document["target"]["tenant"] = f"tenant-{n:03d}"
            document["run"]["started_at"] = (start + dt.timedelta(weeks=week, seconds=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
            if n % 4 == 0 and week >= weeks // 2:  # API tokens switched off: their checks are refused
                for check in document["checks"]:
                    if check["auth_method"] == "api_token":
                        check["observed_statuses"] = [401]
            tenant = folder / "tenants" / document["target"]["tenant"]
            tenant.mkdir(parents=True)
            (tenant / "evidence.json").write_text(json.dumps(document))
        folders.append(folder)
    return folders


def timed(*args: str) -> tuple[float, int]:
    began = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAPPER, *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"bench_history: `zdconform {' '.join(args[:2])}` failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    rss = int(next(line.split()[1] for line in done.stderr.splitlines() if line.startswith("MAXRSS")))
    return time.perf_counter() - began, rss // 1024


def main() -> None:
    tenants, weeks = (int(a) for a in (sys.argv[1:] + ["120", "8"][len(sys.argv) - 1:])[:2])
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        root = Path(tmp)
        evidence = replayed(root / "replay")
        folders = weeks_of(evidence, root / "runs", tenants, weeks)
        size = sum(p.stat().st_size for f in folders for p in f.rglob("evidence.json"))
        print(f"bench_history: {tenants} tenants x {weeks} weeks = {tenants * weeks} runs of "
              f"{len(evidence['checks'])} checks ({size / 1e6:.0f} MB of evidence.json)")
        history = root / "history.json"
        seconds, rss = timed("history", *map(str, folders), "--output", str(history))
        print(f"  zdconform history: {seconds:.1f} s, peak RSS {rss} MiB, "
              f"history.json {history.stat().st_size / 1e6:.1f} MB")
        page = root / "notebook.html"
        seconds, rss = timed("notebook", str(history), "--output", str(page))
        print(f"  zdconform notebook: {seconds:.1f} s, peak RSS {rss} MiB (the command; the kernel is a child), "
              f"notebook.html {page.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
