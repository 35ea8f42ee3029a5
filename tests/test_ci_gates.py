"""What a CI job can demand of a run: no misspelt variable (`--strict`), no finding at or above a
severity (`--fail-on-finding`), and a live target (`--require-live`, the templates' live command)."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from test_ci_templates import github_commands, gitlab_commands

from zdconform.exceptions import UsageError
from zdconform.settings.options import check_environment, resolve_options

from _helpers import ROOT, child_env, run_suites


def test_strict_refuses_an_unknown_variable_that_would_otherwise_warn():
    env = {"ZENDESK_TARGT": "https://acme.zendesk.com"}
    assert check_environment(env) == ["ZENDESK_TARGT is not a variable zdconform reads: did you mean ZENDESK_TARGET?"]
    with pytest.raises(UsageError, match="did you mean ZENDESK_TARGET") as caught:
        check_environment(env, strict=True)
    assert "--zd-strict" in str(caught.value)
    assert check_environment({"ZENDESK_TARGET": "replay"}, strict=True) == []


@pytest.mark.parametrize("value", ["bogus", "critical", ""])
def test_fail_on_finding_takes_a_severity(tmp_path, value):
    if not value:
        assert resolve_options({"fail_on_finding": value}, {}, {}, tmp_path).fail_on_finding is None
        return
    with pytest.raises(UsageError, match="is not a severity"):
        resolve_options({"fail_on_finding": value}, {}, {}, tmp_path)
    assert resolve_options({}, {}, {"ZDCONFORM_FAIL_ON_FINDING": "HIGH"}, tmp_path).fail_on_finding == "high"


@pytest.mark.e2e
def test_a_finding_at_or_above_the_gate_fails_the_run_and_names_it(tmp_path):
    gated = run_suites(f"--zd-reports={tmp_path / 'gated'}", "--zd-fail-on-finding=medium")
    assert gated.returncode == 1 and "FAILED by --zd-fail-on-finding medium: [medium] API token access" in gated.output
    assert "[low] Public OAuth clients" not in gated.output.split("FAILED by")[-1].splitlines()[0]
    passed = run_suites(f"--zd-reports={tmp_path / 'open'}", "--zd-fail-on-finding=high")
    assert passed.returncode == 0 and "FAILED by" not in passed.output, passed.output


@pytest.mark.e2e
@pytest.mark.parametrize("target", ["", None], ids=["empty", "missing"])
@pytest.mark.parametrize("template", ["github", "gitlab"])
def test_the_live_job_with_an_empty_or_missing_target_fails_without_contacting_anything(tmp_path, template, target):
    commands = github_commands("live") if template == "github" else gitlab_commands("live")
    command = next(c for c in commands if c.startswith("zdconform run"))
    env = child_env() | {"ZDCONFORM_REPORTS": str(tmp_path / "reports")}
    if target is not None:
        env["ZENDESK_TARGET"] = target
    words = shlex.split(command.replace('"$ZENDESK_TARGET"', shlex.quote(target or "")))
    zdconform = str(Path(sys.executable).parent / "zdconform")
    proc = subprocess.run([zdconform, *words[1:]], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert not (tmp_path / "reports").exists(), "a refused live job writes no report"


def test_the_evidence_names_what_judged_the_tenant():
    """Python, the OS and the libraries a verdict rests on, as installed (schemas/evidence.json `environment`)."""
    import platform

    import vcr

    from zdconform.reporting.evidence import environment

    env = environment()
    assert env["python"] == platform.python_version() and env["os"].startswith(platform.system())
    assert env["packages"]["pytest"] == pytest.__version__ and env["packages"]["vcrpy"] == vcr.__version__
    assert set(env["packages"]) >= {"pytest-recording", "requests", "jsonschema", "jsonschema-rs"}


@pytest.mark.e2e
@pytest.mark.parametrize("args", [["--zd-target=http://127.0.0.1:9"], ["--zd-replay-from=no-such-recording"]],
                         ids=["preflight-refused", "replay-folder-typo"])
def test_a_refused_run_leaves_ci_one_failing_testcase_naming_its_cause(tmp_path, args):
    from xml.etree import ElementTree

    junit = tmp_path / "ci" / "junit.xml"
    refused = run_suites(*args, f"--junitxml={junit}", f"--zd-reports={tmp_path / 'reports'}")
    assert refused.returncode not in (0, 1, 5), refused.output
    cases = ElementTree.parse(junit).getroot().findall(".//testcase")
    assert len(cases) == 1 and cases[0].get("name") == "run refused before its checks"
    failure = cases[0].find("failure")
    assert failure is not None and ("Cannot reach" in failure.text or "no-such-recording" in failure.text)
    assert not (tmp_path / "reports").exists(), "the reports folder is left as it was"



def test_an_expected_denied_refusal_says_what_it_proves_and_what_it_cannot():
    """A wrong password and a disabled password method look the same: the evidence never claims more."""
    from zdconform.reporting.results import UNPROVEN_REFUSAL, CheckResult, annotate_refusals

    def result(method, verdict, endpoint="list_clients"):
        return CheckResult(check=f"x[{method}]", check_id=f"{endpoint}[{method}]", endpoint=endpoint, method=method,
                           verdict=verdict)

    alone = annotate_refusals([result("password", "expected-denied")])
    assert alone[0].details["refusal_proves"].startswith(UNPROVEN_REFUSAL) and "no unknown user" not in str(
        alone[0].details)
    proven = annotate_refusals([result("password", "expected-denied"), result("api_token", "pass")])
    assert "the same admin authenticates with api_token" in proven[0].details["refusal_proves"]
    assert "refusal_proves" not in proven[1].details


def test_run_help_names_only_real_options_and_variables():
    """`zdconform run --help` lists the pytest options, the credential variables and the exit codes:
    every `--zd-*` option and ZENDESK_* variable it names exists."""
    import re

    from zdconform.cli import RUN_EPILOG
    from zdconform.settings.options import known_variables

    options = set(re.findall(r"--zd-[a-z-]+", RUN_EPILOG))
    declared = set(re.findall(r"--zd-[a-z-]+", (ROOT / "zdconform" / "settings" / "options.py").read_text()))
    assert options and options <= declared, options - declared
    named = set(re.findall(r"\bZENDESK_[A-Z_]+\b", RUN_EPILOG))
    assert named and named <= known_variables(), named - known_variables()
    assert "10-14" in RUN_EPILOG and "4 a usage error" in RUN_EPILOG
