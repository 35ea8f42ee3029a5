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


def test_every_module_imports_and_the_command_replays_without_fcntl(tmp_path):
    """As on Windows: a `sitecustomize` (read by every interpreter started with it on the path) makes
    `import fcntl` raise ImportError; every module of the package imports, and `zdconform run` replays."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import builtins\n_real = builtins.__import__\n"
        "def _no_fcntl(name, *args, **kwargs):\n"
        "    if name == 'fcntl':\n        raise ImportError('No module named fcntl (as on Windows)')\n"
        "    return _real(name, *args, **kwargs)\n"
        "builtins.__import__ = _no_fcntl\n")
    env = {**child_env(), "PYTHONPATH": str(site)}
    every = ("import importlib, pkgutil, zdconform\n"
             "names = [m.name for m in pkgutil.walk_packages(zdconform.__path__, 'zdconform.')\n"
             "         if not m.name.startswith('zdconform.suites') and not m.name.endswith('__main__')]\n"
             "for name in names: importlib.import_module(name)\n"
             "try:\n    import fcntl\nexcept ImportError as exc:\n    print(len(names), 'modules imported;', exc)\n")
    imported = subprocess.run([sys.executable, "-c", every], env=env, capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr[-3000:]
    count, _, why = imported.stdout.partition(" modules imported; ")
    assert int(count) > 80 and why.strip() == "No module named fcntl (as on Windows)", imported.stdout
    replay = subprocess.run([sys.executable, "-m", "zdconform", "run", f"--reports={tmp_path / 'reports'}",
                             "-p", "no:cacheprovider"], env=env, capture_output=True, text=True, timeout=300)
    assert replay.returncode == 0 and "REPLAY of reference-emulator" in replay.stdout, replay.stdout[-3000:]
