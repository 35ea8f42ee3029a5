"""Fleet runs: one machine with pytest-xdist, and a big fleet through shards.

    python benchmarks/bench_fleet.py [one] [shards]     (both: also run by `./dev bench`)

1. 16 emulated tenants, every check, each request delayed 80 ms by the emulator's latency fault
   (a realistic round trip to Zendesk): `zdconform run --fleet` serially, with `-n 2` and with
   `-n 4`, side by side on this machine. Printed: wall time, its ratio to the serial run, the
   controller's peak RSS and the largest worker's.
2. 200 emulated tenants in 4 shards, one after the other as 4 CI jobs would each run one (the
   checks narrowed by BENCH_FLEET_SHARD_ARGS, default `-k test_list_clients`, so the figure is
   the fleet machinery's cost: scheduling, a run per tenant, 200 reports folders). Printed: each
   shard's wall time and peak RSS, and the merge's once `zdconform merge` exists.

The emulator serves every tenant from one process of its own (`python -m zdconform.emulator
--tenant ... --tenant ...`), at `/tenants/NAME`. Figures, not a test: nothing here passes or fails.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from _fleet import VALUES, fleet_env  # noqa: E402 - the tests' fleet: profile and credentials

from zdconform.emulator.tenant.fleetgen import generate_fleet  # noqa: E402

LATENCY = {"faults": [{"kind": "latency", "latency_ms": 80}]}
# pytest in a child that reports its own peak RSS and its largest child's (an xdist worker), in KiB
WRAPPER = ("import resource, sys; from zdconform.cli import main; rc = main(sys.argv[1:]); "
           "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
           "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(rc)")


def start_emulator(folder: Path, size: int, settings: dict) -> tuple[subprocess.Popen[str], dict[str, str]]:
    """The fleet emulator in its own process; tenant name -> base URL."""
    files = []
    for generated in generate_fleet(11, size, defect_rate=0, settings=settings):
        path = folder / f"{generated.name}.yaml"
        path.write_text(yaml.safe_dump(dict(generated.data)))
        files += ["--tenant", str(path)]
    process = subprocess.Popen([sys.executable, "-m", "zdconform.emulator", *files], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    first = process.stdout.readline()
    if not first.startswith("listening on"):
        process.kill()
        raise SystemExit(f"bench_fleet: the emulator did not start: {first!r}")
    urls = dict(re.match(r"tenant (\S+) (\S+)", process.stdout.readline()).groups()  # type: ignore[union-attr]
                for _ in range(size))
    return process, urls


def write_fleet(folder: Path, urls: dict[str, str]) -> Path:
    (folder / "profile.yaml").write_text(yaml.safe_dump({"name": "bench", "expect": {
        "password": "disabled", "api_token": "enabled", "oauth": "enabled"}, "oauth_client": "OAuth client for my app",
        "scopes": ["read", "write"]}))
    credentials = {kind: variable for kind, (variable, _) in VALUES.items()}
    tenants = [{"name": name, "url": url, "profile": "profile.yaml", "credentials": dict(credentials)}
               for name, url in urls.items()]
    path = folder / "fleet.yaml"
    path.write_text(yaml.safe_dump({"tenants": tenants}, sort_keys=False))
    return path


def run(folder: Path, fleet: Path, *args: str) -> tuple[float, int, int, str]:
    """Wall seconds, the controller's and the largest worker's peak RSS (KiB), and the output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "ZDCONFORM_"))} | fleet_env()
    command = [sys.executable, "-c", WRAPPER, "run", "--fleet", str(fleet), "--reports", str(folder / "reports"),
               f"--zd-cassette-root={folder / 'cassettes'}", "-p", "no:cacheprovider", *args]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    found = re.findall(r"MAXRSS (\d+) (\d+)", proc.stdout)
    if proc.returncode != 0 or not found:
        sys.exit(f"bench_fleet: the fleet run failed ({proc.returncode}):\n{proc.stdout[-3000:]}{proc.stderr[-2000:]}")
    if " 429" in proc.stdout:
        print("bench_fleet: WARNING: a 429 reached the output")
    return elapsed, int(found[-1][0]), int(found[-1][1]), proc.stdout


def one_machine(base: Path) -> None:
    print("== 16 tenants, every check, 80 ms per request (the emulator's latency fault) ==")
    process, urls = start_emulator(base, 16, LATENCY)
    try:
        fleet = write_fleet(base, urls)
        serial = None
        for label, args in (("serial", []), ("-n 2", ["-n", "2"]), ("-n 4", ["-n", "4"])):
            folder = base / label.replace(" ", "")
            seconds, controller, worker, _ = run(folder, fleet, *args)
            serial = serial or seconds
            workers = f", largest worker {worker / 1024:.0f} MiB" if args else ""
            print(f"{label:>7}: {seconds:6.1f} s  ({seconds / serial:.2f}x serial)  peak RSS: "
                  f"{'run' if not args else 'controller'} {controller / 1024:.0f} MiB{workers}")
    finally:
        process.terminate()
        process.wait(10)


def shards(base: Path) -> None:
    narrow = shlex.split(os.environ.get("BENCH_FLEET_SHARD_ARGS", "-k test_list_clients"))
    print(f"== 200 tenants in 4 shards, one after the other (pytest args: {' '.join(narrow) or 'none'}) ==")
    process, urls = start_emulator(base, 200, {})
    try:
        fleet, total, slowest = write_fleet(base, urls), 0.0, 0.0
        for k in range(1, 5):
            seconds, controller, _, output = run(base / f"shard-{k}", fleet, f"--fleet-shard={k}/4", *narrow)
            tenants = len(list((base / f"shard-{k}" / "reports" / "tenants").iterdir()))
            total, slowest = total + seconds, max(slowest, seconds)
            print(f"shard {k}/4: {tenants} tenants in {seconds:6.1f} s ({seconds / tenants:.2f} s per tenant), "
                  f"peak RSS {controller / 1024:.0f} MiB")
        print(f"all shards: {total:.1f} s one after the other; as a CI matrix, the slowest shard: {slowest:.1f} s")
        merge(base, [base / f"shard-{k}" / "reports" for k in range(1, 5)])
    finally:
        process.terminate()
        process.wait(10)


def merge(base: Path, reports: list[Path]) -> None:
    """`zdconform merge` of the shards' reports, timed, once the command exists."""
    probe = subprocess.run([sys.executable, "-m", "zdconform", "merge", "--help"], capture_output=True, text=True)
    if probe.returncode != 0:
        print("merge: `zdconform merge` is not in this build yet; not measured")
        return
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "zdconform", "merge", *map(str, reports), "--out",
                           str(base / "fleet")], capture_output=True, text=True)
    print(f"merge: {time.perf_counter() - started:.1f} s (exit {proc.returncode})")


def main(parts: list[str]) -> None:
    """Both parts, or those named: `one` (one machine), `shards` (200 tenants)."""
    for name, part in (("one", one_machine), ("shards", shards)):
        if not parts or name in parts:
            with tempfile.TemporaryDirectory() as tmp:
                part(Path(tmp))


if __name__ == "__main__":
    main(sys.argv[1:])
