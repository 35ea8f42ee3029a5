"""The project root: the one folder every file of the user's project is found from.

A zdconform project is a folder holding `suites/` (the checks) or `cassettes/` (the recordings),
with the reports, the token journal (`.zdconform/`) and the tenant profiles beside them. The
plugin's project root is pytest's rootdir; the command line's is the nearest folder at or above
the working directory that holds a project, or `--project DIR`. Nothing is ever looked up next
to the installed package.
"""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path
from typing import Any

from ..exceptions import UsageError

__all__ = ["MARKERS", "find_project", "journal_path", "project_ini", "project_root"]

MARKERS = ("suites", "cassettes")  # a folder holding either is a zdconform project
JOURNAL_FOLDER = ".zdconform"  # the token journals of live runs, one per target


def find_project(start: Path) -> Path | None:
    """The nearest folder at or above `start` that holds `suites/` or `cassettes/`, else None."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if any((folder / marker).is_dir() for marker in MARKERS):
            return folder
    return None


def project_root(explicit: str | Path | None, cwd: Path) -> Path:
    """The command line's project root: `--project DIR`, else the nearest project above `cwd`."""
    if explicit is not None:
        folder = (cwd / explicit).resolve()
        if not any((folder / marker).is_dir() for marker in MARKERS):
            raise UsageError(f"`--project` {str(explicit)!r} is not a zdconform project: it holds neither "
                             "`suites/` nor `cassettes/`. Give the folder of your project (the one with "
                             "`suites/` and `cassettes/` in it).")
        return folder
    found = find_project(cwd)
    if found is None:
        raise UsageError(f"No zdconform project at or above {str(cwd)!r}: a project folder holds `suites/` "
                         "(the checks) and `cassettes/` (the recordings). Run zdconform from inside it, or "
                         "pass `--project DIR`.")
    return found


def journal_path(project: Path, slug: str) -> Path:
    """Where a live run against `slug` journals its tokens, and where `cleanup` reads them."""
    return project / JOURNAL_FOLDER / f"tokens-{slug}.json"


def project_ini(project: Path) -> dict[str, Any]:
    """The project's `zd_*` ini keys, as pytest would read them (pytest.ini, else pyproject.toml).

    For the commands that run outside pytest (`verify`, `report`, `cleanup`), so that they
    resolve every option with the same precedence as a run.
    """
    ini = project / "pytest.ini"
    if ini.is_file():
        parser = configparser.ConfigParser()
        try:
            parser.read(ini, encoding="utf-8")
        except configparser.Error as exc:
            raise UsageError(f"{str(ini)!r} cannot be read ({type(exc).__name__}). Fix the file.") from None
        section = parser["pytest"] if parser.has_section("pytest") else {}
        return {k[3:]: v for k, v in section.items() if k.startswith("zd_")}
    pyproject = project / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8")) if pyproject.is_file() else {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{str(pyproject)!r} cannot be read ({type(exc).__name__}). Fix the file.") from None
    options = data.get("tool", {}).get("pytest", {}).get("ini_options", {})
    return {k[3:]: v for k, v in options.items() if k.startswith("zd_") and isinstance(v, str)}
