"""`zdconform merge` of a fleet: how long merging 200 tenants' evidence takes, cassettes verified.

One real replay of the committed reference cassettes writes one evidence; `make_fleet` copies
it into a fleet run's layout (`tenants/<name>/evidence.json`, each tenant with its own copy of
the cassette folder, as each tenant records its own), and `time_merge` runs
`zdconform.reporting.merge.merge_reports` on it: every evidence read and validated against its
schema, every tenant's cassettes hashed against their manifest, fleet.json validated, fleet.html
rendered, both gated and written. Prints the median of several rounds, with and without the
cassette verification (`--no-cassettes`). Run by hand: `./dev bench`; `BENCH_TENANTS` (default
200) and `BENCH_ROUNDS` (default 3) change the sizes.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TENANTS = int(os.environ.get("BENCH_TENANTS", "200"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def replay_evidence(reports: Path) -> Path:
    """One real run's reports folder: the whole suite replayed from the committed cassettes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDCONFORM_"))}
    proc = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "suites"), "-q", "-p", "no:cacheprovider",
                           "--zd-target=replay", f"--zd-reports={reports}"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if not (reports / "evidence.json").is_file():
        sys.exit(f"bench_merge: the replay wrote no evidence ({proc.returncode}):\n{proc.stdout[-2000:]}")
    return reports


def make_fleet(reports: Path, root: Path, count: int) -> Path:
    """A fleet run's reports folder under `root` holding `count` tenants made from one run's `reports`."""
    evidence = json.loads((reports / "evidence.json").read_text(encoding="utf-8"))
    cassettes = Path(os.path.normpath(reports / evidence["cassettes"]["base"] / evidence["cassettes"]["folder"]))
    fleet = root / "reports"
    for index in range(count):
        name = f"tenant-{index:03d}"
        shutil.copytree(cassettes, root / "cassettes" / name)
        folder = fleet / "tenants" / name
        folder.mkdir(parents=True)
        shutil.copy(reports / "evidence.html", folder / "evidence.html")
        evidence["target"]["tenant"] = name
        evidence["cassettes"].update(base="../../..", folder=f"cassettes/{name}")
        (folder / "evidence.json").write_text(json.dumps(evidence, indent=2) + "\n", encoding="utf-8")
    return fleet


def time_merge(fleet: Path, out: Path, *, cassettes: bool = True) -> float:
    """Seconds one merge of `fleet` into `out` takes (in this process)."""
    from zdconform.reporting.merge import merge_reports

    started = time.perf_counter()
    merged = merge_reports([fleet], out, cassettes=cassettes)
    elapsed = time.perf_counter() - started
    assert merged.document["totals"]["tenants"] == len(list((fleet / "tenants").iterdir()))
    return elapsed


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-merge-") as tmp:
        root = Path(tmp)
        fleet = make_fleet(replay_evidence(root / "one-run"), root, TENANTS)
        verified = [time_merge(fleet, root / "out") for _ in range(ROUNDS)]
        alone = [time_merge(fleet, root / "out", cassettes=False) for _ in range(ROUNDS)]
        size = (root / "out" / "fleet.json").stat().st_size + (root / "out" / "fleet.html").stat().st_size
    print(f"merge of {TENANTS} tenants (median of {ROUNDS}): {statistics.median(verified):.2f} s with every "
          f"tenant's cassettes verified, {statistics.median(alone):.2f} s with --no-cassettes; "
          f"fleet.json + fleet.html {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
