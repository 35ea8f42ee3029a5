"""`zdconform`: run, init, emulator, validate, verify, sign, keygen, report, diff, merge, history, notebook, cleanup.

Exit codes: 0 success; 1 a check failed (or verification found problems); 2 bad input
(the message says which and how to fix it; for `run`, 4 as pytest's usage errors); other codes
of `run` are pytest's own, and 10-14 a failed preflight of a live tenant (docs/live-runs.md).

Every file of the user's project is found from one root (`settings.project`): `--project DIR`,
else the nearest folder at or above the working directory holding `suites/` or `cassettes/`;
options resolve as in a run (command line > environment > ini > default).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

import pytest

from .conformance.schemas import validate_file
from .exceptions import UsageError, ZdConformError
from .pytest.selection import INSTALLED_SUITES
from .recording.audit import sign_folder, verify_folder
from .recording.files import check_writable_folder
from .recording.signing import generate_keys, key_id, load_private_key, load_public_key, signer_from_env
from .recording.store import CassetteStore
from .reporting.attestation import check_not_before, recording_of, sign_reports, verify_reports
from .reporting.drift import main as drift_main
from .reporting.history_cli import add_commands
from .reporting.merge import main as merge_main
from .reporting.publish import republish
from .reporting.timeline import load as load_history
from .runs.cleanup import cleanup_tenant
from .settings import Options, find_project, load_profile, parse_target, project_ini, project_root, resolve_options
from .settings.fleet import load_fleet, run_args, tenant_env
from .settings.options import option_names, severity
from .settings.spelling import RUN_ALIASES, did_you_mean, unknown_option

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if args.command not in ("run", "emulator") and extra:
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    handler: Callable[[argparse.Namespace, list[str]], int] = args.handler
    try:
        return handler(args, extra)
    except ZdConformError as exc:
        print(f"zdconform: error: {exc}", file=sys.stderr)
        return int(pytest.ExitCode.USAGE_ERROR) if args.command == "run" else 2  # a run's usage error is pytest's
    except KeyboardInterrupt:
        print("zdconform: interrupted", file=sys.stderr)
        return 130


class _Version(argparse.Action):
    """`--version`: the version and its commit, found only when asked (it may run git)."""

    def __call__(self, parser: argparse.ArgumentParser, *args: Any) -> NoReturn:
        from .release import describe

        print(describe())
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors suggest the closest command or option to what was typed."""

    commands: Mapping[str, argparse.ArgumentParser]
    usage_status = 2  # `run`'s is 4, as pytest's usage errors

    def error(self, message: str) -> NoReturn:
        choice = re.match(r"argument COMMAND: invalid choice: '([^']*)'", message)
        unknown = re.match(r"unrecognized arguments: (\S+)", message)
        if choice:
            message += "." + did_you_mean(choice.group(1), COMMANDS)
        elif unknown:
            message += "." + did_you_mean(unknown.group(1).split("=")[0], self._option_string_actions, cutoff=0.8)
        self.print_usage(sys.stderr)
        self.exit(self.usage_status, f"{self.prog}: error: {message}\n")


COMMANDS = ("run", "init", "emulator", "validate", "verify", "sign", "keygen", "report", "diff", "merge", "cleanup")


def _parser() -> _Parser:
    parser = _Parser(prog="zdconform", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and the commit it was built "
                        "from (where known), and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.commands = sub.choices
    project = _Parser(add_help=False)
    project.add_argument("--project", metavar="DIR", help="the project folder (default: the nearest folder "
                         "at or above the working directory holding suites/ or cassettes/)")

    run = sub.add_parser("run", help="run the conformance suites and print the matrix", parents=[project],
                         description="Run the suites; arguments it does not know go to pytest.",
                         epilog=RUN_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--target", help="replay, emulator, or a tenant URL such as https://acme.zendesk.com "
                     "(default: ZENDESK_TARGET, else the ini's zd_target, else replay)")
    run.add_argument("--profile", help="tenant profile YAML (default: ZENDESK_PROFILE, else the ini's zd_profile)")
    run.add_argument("--reports", help="folder for junit.xml and the evidence (default: ZDCONFORM_REPORTS, "
                     "else the ini's zd_reports, else reports)")
    run.add_argument("--fleet", metavar="FILE", help="fleet YAML: every check for every tenant it lists, "
                     "each tenant's reports in REPORTS/tenants/NAME/ (docs/fleet.md)")
    run.add_argument("--fleet-shard", metavar="K/N", help="with --fleet: only shard K of N of its tenants")
    run.add_argument("--require-live", action="store_true", help="refuse a replay: the run must contact its "
                     "target (for live CI jobs, whose target variable may be empty, misspelt or missing)")
    run.add_argument("--strict", action="store_true", help="refuse unknown ZENDESK_* and ZDCONFORM_* variables "
                     "(a misspelt name) instead of warning")
    run.add_argument("--fail-on-finding", metavar="SEVERITY", help="fail the run on a finding of SEVERITY or "
                     "above (info, low, medium, high)")
    run.set_defaults(handler=_run)
    run.usage_status = int(pytest.ExitCode.USAGE_ERROR)

    init = sub.add_parser("init", help="make a new zdconform project: a profile, a fleet file, .gitignore, "
                          "the folder for your own checks, the CI templates")
    init.add_argument("folder", nargs="?", default=".", metavar="DIR", help="where (default: here; made if missing)")
    init.add_argument("--force", action="store_true", help="overwrite files that exist (default: refuse, writing "
                      "nothing)")
    init.set_defaults(handler=_init)

    emulator = sub.add_parser("emulator", help="start the reference emulator (see docs/emulator.md)",
                              add_help=False)
    emulator.add_argument("rest", nargs=argparse.REMAINDER)
    emulator.set_defaults(handler=_emulator)

    validate = sub.add_parser("validate", help="validate a saved JSON response against a schema")
    validate.add_argument("--schema", required=True, help="schema name, file name or $id")
    validate.add_argument("file", help="the JSON file to validate")
    validate.set_defaults(handler=_validate)

    verify = sub.add_parser("verify", help="check cassettes against their manifest", parents=[project])
    verify.add_argument("--target", help="cassette folder name (default: reference-emulator, or the one the "
                        "evidence of `--reports` names) or a tenant URL: the recording must be of that target")
    verify.add_argument("--cassettes", help="cassette root folder (default: the project's, as a run resolves it)")
    verify.add_argument("--reports", metavar="DIR", help="also check a run's evidence in DIR: against its "
                        "recording, and its signed bundle (evidence.dsse.json)")
    verify.add_argument("--public-key", metavar="FILE",
                        help="prove with this Ed25519 public key (PEM) who signed the manifest and the evidence")
    verify.add_argument("--not-before", metavar="TIME", help="refuse a recording older than TIME (ISO date or "
                        "time, UTC): the recording time of the evidence last verified (a rollback)")
    verify.set_defaults(handler=_verify)

    sign = sub.add_parser("sign", help="sign a cassette folder's MANIFEST.json with an Ed25519 key (after recording)",
                          parents=[project])
    sign.add_argument("--target", default="reference-emulator", help="cassette folder name or a tenant URL")
    sign.add_argument("--reports", metavar="DIR", help="sign a run's whole evidence in DIR instead: its reports and "
                      "the recording they name, in one DSSE envelope (evidence.dsse.json)")
    sign.add_argument("--cassettes", help="cassette root folder (default: the project's, as a run resolves it)")
    sign.add_argument("--key", metavar="FILE", help="the private key (PEM); default: $ZDCONFORM_SIGNING_KEY "
                      "(the PEM text) or $ZDCONFORM_SIGNING_KEY_FILE")
    sign.set_defaults(handler=_sign)

    keygen = sub.add_parser("keygen", help="make an Ed25519 key pair for `zdconform sign`")
    keygen.add_argument("--out", default="zdconform-signing", metavar="PREFIX",
                        help="writes PREFIX.key (private, mode 600; never commit it) and PREFIX.pub")
    keygen.set_defaults(handler=_keygen)

    report = sub.add_parser("report", help="render evidence.html again from a run's evidence.json",
                            parents=[project])
    report.add_argument("--reports", help="folder holding evidence.json (default: the project's reports)")
    report.add_argument("--history", metavar="FILE", help="a history.json (`zdconform history`): the page shows the "
                        "last verdicts of each check")
    report.set_defaults(handler=_report)

    diff = sub.add_parser("diff", help="compare two recordings of one target: fields and statuses that drifted")
    diff.add_argument("old", metavar="OLD", help="the earlier cassette folder, e.g. cassettes/reference-emulator")
    diff.add_argument("new", metavar="NEW", help="the later cassette folder of the same target")
    diff.add_argument("--target", help="OLD and NEW are cassette roots (e.g. a copy of the committed cassettes/ and "
                      "cassettes/): compare this target's folders; exit 0 when OLD holds none (a first recording)")
    diff.set_defaults(handler=_diff)

    merge = sub.add_parser("merge", help="combine tenants' evidence into one fleet evidence (fleet.json, fleet.html)",
                           parents=[project])
    merge.add_argument("reports", nargs="+", metavar="REPORTS", help="reports folders: a run's (evidence.json) or "
                       "a fleet run's (tenants/NAME/evidence.json), e.g. one per CI job")
    merge.add_argument("--out", metavar="DIR", help="where fleet.json and fleet.html go "
                       "(default: the project's reports)")
    merge.add_argument("--no-cassettes", action="store_true", help="merge the evidence alone, its cassettes not "
                       "checked (fleet.json marks the tenants unverified)")
    merge.set_defaults(handler=_merge)

    add_commands(sub, project)  # history, notebook

    cleanup = sub.add_parser("cleanup", help="revoke OAuth tokens that earlier runs left behind", parents=[project])
    cleanup.add_argument("--target", help="the tenant URL the runs were against")
    cleanup.add_argument("--fleet", metavar="FILE", help="instead of --target: every tenant of this fleet file")
    cleanup.add_argument("--dry-run", action="store_true", help="list the tokens, revoke nothing")
    cleanup.add_argument("--journal", help="folder of the run journals (default: the project's .zdconform)")
    cleanup.set_defaults(handler=_cleanup)
    return parser


RUN_EPILOG = """\
pytest options it passes on (the same settings as the options above, for `pytest suites`):
  --zd-target, --zd-profile, --zd-reports, --zd-cassette-root DIR, --zd-replay-from NAME,
  --zd-emulator-tenant FILE, --zd-max-pages N, --zd-max-age-days DAYS, --zd-allow-unverified,
  --zd-allow-missing-credentials, --zd-fleet, --zd-fleet-shard, --zd-require-live, --zd-strict,
  --zd-fail-on-finding, --zd-fuzz-examples N, --zd-fuzz-seed SEED; and any of pytest's own (-k, -x,
  -n 4, --junitxml FILE, ...)

credentials come from the environment only:
  ZENDESK_EMAIL with ZENDESK_API_TOKEN or ZENDESK_PASSWORD, ZENDESK_OAUTH_TOKEN,
  ZENDESK_OAUTH_CLIENT_ID, ZENDESK_OAUTH_CLIENT_IDENTIFIER with ZENDESK_OAUTH_CLIENT_SECRET
  (docs/credentials.md lists every variable; the agent's and expired token's too)

exit codes:
  0 every check passed or was refused as the profile expects   1 a check failed, an expected
  method went unchecked, or a finding passed --fail-on-finding   2 interrupted   4 a usage error
  (nothing run or written)   5 no check selected   10-14 the tenant failed its preflight (DNS,
  unreachable, TLS, not Zendesk, credentials refused: nothing asked of it)
"""


def _options(args: argparse.Namespace, **cli: Any) -> Options:
    """The options of the project, resolved as a run resolves them; paths given here are from the cwd."""
    project = project_root(args.project, Path.cwd())
    given = {key: str(Path(value).resolve()) for key, value in cli.items() if value is not None}
    return resolve_options(given, project_ini(project), os.environ, project)


def _run(args: argparse.Namespace, extra: list[str]) -> int:
    found = find_project(Path.cwd()) if args.project is None else None
    project = project_root(args.project, Path.cwd()) if args.project is not None or found else Path.cwd().resolve()
    pytest_args = [*_suites(project), f"--rootdir={project}", "-q"]
    if args.target:  # else the plugin resolves it: ZENDESK_TARGET, then the ini, then replay
        pytest_args.append(f"--zd-target={args.target}")
    if args.reports:
        check_writable_folder(Path(args.reports).resolve(), "reports folder",
                              "Give `--reports` a folder you can write to.")
    if args.profile:
        pytest_args.append(f"--zd-profile={Path(args.profile).resolve()}")
    pytest_args += run_args(args.fleet, args.fleet_shard, target=args.target, profile=args.profile)
    _check_as_typed(args, extra)
    if args.require_live:
        pytest_args.append("--zd-require-live")
    if args.strict:
        pytest_args.append("--zd-strict")
    if args.fail_on_finding:
        pytest_args.append(f"--zd-fail-on-finding={args.fail_on_finding}")
    if args.reports:  # junit.xml goes with the evidence: the plugin points it there
        pytest_args.append(f"--zd-reports={Path(args.reports).resolve()}")
    return int(pytest.main([*pytest_args, *extra]))  # pytest options given explicitly come last: they win


def _suites(project: Path) -> list[str]:
    """The checks a run collects: those this installation ships and the project's own `suites/`; a module
    of the project's with the name of a shipped one replaces it (a checkout's suites/ replaces them all)."""
    own = project / "suites"
    shipped = INSTALLED_SUITES if INSTALLED_SUITES.is_dir() and INSTALLED_SUITES != own.resolve() else None
    if shipped is None and not own.is_dir():
        raise UsageError(f"The project {str(project)!r} has no `suites/` folder, and this installation ships "
                         "no checks: reinstall zdconform (`python -m pip install --force-reinstall` its wheel), "
                         "run from your zdconform project, or pass `--project DIR`.")
    replaced = [f"--ignore={shipped / p.name}" for p in own.glob("*.py")
                if shipped and p.name != "conftest.py" and (shipped / p.name).is_file()]
    return [str(folder) for folder in (shipped, own) if folder is not None and folder.is_dir()] + replaced


def _check_as_typed(args: argparse.Namespace, extra: list[str]) -> None:
    """Refuse, before pytest starts, what `run` was given wrong, naming each option as the user typed it
    (pytest would name the `--zd-*` option it stands for), with the closest right form."""
    problem = unknown_option(extra, [*RUN_ALIASES, "--project", *option_names()], where="`zdconform run`")
    if problem:
        raise UsageError(f"{problem} (`zdconform run --help` lists its options; it passes any other to pytest)")
    if args.target:
        parse_target(args.target, name="`--target`")
    if args.profile:
        load_profile(args.profile, name="`--profile`")
    severity(args.fail_on_finding, "`--fail-on-finding`")


def _init(args: argparse.Namespace, extra: list[str]) -> int:
    from .scaffold import init_project

    folder = Path(args.folder).resolve()
    written = init_project(folder, force=args.force)
    print("\n".join(f"wrote {path.relative_to(folder)}" for path in written))
    print(f"next: in {args.folder}, `zdconform run --target emulator` (a run against the bundled emulator); then "
          "edit tenants/acme.yaml for your tenant, and copy a template of ci/ to your CI (README: Quick start)")
    return 0


def _emulator(args: argparse.Namespace, extra: list[str]) -> int:
    from .emulator.__main__ import main as emulator_main

    return int(emulator_main([*extra, *args.rest], prog="zdconform emulator"))  # its own parser reads every option


def _validate(args: argparse.Namespace, extra: list[str]) -> int:
    return validate_file(args.schema, args.file)


def _slug(target: str) -> str:
    return parse_target(target).slug if "://" in target else target


def _folder(args: argparse.Namespace) -> Path:
    slug = _slug(args.target or "reference-emulator")
    folder = _options(args, cassette_root=args.cassettes).cassette_root / slug
    if not (folder / "MANIFEST.json").exists():
        raise UsageError(f"No MANIFEST.json in {str(folder)!r}: nothing recorded for "
                             f"{args.target!r}. Record it first with `zdconform run --target ...`.")
    return folder


def _verify(args: argparse.Namespace, extra: list[str]) -> int:
    not_before = check_not_before(args.not_before) if args.not_before else None
    if not args.reports:
        folder = _folder(args)
        lines, code = verify_folder(folder, args.public_key, slug=folder.name, not_before=not_before)
        print("\n".join(lines))
        return code
    reports = Path(args.reports).resolve()
    document, folder = recording_of(reports)
    slug = str(document.get("target", {}).get("slug"))
    if args.target and _slug(args.target) != slug:
        raise UsageError(f"The evidence in {str(reports)!r} is of {slug!r}, not of {args.target!r}: give "
                         "`--reports` the folder of that target's run.")
    folder = _folder(args) if args.cassettes else folder
    lines, code = verify_folder(folder, args.public_key, slug=slug, not_before=not_before)
    trusted = load_public_key(Path(args.public_key)) if args.public_key else None
    more, found = verify_reports(reports, folder, CassetteStore(folder, verify=False).manifest.get("manifest_sha256"),
                                 trusted, slug=slug, not_before=not_before)
    print("\n".join(lines + more))
    return max(code, found)


def _sign(args: argparse.Namespace, extra: list[str]) -> int:
    if not args.reports:
        print(sign_folder(_folder(args), args.key))
        return 0
    reports = Path(args.reports).resolve()
    _, folder = recording_of(reports)
    print(sign_folder(folder, args.key))  # the manifest first: a recording that does not verify is refused
    key = load_private_key(Path(args.key)) if args.key else signer_from_env()
    assert key is not None  # sign_folder refused a missing key
    print(f"signed {sign_reports(reports, folder, key, republish)} with key {key_id(key.public_key())}")
    return 0


def _keygen(args: argparse.Namespace, extra: list[str]) -> int:
    private, public = generate_keys(Path(args.out))
    print(f"wrote {private} (private: keep it secret, never commit it) and {public} (public: for auditors)")
    return 0


def _report(args: argparse.Namespace, extra: list[str]) -> int:
    if args.history and not Path(args.history).is_file():
        raise UsageError(f"The history {args.history!r} is not a file: give `--history` the history.json that "
                         "`zdconform history` wrote.")
    history = load_history(Path(args.history)) if args.history else None
    print(f"wrote {republish(_options(args, reports=args.reports).reports, history)}")
    return 0


def _diff(args: argparse.Namespace, extra: list[str]) -> int:
    if not args.target:
        return drift_main(args.old, args.new)
    slug = _slug(args.target)
    old, new = Path(args.old) / slug, Path(args.new) / slug
    if Path(args.old).is_dir() and not old.exists():
        print(f"OK: {args.old!r} holds no recording of {slug!r}: the new recording is its first, nothing to compare")
        return 0
    return drift_main(str(old), str(new))


def _merge(args: argparse.Namespace, extra: list[str]) -> int:
    out = args.out or str(_options(args).reports)
    return merge_main(args.reports, out, cassettes=not args.no_cassettes)


def _cleanup(args: argparse.Namespace, extra: list[str]) -> int:
    if not args.fleet and not args.target:
        raise UsageError("cleanup needs the tenant: `--target URL`, or `--fleet FILE` for every tenant of a fleet.")
    tenants = load_fleet(Path(args.fleet).resolve()).tenants if args.fleet else ()
    journal, code = Path(args.journal).resolve() if args.journal else None, 0
    todo: list[tuple[str, str | None, Any]] = [(t.url, t.name, tenant_env(t)) for t in tenants]
    for url, name, env in todo or [(args.target, None, os.environ)]:
        lines, found = cleanup_tenant(url, journal, _options(args).project, env, name=name, dry_run=args.dry_run)
        print("\n".join(lines))
        code = max(code, found)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
