"""What a conformance session says on the terminal: lines as they happen, and its summary.

- `write_line`: one line now, even while pytest captures a check's output.
- `ProgressLines`: zdconform's own log lines (retry and pacing waits) as one terminal line each.
- `replay_line`: what a replay says first and last (what it replays, when recorded, offline).
- `summary`: the session's end: a single run's conformance matrix, or a fleet's line per tenant.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ..reporting.terminal import terminal_lines
from ..runs.end import unchecked_message
from ..runs.tenants import Published

__all__ = ["ProgressLines", "replay_line", "summary", "write_line"]


def write_line(config: pytest.Config, text: str, **markup: bool) -> None:
    """One line on the terminal now, even while pytest captures a check's output."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            reporter.write_line(text, **markup)


class ProgressLines(logging.Handler):
    """zdconform's own log lines (retry and pacing waits) as one terminal line each, as they happen."""

    def __init__(self, config: pytest.Config) -> None:
        super().__init__(logging.INFO)
        self.config = config

    def emit(self, record: logging.LogRecord) -> None:
        write_line(self.config, f"zdconform: {record.getMessage()}", yellow=True)


def replay_line(slug: str, manifest: Any) -> str:
    """What a replay says first and last: what it replays, when that was recorded (its manifest's latest
    cassette), that it is offline."""
    try:
        recorded = max(str(e.get("recorded_at", "")) for e in manifest["cassettes"].values())[:10]
    except (ValueError, KeyError, TypeError, AttributeError):
        recorded = ""
    return (f"zdconform: REPLAY of {slug}, recorded {recorded or 'at an unknown date'}, offline: no tenant "
            "was contacted")


def summary(reporter: Any, published: Mapping[str | None, Published], merged: list[str] | None,
            reports: Path) -> None:
    """The session's end: a single run's conformance matrix (and why a live run failed unchecked, and
    a replay's last line), or, for a fleet (`merged` given), one line per tenant and the merge's."""
    if merged is None:
        for done in published.values():
            info = done.info
            reporter.write_sep("=", "zdconform conformance matrix")
            for line, markup in terminal_lines(info, done.checked):
                reporter.write_line(line, **markup)
            if info.session.get("unchecked_methods"):
                reporter.write_line(unchecked_message(info.session["unchecked_methods"], info.profile.name), red=True)
            if info.mode == "replay":
                reporter.write_line(replay_line(info.slug, info.manifest), yellow=True)
        return
    reporter.write_sep("=", f"zdconform fleet: {len(published)} tenant(s)")
    for line in [done.line for done in published.values()] + merged:
        reporter.write_line(line, red=line.startswith("FAIL"), green=line.startswith("ok"))
    reporter.write_line(f"reports per tenant: {reports / 'tenants'}/NAME/")
