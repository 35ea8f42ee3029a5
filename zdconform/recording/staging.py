"""The staging folder of a recording run, and its commit: a cassette folder is replaced whole.

A live run records into `<cassette root>/.staging/<slug>.<run id>/`, never into the target's
folder itself; its checks (every pytest-xdist worker of the run among them) write their
cassettes and the manifest there. At the end the run commits (`commit`): the staged folder
takes the target folder's place by two renames on one file system (the old folder moved aside,
the new one moved in, the old one removed), so `cassettes/<slug>/` is at every moment either the
previous recording or the new one, each whole, each verifying against its own manifest.

- A complete run (every check of the suites selected, none interrupted) replaces the folder:
  a cassette the run no longer records (a credential left unset, a check removed) is gone.
- A partial run (`-k`, a narrowed path, an interrupted or stopped run) keeps, from the previous
  recording, what it did not record or skip itself: those files are copied with their manifest
  entries, each with its own recording time. An interrupted check keeps its previous cassette.
- A run refused before its checks staged nothing and commits nothing. A run killed (SIGKILL)
  leaves only its staging folder, which the next recording of the same target removes
  (`sweep`); a kill between the two renames leaves the previous folder aside, which `sweep`
  puts back.
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path
from typing import Any

from .manifest import unsafe

__all__ = ["STAGING", "carry_over", "new_run_id", "staging_folder", "swap_in", "sweep"]

STAGING = ".staging"  # under the cassette root: `*/MANIFEST.json` globs of targets never see it
_ASIDE = ".previous"


def new_run_id() -> str:
    """A run's id: the process that opened it (so `sweep` knows whether it still runs), and a random part."""
    return f"{os.getpid()}-{secrets.token_hex(4)}"


def staging_folder(folder: Path, run_id: str) -> Path:
    """Where the run `run_id` stages the recording of the target folder `folder`."""
    return folder.parent / STAGING / f"{folder.name}.{run_id}"


def _pid_of(name: str) -> int | None:
    run_id = name.rsplit(".", 1)[-1].removesuffix(_ASIDE)
    head = run_id.split("-", 1)[0]
    return int(head) if head.isdigit() else None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep(folder: Path) -> None:
    """Remove what killed recordings of `folder` left in the staging area; put back a previous
    folder that a kill between the two renames of a commit left aside."""
    area = folder.parent / STAGING
    if not area.is_dir():
        return
    for left in sorted(area.glob(f"{folder.name}.*")):
        rest = left.name[len(folder.name) + 1:]
        if "." in rest.removesuffix(_ASIDE) or _alive(_pid_of(left.name)):
            continue  # another target's name with a dot, or a run still going
        try:
            if left.name.endswith(_ASIDE) and not folder.exists():
                os.rename(left, folder)
            else:
                shutil.rmtree(left)
        except OSError:
            continue  # a sibling pytest-xdist worker swept it first
    _remove_if_empty(area)


def _remove_if_empty(area: Path) -> None:
    try:
        area.rmdir()
    except OSError:
        pass  # not empty, or gone


def carry_over(previous: Path, staged: Path, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Add to a partial run's manifest `new` every entry of the previous recording `old` that the run
    neither recorded nor skipped; their files copied from `previous` into `staged`."""
    touched = set(new["cassettes"]) | set(new["skipped"])
    for key, entry in old.get("cassettes", {}).items():
        source = previous / key
        if key in touched or unsafe(previous, key) is not None or not source.is_file():
            continue
        (staged / key).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, staged / key)
        new["cassettes"][key] = entry
    for key, reason in old.get("skipped", {}).items():
        if key not in touched:
            new["skipped"][key] = reason


def swap_in(staged: Path, folder: Path) -> None:
    """Put `staged` in the place of `folder` (which may not exist): the old folder moved aside,
    the new one moved in, the old one removed."""
    aside = staged.with_name(staged.name + _ASIDE)
    if folder.exists():
        os.rename(folder, aside)
    try:
        os.rename(staged, folder)
    except OSError:
        if aside.exists():
            os.rename(aside, folder)
        raise
    shutil.rmtree(aside, ignore_errors=True)
    _remove_if_empty(staged.parent)
