"""Mistyped commands, as users type them: each gets one paragraph naming what was typed, and the
closest command, option, variable or target form (the "did you mean" of `settings.spelling`)."""

from __future__ import annotations

import pytest

from zdconform.cli import main
from zdconform.settings.options import check_environment

from _helpers import ROOT

MISTYPED = [  # what the user typed, what they should be told
    pytest.param(["verfy"], "Did you mean `verify`?", id="command"),
    pytest.param(["emulatr"], "Did you mean `emulator`?", id="command-emulator"),
    pytest.param(["run", "--targt", "emulator"],
                 "`--targt` is not an option of `zdconform run`. Did you mean `--target`?", id="run-option"),
    pytest.param(["run", "--targt=emulator"], "Did you mean `--target`?", id="run-option-equals"),
    pytest.param(["run", "--profle", "tenants/acme.yaml"], "Did you mean `--profile`?", id="run-profile"),
    pytest.param(["run", "--fleet-shrd", "1/2"], "Did you mean `--fleet-shard`?", id="run-shard"),
    pytest.param(["run", "--require-lve"], "Did you mean `--require-live`?", id="run-switch"),
    pytest.param(["run", "--zd-targt=emulator"], "Did you mean `--zd-target`?", id="run-zd-option"),
    pytest.param(["run", "--zd-max-page", "2"], "Did you mean `--zd-max-pages`?", id="run-zd-plural"),
    pytest.param(["run", "--target", "acme.zendesk.com"], "Did you mean `https://acme.zendesk.com`?", id="no-scheme"),
    pytest.param(["run", "--target", "acme.zendesk.com/"], "Did you mean `https://acme.zendesk.com`?",
                 id="no-scheme-slash"),
    pytest.param(["run", "--target", "acme"], "Did you mean `https://acme.zendesk.com`?", id="subdomain"),
    pytest.param(["run", "--target", "acme.zendesk.com/api/v2"], "Did you mean `https://acme.zendesk.com`?",
                 id="no-scheme-with-path"),
    pytest.param(["run", "--target", "htps://acme.zendesk.com"], "Did you mean `https://acme.zendesk.com`?",
                 id="scheme-misspelt"),
    pytest.param(["run", "--target", "https:/acme.zendesk.com"], "Did you mean `https://acme.zendesk.com`?",
                 id="one-slash"),
    pytest.param(["run", "--target", "emulater"], "`--target` 'emulater' is not a target", id="emulator-typo"),
    pytest.param(["run", "--target", "replya"], "Did you mean `replay`?", id="replay-typo"),
    pytest.param(["run", "--target", "http://acme.zendesk.com"], "Use `https://acme.zendesk.com`", id="plain-http"),
    pytest.param(["run", "--fail-on-finding", "hihg"], "`--fail-on-finding` 'hihg' is not a severity", id="severity"),
    pytest.param(["run", "--profile", "no-such-profile.yaml"], "not found: check the path given to `--profile`",
                 id="profile-missing"),
    pytest.param(["verify", "--targte", "x"], "Did you mean `--target`?", id="verify-option"),
    pytest.param(["cleanup", "--dryrun", "--target", "https://acme.zendesk.com"], "Did you mean `--dry-run`?",
                 id="cleanup-option"),
    pytest.param(["merge", "reports", "--no-casettes"], "Did you mean `--no-cassettes`?", id="merge-option"),
]


@pytest.mark.parametrize(("argv", "told"), MISTYPED)
def test_a_mistyped_command_gets_a_suggestion(argv, told, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors (a command or another command's option)
        code = exc.code
    err = capsys.readouterr().err
    assert code == (4 if argv[0] == "run" else 2) and told in err and "Traceback" not in err, err


@pytest.mark.parametrize(("name", "meant"), [
    pytest.param("ZENDESK_TARGT", "ZENDESK_TARGET", id="letter-left-out"),
    pytest.param("ZENDESK_APITOKEN", "ZENDESK_API_TOKEN", id="underscore-left-out"),
    pytest.param("ZENDESK_OAUTH_TOKNE", "ZENDESK_OAUTH_TOKEN", id="letters-swapped"),
    pytest.param("ZENDSK_EMAIL", "ZENDESK_EMAIL", id="prefix-misspelt"),
    pytest.param("ZDCONFROM_REPORTS", "ZDCONFORM_REPORTS", id="zdconform-prefix-misspelt"),
    pytest.param("zendesk_target", "ZENDESK_TARGET", id="lower-case"),
])
def test_a_misspelt_variable_gets_a_suggestion(name, meant):
    lines = check_environment({name: "x", "PATH": "/bin", "HOME": "/root", "PYTHONPATH": "."})
    assert lines == [f"{name} is not a variable zdconform reads: did you mean {meant}?"]


def test_a_variable_of_another_tool_is_left_alone():
    assert check_environment({"ZENDESK_TARGET": "replay", "PATH": "/bin", "ZEND_DEBUG": "1", "TARGET": "x"}) == []


@pytest.mark.parametrize(("args", "told"), [
    pytest.param(["--zd-targt=emulator"], "Did you mean `--zd-target`?", id="zd-option"),
    pytest.param(["--target", "emulator"], "`--target` is not an option of pytest or zdconform. "
                 "Did you mean `--zd-target`?", id="run-spelling-to-pytest"),
])
def test_pytest_suggests_the_zd_option(pytester, args, told):
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR and told in result.stderr.str(), result.stderr.str()


def test_no_option_of_pytest_or_its_plugins_is_taken_for_a_misspelt_one():
    """The suggestions are made only for options no parser took, and no real one is a near miss of ours."""
    from _pytest.config import get_config

    from zdconform.settings.options import option_names
    from zdconform.settings.spelling import RUN_ALIASES, misspelt_option

    config = get_config()
    config.pluginmanager.load_setuptools_entrypoints("pytest11")
    theirs = {name for group in [config._parser._anonymous, *config._parser._groups] for option in group.options
              for name in option.names() if name.startswith("--")}
    ours = [*RUN_ALIASES, *RUN_ALIASES.values(), "--project", *option_names()]
    assert len(theirs) > 100 and [n for n in theirs if misspelt_option(n, ours)] == []
