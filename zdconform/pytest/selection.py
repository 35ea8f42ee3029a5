"""What a pytest session selected: whether it runs the checks, and whether it ran all of them.

- `suites_folders`: where the checks are: the project's `<rootdir>/suites` (a checkout's, or a project's
  own extra checks) and, when an argument names them, those the installed package ships.
- `runs_checks`: a session runs the checks when an argument (or testpath) is at, in or above
  one of them; only such a session plans runs and writes their reports.
- `session_facts`: the evidence's `run.selection` (arguments, -k, -m, --lf, counts), and whether the
  run is complete and, if not, why (`run.partial`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pytest

__all__ = ["Counted", "INSTALLED_SUITES", "arg_paths", "runs_checks", "session_facts", "suite_of", "suites_folders"]


def _installed_suites() -> Path:
    """The checks this installation ships: a wheel's `zdconform/suites/` (package data), or an editable
    install's checkout's `suites/` (pyproject.toml maps it into the package, as the wheel holds it)."""
    package = Path(__file__).resolve().parent.parent
    checkout = package.parent / "suites"
    if not (package / "suites").is_dir() and checkout.is_dir() and '"zdconform.suites" = "suites"' in \
            _text(package.parent / "pyproject.toml"):
        return checkout
    return package / "suites"


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


INSTALLED_SUITES = _installed_suites()


def suites_folders(config: pytest.Config) -> list[Path]:
    """The folders of checks this session may run: the project's `suites/` (when it has one) and, when an
    argument names them (as `zdconform run` does), the checks the installed package ships."""
    own = (config.rootpath / "suites").resolve()
    folders = [own] if own.is_dir() else []
    if INSTALLED_SUITES != own and INSTALLED_SUITES.is_dir() and any(
            p == INSTALLED_SUITES or INSTALLED_SUITES in p.parents for p in arg_paths(config)):
        folders.append(INSTALLED_SUITES)
    return folders


def suite_of(path: Path, config: pytest.Config) -> Path | None:
    """The folder of checks holding `path`, or None."""
    return next((folder for folder in suites_folders(config) if folder in path.resolve().parents), None)


def runs_checks(config: pytest.Config) -> bool:
    """True when this session runs the conformance suites (and so writes their reports)."""
    if config.option.help or config.option.version or config.option.collectonly:
        return False
    return any(path == suites or suites in path.parents or path in suites.parents
               for suites in suites_folders(config) for path in arg_paths(config))


def arg_paths(config: pytest.Config) -> list[Path]:
    """The paths of the session's arguments, resolved from where pytest was started."""
    base = config.invocation_params.dir
    return [(base / str(arg).split("::")[0]).resolve() for arg in config.args]


class Counted(Protocol):
    """What the session counted (a fleet tenant's share of it)."""

    selected: int
    deselected: int
    workers: int


def session_facts(config: pytest.Config, watch: Counted, ran: int, exitstatus: int) -> dict[str, Any]:
    """The evidence's `run.selection`, `run.complete` and `run.partial`."""
    option = config.option
    lf = config.pluginmanager.get_plugin("lfplugin")
    last_failed = bool(getattr(option, "lf", False))
    narrowed = _narrowed(config)
    interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
    selection = {"args": [_relative(str(a), config.rootpath) for a in config.args], "keyword": option.keyword or None,
                 "markers": option.markexpr or None, "last_failed": last_failed,
                 "failed_first": bool(getattr(option, "failedfirst", False)), "selected": watch.selected,
                 "deselected": watch.deselected, "ran": ran, "interrupted": interrupted,
                 "workers": watch.workers}
    partial = []
    if narrowed:
        partial.append(f"only part of the suites was collected: {', '.join(narrowed)}")
    if watch.deselected:
        filters = [f for f, on in ((f"-k {option.keyword!r}", option.keyword), (f"-m {option.markexpr!r}",
                   option.markexpr), ("--lf", last_failed)) if on] or ["a plugin"]
        partial.append(f"{' '.join(filters)} deselected {watch.deselected} of {watch.deselected + watch.selected} "
                       "checks")
    elif last_failed and lf is not None and getattr(lf, "lastfailed", None):
        partial.append("--lf ran only the checks that failed last time")
    if ran < watch.selected:
        how = "interrupted" if interrupted else "stopped early (-x, --maxfail or an error)"
        partial.append(f"{how} after {ran} of {watch.selected} selected checks")
    elif interrupted:
        partial.append("interrupted")
    return {"selection": selection, "complete": not partial, "partial": partial}


def _relative(arg: str, root: Path) -> str:
    path, sep, rest = arg.partition("::")
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix() + sep + rest
    except ValueError:
        return arg


def _narrowed(config: pytest.Config) -> list[str]:
    folders = suites_folders(config)
    return [str(arg) for arg, path in zip(config.args, arg_paths(config), strict=True)
            if any(suites in path.parents or (path == suites and "::" in str(arg)) for suites in folders)]
