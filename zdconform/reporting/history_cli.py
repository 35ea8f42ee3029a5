"""`zdconform history` and `zdconform notebook` on the command line (`add_commands`, called by `cli`).

`history` writes history.json from many runs' reports folders and prints what changed;
`notebook` runs the evidence notebook on a run or a history and writes its HTML page.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..settings import find_project, project_ini, project_root, resolve_options
from .history import write_history
from .merge import environment_secrets
from .notebook_export import export_many, notebook_of

__all__ = ["add_commands", "main", "summary_lines"]

_SHOWN = 20  # transitions printed per tenant; history.json keeps them all


def add_commands(sub: Any, project: argparse.ArgumentParser) -> None:
    """Add `history` and `notebook` to the command line's subcommands (`project`: the `--project` option)."""
    history = sub.add_parser("history", help="read many runs' reports folders as one history (history.json): "
                             "what changed, at which run", parents=[project])
    history.add_argument("reports", nargs="+", metavar="REPORTS", help="reports folders of past runs, in any order: "
                         "a run's (evidence.json), a fleet run's (tenants/NAME/evidence.json), or a folder of them")
    history.add_argument("--output", metavar="FILE", help="where history.json goes (default: the project's "
                         "reports/history.json)")
    history.set_defaults(handler=_history)

    notebook = sub.add_parser("notebook", parents=[project], help="run the evidence notebook on a run or a history "
                              "and write it as one HTML file (needs the notebook extra; docs/history.md)")
    notebook.add_argument("sources", nargs="+", metavar="REPORTS_OR_HISTORY",
                          help="a history.json, or reports folders (a run's, a fleet run's, a folder of them): "
                          "their history")
    notebook.add_argument("--output", metavar="FILE.html", help="default: notebook.html beside the (first) source")
    notebook.add_argument("--notebook", metavar="FILE", help="default: the project's notebooks/evidence.ipynb, "
                          "else zdconform's")
    notebook.set_defaults(handler=_notebook)


def summary_lines(document: dict[str, Any]) -> list[str]:
    """The terminal summary: the counts, then per tenant its runs' span and its transitions."""
    totals = document["totals"]
    lines = [f"zdconform history: {totals['runs']} run(s) of {totals['tenants']} tenant(s), "
             f"{totals['transitions']} transition(s)"]
    for tenant in document["tenants"]:
        runs = tenant["runs"]
        lines.append(f"{tenant['name']}: {len(runs)} run(s) from {runs[0]['started_at']} to {runs[-1]['started_at']}, "
                     f"last {runs[-1]['verdict'].upper()}")
        lines += [f"  {t['summary']}" for t in tenant["transitions"][:_SHOWN]]
        if len(tenant["transitions"]) > _SHOWN:
            lines.append(f"  and {len(tenant['transitions']) - _SHOWN} more (history.json lists them all)")
    if document["trends"]:
        last = document["trends"][-1]
        lines.append(f"week {last['week']}: {last['summary']}")
    return lines


def main(folders: Sequence[str], output: Path) -> int:
    """The command: build and write the history, print its summary; 0 when written."""
    document = write_history([Path(f) for f in folders], output, environment_secrets())
    print("\n".join([*summary_lines(document), f"wrote {output}"]))
    return 0


def _history(args: argparse.Namespace, extra: list[str]) -> int:
    project = project_root(args.project, Path.cwd())  # the default output: the project's reports folder
    reports = resolve_options({}, project_ini(project), os.environ, project).reports
    output = Path(args.output).resolve() if args.output else reports / "history.json"
    return main(args.reports, output)


def _notebook(args: argparse.Namespace, extra: list[str]) -> int:
    sources = [Path(s).resolve() for s in args.sources]
    beside = sources[0].parent if sources[0].is_file() else sources[0]
    output = Path(args.output).resolve() if args.output else beside / "notebook.html"
    found = find_project(Path.cwd()) if args.project is None else project_root(args.project, Path.cwd())
    notebook = Path(args.notebook).resolve() if args.notebook else notebook_of(found)
    print(f"wrote {export_many(sources, output, notebook, environment_secrets())}")
    return 0
