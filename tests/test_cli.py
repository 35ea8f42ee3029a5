"""The `zdconform` command as a user types it: exit codes and one-paragraph errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from zdconform.cli import main


def zdconform(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "zdconform.cli", *args], capture_output=True,
                          text=True, timeout=timeout)


@pytest.mark.e2e
def test_emulator_subcommand_takes_the_emulators_own_options():
    proc = subprocess.Popen([sys.executable, "-m", "zdconform.cli", "emulator", "--port", "0",
                             "--host", "127.0.0.1"], stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert first.startswith("listening on http://127.0.0.1:"), first
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    assert proc.returncode == 0


@pytest.mark.e2e
def test_emulator_subcommand_dumps_the_tenant():
    result = zdconform("emulator", "--dump-tenant")
    assert result.returncode == 0 and "subdomain: obscura" in result.stdout


@pytest.mark.parametrize(("args", "fragment"), [
    pytest.param(["verify", "--target", "no-such-target"], "No MANIFEST.json", id="verify-unknown"),
    pytest.param(["cleanup", "--target", "emulator"], "cleanup works on a tenant URL", id="cleanup-emulator"),
    pytest.param(["cleanup", "--target", "ftp://x"], "not a target", id="cleanup-bad-url"),
    pytest.param(["cleanup"], "`--target URL`, or `--fleet FILE`", id="cleanup-no-tenant"),
    pytest.param(["cleanup", "--fleet", "no-such-fleet.yaml"], "cannot be read", id="cleanup-no-fleet"),
    pytest.param(["run", "--fleet-shard", "1/2"], "give the fleet file too", id="shard-without-fleet"),
    pytest.param(["run", "--fleet", "fleet.yaml", "--target", "emulator"], "leave out `--target`", id="fleet-target"),
    pytest.param(["validate", "--schema", "tokn", "README.md"], "Did you mean", id="validate-unknown-schema"),
])
def test_bad_input_is_one_paragraph_and_exit_2(args, fragment, capsys):
    assert main(args) == (4 if args[0] == "run" else 2)  # `run` exits as pytest does on a usage error
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err and err.count("\n") == 1


def test_unknown_option_for_a_non_run_command_is_refused(capsys):
    with pytest.raises(SystemExit) as info:
        main(["verify", "--bogus"])
    assert info.value.code == 2


def test_verify_passes_on_the_committed_cassettes(capsys):
    assert main(["verify"]) == 0
    assert "0 problem(s)" in capsys.readouterr().out


def test_version_names_the_checkouts_commit(capsys):
    head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                          cwd=Path(__file__).parent, check=True).stdout.strip()
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    out = capsys.readouterr().out
    assert info.value.code == 0 and out.startswith("zdconform 0.1.0 (commit ") and head in out, out


def test_emulator_help_names_the_command_the_user_typed(capsys):
    assert main(["emulator", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: zdconform emulator"), out[:200]


@pytest.mark.e2e
@pytest.mark.parametrize("flag", ["--help", "-h", "help"])
def test_dev_help_lists_the_commands_and_exits_0(flag):
    proc = subprocess.run([str(Path(__file__).resolve().parent.parent / "dev"), flag], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0 and "./dev run" in proc.stdout and "./dev test" in proc.stdout, proc.stderr


@pytest.mark.parametrize(("args", "status"), [
    pytest.param(["run", "--target"], 4, id="run-as-pytest"),
    pytest.param(["run", "--fle", "x"], 4, id="run-ambiguous"),
    pytest.param(["verify", "--target"], 2, id="other-commands"),
])
def test_a_command_line_argparse_refuses_exits_as_its_command_documents(args, status, capsys):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == status and "error:" in capsys.readouterr().err
