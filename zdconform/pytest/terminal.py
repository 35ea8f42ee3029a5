"""What a conformance session says on the terminal: lines as they happen, and its summary.

- `write_line`: one line now, even while pytest captures a check's output.
- `one_paragraph`: a failure zdconform explains itself, as one paragraph (no library traceback).
- `ProgressLines`: zdconform's own log lines (retry and pacing waits) as one terminal line each.
- `replay_line`: what a replay says first and last (what it replays, when recorded, offline).
- `summary`: the session's end: a single run's conformance matrix, or a fleet's line per tenant, fitted
  to a terminal's width (or `COLUMNS`), coloured as pytest's writer decides (`--color`, `NO_COLOR`);
- `verdict`: the session's last line, after pytest's counts: the verdict and the exit status.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from ..reporting.results import plain_reason
from ..reporting.terminal import Line, terminal_lines, verdict_line
from ..runs.end import unchecked_message
from ..runs.tenants import Published

__all__ = ["ProgressLines", "one_paragraph", "replay_line", "summary", "verdict", "write_line"]

UNBOUNDED = 10_000


def write_line(config: pytest.Config, text: str, **markup: bool) -> None:
    """One line on the terminal now, even while pytest captures a check's output."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None:
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            if getattr(getattr(reporter, "_tw", None), "width_of_current_line", 0):
                reporter.line("")  # never at the end of a line of progress dots: on a line of its own
            reporter.write_line(text, **markup)


class ProgressLines(logging.Handler):
    """zdconform's own log lines (retry and pacing waits) as one terminal line each, as they happen."""

    def __init__(self, say: Callable[..., None]) -> None:
        super().__init__(logging.INFO)
        self.say = say

    def emit(self, record: logging.LogRecord) -> None:
        self.say(f"zdconform: {record.getMessage()}", yellow=True)


def one_paragraph(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
    """A failure zdconform explains itself, as one paragraph: where in the check, and the message."""
    places = [entry for entry in excinfo.traceback if Path(entry.path) == item.path]
    where = f"{item.location[0]}:{places[-1].lineno + 1}: " if places else ""
    return f"{where}zdconform: {plain_reason(str(excinfo.value))}"


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
    width = _width(reporter)
    if merged is None:
        for done in published.values():
            info = done.info
            reporter.write_sep("=", "zdconform conformance matrix")
            for row in terminal_lines(info, done.checked, width):
                _write(reporter, row)
            if info.session.get("unchecked_methods"):
                _paragraph(reporter, unchecked_message(info.session["unchecked_methods"], info.profile.name), width,
                           red=True)
            if info.mode == "replay":
                _paragraph(reporter, replay_line(info.slug, info.manifest), width, yellow=True)
        return
    reporter.write_sep("=", f"zdconform fleet: {len(published)} tenant(s)")
    for line in [done.line for done in published.values()] + merged:
        _paragraph(reporter, line, width, red=line.startswith("FAIL"), green=line.startswith("ok"))
    reporter.write_line(f"reports per tenant: {reports / 'tenants'}/NAME/")


def verdict(published: Mapping[str | None, Published], merged: list[str] | None,
            exit_code: int) -> tuple[str, dict[str, bool]]:
    """The session's last line: a run's verdict (`reporting.terminal.verdict_line`), or a fleet's."""
    if merged is None and len(published) == 1:
        done = next(iter(published.values()))
        return verdict_line(done.info, done.checked, exit_code, done.gated)
    failed = sum(done.failed for done in published.values())
    if failed or exit_code:
        text = f"zdconform: fleet DOES NOT CONFORM: {failed} of {len(published)} tenant(s) failed (exit {exit_code})"
        return text, {"red": True, "bold": True}
    text = f"zdconform: fleet CONFORMS: {len(published)} tenant(s), none failed (exit 0)"
    return text, {"green": True, "bold": True}


def _width(reporter: Any) -> int:
    """The width to fit: a terminal's, or the one `COLUMNS` states, less one column; unbounded on a pipe
    (a CI log keeps each line whole, for grep and for the browser that shows it)."""
    if not (getattr(reporter, "isatty", False) or os.environ.get("COLUMNS")):
        return UNBOUNDED
    writer = getattr(reporter, "_tw", None)
    return max(40, int(getattr(writer, "fullwidth", 0) or shutil.get_terminal_size((80, 24)).columns) - 1)


def _write(reporter: Any, line: Line) -> None:
    for text, markup in line[:-1]:
        reporter.write(text, **markup)
    text, markup = line[-1]
    reporter.line(text.rstrip(), **markup)


def _paragraph(reporter: Any, text: str, width: int, **markup: bool) -> None:
    for line in textwrap.wrap(text, width, subsequent_indent="    ", break_on_hyphens=False) or [""]:
        reporter.write_line(line, **markup)
