"""zdconform where POSIX's fcntl is missing (Windows): a replay and an emulator recording still run.

The interpreter is started with `fcntl` made unimportable (`sys.modules["fcntl"] = None`), as on
Windows; the manifest's lock and the token journal's then do without it (one recording process).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from _helpers import SUITES, child_env

pytestmark = pytest.mark.e2e

WITHOUT_FCNTL = ("import sys; sys.modules['fcntl'] = None; import pytest; "
                 "sys.exit(pytest.main(sys.argv[1:]))")


@pytest.mark.parametrize("target", ["replay", "emulator"])
def test_a_run_needs_no_fcntl(tmp_path, target):
    args = [str(SUITES), "-q", "-p", "no:cacheprovider", f"--zd-target={target}",
            f"--zd-reports={tmp_path / 'reports'}"]
    if target == "emulator":  # it records: into a folder of the test's own
        args.append(f"--zd-cassette-root={tmp_path / 'cassettes'}")
    proc = subprocess.run([sys.executable, "-c", WITHOUT_FCNTL, *args], env=child_env(), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "50 passed" in proc.stdout and (tmp_path / "reports" / "evidence.json").is_file()
