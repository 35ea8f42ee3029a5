"""The CI templates run real commands: every `zdconform` line parses as the CLI parses it, the
live jobs take every credential from the CI's secret store, and the replay job's commands pass."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zdconform.cli import _parser
from zdconform.settings import CREDENTIAL_VARS

from _helpers import child_env

ROOT = Path(__file__).resolve().parent.parent
GITHUB_FILE = ROOT / "docs" / "ci" / "conformance.github.yml"
GITLAB_FILE = ROOT / "docs" / "ci" / "conformance.gitlab-ci.yml"
GITHUB = yaml.safe_load(GITHUB_FILE.read_text())
GITLAB = yaml.safe_load(GITLAB_FILE.read_text())
INSTALL = "python -m pip install . -c constraints.txt"


def github_commands(job: str) -> list[str]:
    return [step["run"] for step in GITHUB["jobs"][job]["steps"] if "run" in step]


def gitlab_commands(job: str) -> list[str]:
    spec = GITLAB[job]
    return [*GITLAB["default"]["before_script"], *spec.get("script", []), *spec.get("after_script", [])]


ALL = [pytest.param(c, id=f"github-{job}-{i}") for job in ("replay", "live")
       for i, c in enumerate(github_commands(job))]
ALL += [pytest.param(c, id=f"gitlab-{job}-{i}") for job in ("replay", "live")
        for i, c in enumerate(gitlab_commands(job))]


@pytest.mark.parametrize("command", ALL)
def test_every_command_is_a_real_command_of_the_project(command):
    if command == INSTALL:
        return  # installs the project (a wheel, non-editable): tests/test_install.py proves that works
    if command.startswith("mkdir"):  # the committed recording kept aside for the drift step
        assert re.fullmatch(r'mkdir -p cassettes && cp -a cassettes "?\S+committed-cassettes"?( *#.*)?', command)
        return
    command = command.split(" || ")[0]  # GitLab's way to print a step's exit status without failing the job
    words = shlex.split(command.replace('"$ZENDESK_TARGET"', "https://acme.zendesk.com"), comments=True)
    assert words[0] == "zdconform", f"{command!r} is not a zdconform command"
    args, extra = _parser().parse_known_args(words[1:])  # exits (fails the test) on an unknown command
    # `run` hands what it does not know to pytest: these exist (a refused live run still writes its junit.xml)
    pytest_options = {"--block-network", "--junitxml=reports/junit.xml"}
    assert set(extra) <= pytest_options and (not extra or args.command == "run"), extra


def test_replay_runs_on_every_push_and_live_only_on_a_schedule():
    assert {"push", "pull_request", "schedule"} <= set(GITHUB[True] if True in GITHUB else GITHUB["on"])
    assert "!= 'schedule'" in GITHUB["jobs"]["replay"]["if"] and "== 'schedule'" in GITHUB["jobs"]["live"]["if"]
    assert GITLAB["replay"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE != "schedule"'}]
    assert GITLAB["live"]["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]


def test_live_credentials_come_only_from_the_secret_store():
    env = GITHUB["jobs"]["live"]["env"]
    secrets = {var for role in CREDENTIAL_VARS.values() for key, var in role.items() if key != "email"}
    for name, value in env.items():
        expected = "vars." if name in ("ZENDESK_TARGET", "ZENDESK_PROFILE") else "secrets."
        assert value == f"${{{{ {expected}{name} }}}}", name
    assert {"ZENDESK_API_TOKEN", "ZENDESK_OAUTH_TOKEN"} <= secrets & set(env)
    text = GITLAB_FILE.read_text() + GITHUB_FILE.read_text()
    assert "fake" not in text and not re.search(r"@(?![0-9a-f]{40}\b)", text), "no address, no unpinned action"


def test_junit_goes_to_the_test_view_and_reports_are_uploaded():
    for job in ("replay", "live"):
        assert GITLAB[job]["artifacts"]["reports"]["junit"] == "reports/junit.xml"
        assert "reports/" in GITLAB[job]["artifacts"]["paths"] and GITLAB[job]["artifacts"]["when"] == "always"
        steps = GITHUB["jobs"][job]["steps"]
        assert any(s.get("with", {}).get("report_paths") == "reports/junit.xml" for s in steps)
        assert any("reports/" in str(s.get("with", {}).get("path", "")) for s in steps)


@pytest.mark.e2e
def test_the_replay_jobs_commands_pass(tmp_path):
    """The replay job's own commands, as CI runs them, in this checkout (reports to a temporary folder)."""
    assert github_commands("replay")[1:] == gitlab_commands("replay")[1:]
    env = child_env()
    env["ZDCONFORM_REPORTS"] = str(tmp_path)  # the environment moves every report, as the option would
    zdconform = str(Path(sys.executable).parent / "zdconform")
    for command in github_commands("replay")[1:]:
        words = shlex.split(command)
        proc = subprocess.run([zdconform, *words[1:]], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=300)
        assert proc.returncode == 0, f"{command}: {proc.stdout[-2000:]}{proc.stderr[-2000:]}"
    assert {p.name for p in tmp_path.iterdir()} >= {"junit.xml", "evidence.json", "evidence.html"}


def test_the_templates_are_fit_for_real_runners():
    """Pinned actions, timeouts, one live run per tenant, no duplicate runs, fork-safe JUnit, cleanup that
    fails the job, pinned dependencies, and this repository's own workflow runs .ci/run."""
    for job in GITHUB["jobs"].values():
        assert job["timeout-minutes"] <= 30
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    on = GITHUB[True] if True in GITHUB else GITHUB["on"]
    assert on["push"] == {"branches": ["main"]}, "a pull request's pushes run once, as pull_request"
    live, replay = GITHUB["jobs"]["live"], GITHUB["jobs"]["replay"]
    assert live["concurrency"]["cancel-in-progress"] is False and "ZENDESK_TARGET" in live["concurrency"]["group"]
    assert GITHUB["permissions"] == {"contents": "read"}
    junit = next(s for s in replay["steps"] if "junit" in s.get("uses", ""))
    assert "head.repo.full_name == github.repository" in junit["if"], "a fork's token cannot write checks"
    assert live["env"]["ZDCONFORM_SIGNING_KEY"] == "${{ secrets.ZDCONFORM_SIGNING_KEY }}"
    assert GITLAB["live"]["resource_group"] and GITLAB["default"]["timeout"]
    assert any(c.startswith("zdconform cleanup") for c in GITLAB["live"]["script"]), "after_script errors are ignored"
    assert GITLAB["workflow"]["rules"][1]["when"] == "never"
    drift = next(s for s in live["steps"] if s.get("run", "").startswith("zdconform diff --target"))
    assert drift["if"] == "success() || failure()" and drift["continue-on-error"] is True, "drift reported, not fatal"
    assert any(c.startswith("zdconform diff --target") for c in GITLAB["live"]["script"])
    pins = dict(line.split("==") for line in (ROOT / "constraints.txt").read_text().splitlines()
                if line and not line.startswith("#"))
    assert pins["vcrpy"].startswith("9.") and {"pytest", "pytest-recording", "requests"} <= set(pins)
    own = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text())
    assert [s["run"] for s in own["jobs"]["ci"]["steps"] if "run" in s] == [".ci/run"]


def test_without_git_the_evidence_names_the_commit_the_ci_checked_out(tmp_path):
    """GitLab's python:3.11-slim has no git: the evidence's commit comes from CI_COMMIT_SHA (GITHUB_SHA)."""
    from zdconform.reporting.evidence import git_commit

    sha = "0123456789abcdef0123456789abcdef01234567"
    assert git_commit(tmp_path, {"CI_COMMIT_SHA": sha}) == sha  # tmp_path is no checkout
    assert git_commit(tmp_path, {"GITHUB_SHA": sha.upper()}) == sha
    assert git_commit(tmp_path, {"CI_COMMIT_SHA": "not-a-commit"}) is None
    assert git_commit(ROOT, {"CI_COMMIT_SHA": sha}) != sha, "a checkout's own HEAD comes first"
