"""The generator of correct tenants, run longer than the e2e lane runs it; prints what it tried.

`tests/test_correct_tenants.py` draws combinations of the emulator's tenant variants (and, in its
second test, one planted defect each) with a fixed seed. The e2e lane tries a few of each; this
runs `BENCH_TENANTS` of each (default 25) and prints how many combinations passed and failed, as
Hypothesis counted them. Each combination is a whole conformance run against the emulator.
Run by hand: `./dev bench`.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    examples = int(os.environ.get("BENCH_TENANTS", "25"))
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "tests" / "test_correct_tenants.py"), "-q",
                           "-p", "no:cacheprovider", "-p", "no:randomly", "--hypothesis-show-statistics"],
                          env={**os.environ, "ZDCONFORM_TENANT_EXAMPLES": str(examples)}, cwd=ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    counts = re.findall(r"(\d+) passing, (\d+) failing, and (\d+) invalid", proc.stdout)
    names = ("correct tenants", "correct tenants with one planted defect")
    print(f"generator of correct tenants: {examples} examples of each kind asked, seed fixed, {seconds:.0f} s")
    for name, (passing, failing, invalid) in zip(names, counts, strict=False):
        print(f"  {name:42} {passing} as expected, {failing} not, {invalid} invalid")
    if proc.returncode != 0:
        print(proc.stdout[-4000:])
        sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
