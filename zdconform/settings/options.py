"""The options of a run, resolved with one precedence rule.

`resolve_options` decides every option, and nothing else does: command-line option >
environment variable > ini key (pyproject.toml or pytest.ini) > default. The environment
comes before the ini because the ini is committed and shared, while the environment is
where a CI job or a shell states what this one run is for (`ZENDESK_TARGET=https://...`).
Relative paths are taken from the project root (pytest's rootdir, or the command line's
project folder), never from the installed package.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..exceptions import UsageError, excerpt
from .spelling import RUN_ALIASES, closest, unknown_option
from .targets import REFERENCE_SLUG

__all__ = ["Options", "SEVERITIES", "check_environment", "check_spelling", "declare_options", "known_variables",
           "option_names", "options_of", "parse_switch", "resolve_options", "severity"]

KEYS = ("target", "profile", "replay_from", "cassette_root", "max_pages", "reports",
        "allow_unverified", "emulator_tenant", "max_age_days", "allow_missing_credentials", "fleet", "fleet_shard",
        "require_live", "strict", "fail_on_finding", "fuzz_examples", "fuzz_seed")
SEVERITIES = ("info", "low", "medium", "high")  # of findings, least first
INI_KEYS = KEYS[:6]


@dataclass(frozen=True)
class Options:
    target: str = "replay"
    profile: str | None = None
    replay_from: str = REFERENCE_SLUG
    cassette_root: Path = Path("cassettes")
    max_pages: int = 3
    allow_unverified: bool = False
    emulator_tenant: str | None = None
    reports: Path = Path("reports")
    max_age_days: int = 90  # cassettes recorded longer ago are flagged as stale (a warning)
    project: Path = Path(".")  # the project root: the token journal and relative paths hang from it
    allow_missing_credentials: bool = False  # a live run may leave an expected-enabled method unchecked
    fleet: str | None = None  # a fleet file: every check runs once per tenant (settings.fleet)
    fleet_shard: str | None = None  # "K/N": only shard K of N of the fleet's tenants
    tenant: str | None = None  # the fleet name of the one tenant this run is for (set by the fleet, not a user)
    # a fleet tenant's own variable names (ZENDESK_EMAIL -> ACME_EMAIL): what its messages name
    credential_names: Mapping[str, str] | None = None
    # the run's id (set by the plugin, shared with its pytest-xdist workers): a live run stages its
    # recording under it (`recording.staging`)
    run_id: str | None = None
    require_live: bool = False  # a replay target is refused: a live job can never replay by accident
    strict: bool = False  # an unknown ZENDESK_* or ZDCONFORM_* variable is an error, not a warning
    fail_on_finding: str | None = None  # a finding of this severity or above fails the run
    fuzz_examples: int = 12  # malformed credentials drawn per fuzzed family (0: no fuzzing)
    fuzz_seed: int = 0  # the seed they are drawn from: the same examples on every run with it
    # where each setting given came from, as the user spelt it (`--zd-target`, ZENDESK_TARGET, the ini's
    # `zd_target`): what a message about its value names
    given_as: Mapping[str, str] = field(default_factory=dict)

    def name_of(self, key: str) -> str:
        """The option, variable or ini key the setting `key` came from, for a message about its value."""
        return self.given_as.get(key, f"`--zd-{key.replace('_', '-')}`")


def resolve_options(cli: Mapping[str, Any], ini: Mapping[str, Any], env: Mapping[str, str],
                    rootdir: Path) -> Options:
    """Resolve every setting with one rule: CLI > environment > ini > default."""

    given_as: dict[str, str] = {}

    def pick(name: str, var: str, default: Any) -> Any:
        spellings = (f"`--zd-{name.replace('_', '-')}`", var, f"the ini key `zd_{name}`")
        for source, spelt in zip((cli.get(name), env.get(var), ini.get(name)), spellings, strict=True):  # THE
            if source not in (None, "", []):                                                      # precedence
                given_as[name] = spelt
                return source
        return default

    root = Path(pick("cassette_root", "ZDCONFORM_CASSETTES", "cassettes"))
    reports = Path(pick("reports", "ZDCONFORM_REPORTS", "reports"))
    pages = pick("max_pages", "ZDCONFORM_MAX_PAGES", 3)
    try:
        pages = int(pages)
        assert pages >= 1
    except (ValueError, AssertionError):
        raise UsageError(f"`--zd-max-pages` {pages!r} must be a whole number of pages, 1 or more.") from None
    fuzz = {key: _whole(pick(f"fuzz_{key}", f"ZDCONFORM_FUZZ_{key.upper()}", default), given_as.get(f"fuzz_{key}", ""),
                        low) for key, default, low in (("examples", 12, 0), ("seed", 0, 0))}
    max_age = pick("max_age_days", "ZDCONFORM_MAX_AGE_DAYS", 90)
    try:
        max_age = int(max_age)
        assert max_age >= 0
    except (ValueError, AssertionError):
        raise UsageError(f"`--zd-max-age-days` (or ZDCONFORM_MAX_AGE_DAYS) {max_age!r} must be a "
                         "whole number of days, 0 or more.") from None
    return Options(
        target=str(pick("target", "ZENDESK_TARGET", "replay")),
        profile=pick("profile", "ZENDESK_PROFILE", None),
        replay_from=str(pick("replay_from", "ZENDESK_REPLAY_FROM", REFERENCE_SLUG)),
        cassette_root=root if root.is_absolute() else rootdir / root,
        max_pages=pages,
        allow_unverified=parse_switch(pick("allow_unverified", "ZDCONFORM_ALLOW_UNVERIFIED", False),
                                      "`--zd-allow-unverified` (or ZDCONFORM_ALLOW_UNVERIFIED)"),
        emulator_tenant=pick("emulator_tenant", "ZDCONFORM_EMULATOR_TENANT", None),
        reports=reports if reports.is_absolute() else rootdir / reports,
        max_age_days=max_age,
        project=rootdir,
        allow_missing_credentials=parse_switch(
            pick("allow_missing_credentials", "ZDCONFORM_ALLOW_MISSING_CREDENTIALS", False),
            "`--zd-allow-missing-credentials` (or ZDCONFORM_ALLOW_MISSING_CREDENTIALS)"),
        fleet=pick("fleet", "ZDCONFORM_FLEET", None),
        fleet_shard=pick("fleet_shard", "ZDCONFORM_FLEET_SHARD", None),
        require_live=parse_switch(pick("require_live", "ZDCONFORM_REQUIRE_LIVE", False),
                                  "`--zd-require-live` (or ZDCONFORM_REQUIRE_LIVE)"),
        strict=parse_switch(pick("strict", "ZDCONFORM_STRICT", False), "`--zd-strict` (or ZDCONFORM_STRICT)"),
        fail_on_finding=severity(pick("fail_on_finding", "ZDCONFORM_FAIL_ON_FINDING", None)),
        fuzz_examples=fuzz["examples"], fuzz_seed=fuzz["seed"],
        given_as=given_as,
    )


def severity(value: Any, name: str = "`--zd-fail-on-finding` (or ZDCONFORM_FAIL_ON_FINDING)") -> str | None:
    """A finding severity (`info`, `low`, `medium`, `high`) from `name`, the option or variable it came from."""
    if value is None:
        return None
    text = str(value).strip().lower()
    if text not in SEVERITIES:
        near = closest(text, SEVERITIES, cutoff=0.6)
        raise UsageError(f"{name} {excerpt(value)} is not a severity: give one of {', '.join(SEVERITIES)} (a finding "
                         "of that severity or above fails the run)." + (f" Did you mean `{near}`?" if near else ""))
    return text


# Every variable zdconform reads besides the credentials (`credentials.CREDENTIAL_VARS`, CLIENT_ID_VAR)
OPTION_VARIABLES = ("ZENDESK_TARGET", "ZENDESK_PROFILE", "ZENDESK_REPLAY_FROM", "ZDCONFORM_CASSETTES",
                    "ZDCONFORM_REPORTS", "ZDCONFORM_MAX_PAGES", "ZDCONFORM_ALLOW_UNVERIFIED",
                    "ZDCONFORM_EMULATOR_TENANT", "ZDCONFORM_MAX_AGE_DAYS", "ZDCONFORM_ALLOW_MISSING_CREDENTIALS",
                    "ZDCONFORM_FLEET", "ZDCONFORM_FLEET_SHARD", "ZDCONFORM_REQUIRE_LIVE", "ZDCONFORM_STRICT",
                    "ZDCONFORM_FAIL_ON_FINDING", "ZDCONFORM_FUZZ_EXAMPLES", "ZDCONFORM_FUZZ_SEED",
                    "ZDCONFORM_PSEUDONYM_KEY", "ZDCONFORM_SIGNING_KEY", "ZDCONFORM_SIGNING_KEY_FILE",
                    "ZDCONFORM_SCHEMAS_DIR",
                    "ZDCONFORM_EVIDENCE", "ZDCONFORM_CHECK")  # the last two: read by notebooks/evidence.ipynb


def known_variables() -> frozenset[str]:
    """Every ZENDESK_* and ZDCONFORM_* variable zdconform reads."""
    from .credentials import CLIENT_ID_VAR, CREDENTIAL_VARIABLES

    return frozenset({*OPTION_VARIABLES, CLIENT_ID_VAR, *CREDENTIAL_VARIABLES})


def check_environment(env: Mapping[str, str], *, strict: bool = False) -> list[str]:
    """Refuse a zdconform variable that is set but empty (in CI, a secret or variable that did not reach
    the job); the lines that warn of ZENDESK_* and ZDCONFORM_* names zdconform does not read (with
    `strict`, refused: a misspelt variable in CI is a setting that silently did not apply)."""
    known = known_variables()
    empty = sorted(name for name in known if name in env and not env[name].strip())
    if empty:
        raise UsageError(
            f"{', '.join(empty)} {'is' if len(empty) == 1 else 'are'} set but empty. In CI that is a secret or "
            "variable that did not reach this job (a protected variable on an unprotected branch, a fork's pull "
            "request); in a shell, an `export NAME=` left behind. Give it a value, or unset it (`unset NAME`) "
            "to mean its default; zdconform never reads an empty variable as unset.")
    lines = []
    for name in sorted(n for n in env if n not in known):
        close = closest(name, known, cutoff=0.8 if name.startswith(("ZENDESK_", "ZDCONFORM_")) else 0.86)
        if close or name.startswith(("ZENDESK_", "ZDCONFORM_")):  # a name like ours, prefix misspelt too
            lines.append(f"{name} is not a variable zdconform reads" + (f": did you mean {close}?" if close else
                         " (docs/options.md lists them)"))
    if strict and lines:
        raise UsageError(f"{'; '.join(lines)} (`--zd-strict`, or ZDCONFORM_STRICT, refuses unknown ZENDESK_* and "
                         "ZDCONFORM_* variables): fix the name, or unset it.")
    return lines


ON, OFF = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off"})


def parse_switch(value: Any, name: str) -> bool:
    """A switch from an option, ini key or environment variable: 1/true/yes/on or 0/false/no/off
    (any case); anything else is an error naming the switch, never a silent true."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ON or text in OFF:
        return text in ON
    raise UsageError(f"{name} is {excerpt(value)}, which is not a switch: use 1, true, yes or on to turn "
                     "it on, and 0, false, no or off (or leaving it unset) to turn it off.")


def declare_options(parser: pytest.Parser) -> None:
    """The `--zd-*` options (group "zendesk") and their ini keys."""
    group = parser.getgroup("zendesk", "Zendesk auth conformance")
    group.addoption("--zd-target", dest="zd_target", default=None, metavar="TARGET",
                    help="where checks run: replay (recorded cassettes, offline; default), emulator, or a tenant URL.")
    group.addoption("--zd-profile", dest="zd_profile", default=None, metavar="FILE",
                    help="tenant profile YAML stating which auth methods the tenant should allow.")
    group.addoption("--zd-replay-from", dest="zd_replay_from", default=None, metavar="NAME",
                    help="cassette folder to replay (default: reference-emulator).")
    group.addoption("--zd-cassette-root", dest="zd_cassette_root", default=None, metavar="DIR",
                    help="folder holding one cassette folder per target (default: cassettes).")
    group.addoption("--zd-max-pages", dest="zd_max_pages", default=None, type=int, metavar="N",
                    help="pages walked per pagination style (default: 3).")
    group.addoption("--zd-allow-unverified", dest="zd_allow_unverified", action="store_true", default=None,
                    help="replay cassettes even when they differ from their manifest.")
    group.addoption("--zd-emulator-tenant", dest="zd_emulator_tenant", default=None, metavar="FILE",
                    help="tenant YAML for the emulator target (default: the built-in tenant).")
    group.addoption("--zd-reports", dest="zd_reports", default=None, metavar="DIR",
                    help="folder for results.json and the evidence reports (default: reports).")
    group.addoption("--zd-max-age-days", dest="zd_max_age_days", default=None, type=int, metavar="DAYS",
                    help="flag replayed cassettes recorded more than DAYS days ago as stale (default: 90).")
    group.addoption("--zd-allow-missing-credentials", dest="zd_allow_missing_credentials", action="store_true",
                    default=None, help="let a live run pass although a method the profile expects enabled was "
                    "not checked for lack of credentials.")
    group.addoption("--zd-fleet", dest="zd_fleet", default=None, metavar="FILE",
                    help="fleet YAML: run every check once per tenant it lists, each tenant with its own reports.")
    group.addoption("--zd-fleet-shard", dest="zd_fleet_shard", default=None, metavar="K/N",
                    help="run only shard K of N of the fleet's tenants (sorted names, dealt round robin).")
    group.addoption("--zd-require-live", dest="zd_require_live", action="store_true", default=None,
                    help="refuse to run unless the target is live (the emulator or a tenant), never a replay: "
                    "for live CI jobs, whose target variable may be empty, misspelt or missing.")
    group.addoption("--zd-strict", dest="zd_strict", action="store_true", default=None,
                    help="refuse unknown ZENDESK_* and ZDCONFORM_* variables (a misspelt name) instead of warning.")
    group.addoption("--zd-fuzz-examples", dest="zd_fuzz_examples", default=None, metavar="N",
                    help="malformed credentials drawn per fuzzed auth method (default: 12; 0 turns fuzzing off).")
    group.addoption("--zd-fuzz-seed", dest="zd_fuzz_seed", default=None, metavar="SEED",
                    help="the seed the fuzzed credentials are drawn from (default: 0; a replay uses the recorded one).")
    group.addoption("--zd-fail-on-finding", dest="zd_fail_on_finding", default=None, metavar="SEVERITY",
                    help="fail the run on a finding of SEVERITY or above (info, low, medium, high).")
    for key in INI_KEYS:
        name = f"zd_{key}"
        parser.addini(name, help=f"default for --{name.replace('_', '-')}", type="string", default=None)


def _whole(value: Any, name: str, low: int) -> int:
    """A whole number of at least `low` from an option or variable, or an error naming it."""
    try:
        number = int(value)
        assert number >= low
    except (ValueError, TypeError, AssertionError):
        raise UsageError(f"{name} {excerpt(value)} must be a whole number, {low} or more.") from None
    return number


def option_names() -> list[str]:
    """Every `--zd-*` option."""
    return [f"--zd-{key.replace('_', '-')}" for key in KEYS]


def check_spelling(parser: pytest.Parser, args: list[str]) -> None:
    """Refuse an option pytest does not know that is a near miss of a `--zd-*` one (`--zd-targt`), or
    `zdconform run`'s spelling of one (`--target`), suggesting it; others are left to pytest's own error."""
    _, unknown = parser.parse_known_and_unknown_args(args)
    problem = unknown_option(unknown, option_names(), RUN_ALIASES, where="pytest or zdconform")
    if problem:
        raise pytest.UsageError(f"zdconform: {problem} (`pytest --help` lists the --zd-* options; "
                                "docs/options.md explains them)")


def options_of(config: pytest.Config) -> Options:
    """The run's options from pytest's command line and ini, the environment and defaults."""
    cli = {key: config.getoption(f"zd_{key}") for key in KEYS}
    ini = {key: config.getini(f"zd_{key}") for key in INI_KEYS}
    return resolve_options(cli, ini, os.environ, Path(str(config.rootpath)))
