"""`zdconform history`: write history.json from many runs' reports folders and print what changed."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .history import write_history
from .merge import environment_secrets

__all__ = ["main", "summary_lines"]

_SHOWN = 20  # transitions printed per tenant; history.json keeps them all


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
