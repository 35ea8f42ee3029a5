"""How a conformance run stops on a signal: Ctrl-C, or SIGTERM taken as one.

- `sigterm_as_interrupt`: a live run's SIGTERM handler; it stops as Ctrl-C does, so the
  tokens of interrupted checks are revoked the same way (`closing.end_live_run`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["sigterm_as_interrupt"]


def sigterm_as_interrupt(signum: int, frame: Any) -> None:
    """A live run's SIGTERM handler: stop as Ctrl-C does, so interrupted checks' tokens are revoked."""
    raise KeyboardInterrupt("SIGTERM")
