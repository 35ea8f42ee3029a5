"""What the evidence says of a pytest session: what it selected, and whether it ran all of it.

- `session_facts`: the evidence's `run.selection` (arguments, -k, -m, --lf, counts), whether the
  run is complete and, if not, why (`run.partial`), and the methods a live run left unchecked for
  lack of credentials.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import pytest

from .session import arg_paths

__all__ = ["Counted", "session_facts"]


class Counted(Protocol):
    """What the session counted (`session.SessionWatch`; a fleet tenant's share of it)."""

    selected: int
    deselected: int
    workers: int


def session_facts(config: pytest.Config, watch: Counted, ran: int, exitstatus: int,
                  unchecked: list[dict[str, Any]]) -> dict[str, Any]:
    """The evidence's `run.selection`, `run.complete`, `run.partial` and `run.unchecked_methods`."""
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
    return {"selection": selection, "complete": not partial, "partial": partial, "unchecked_methods": unchecked}


def _relative(arg: str, root: Path) -> str:
    path, sep, rest = arg.partition("::")
    try:
        return Path(path).resolve().relative_to(root.resolve()).as_posix() + sep + rest
    except ValueError:
        return arg


def _narrowed(config: pytest.Config) -> list[str]:
    suites = (config.rootpath / "suites").resolve()
    return [str(arg) for arg, path in zip(config.args, arg_paths(config), strict=True)
            if suites in path.parents or (path == suites and "::" in str(arg))]
