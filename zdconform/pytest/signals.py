"""How a conformance run stops on a signal: Ctrl-C, or SIGTERM taken as one.

- `sigterm_as_interrupt`: a live run's SIGTERM handler; it stops as Ctrl-C does, so the
  tokens of interrupted checks are revoked the same way (`runs.end.end_live_run`).
  `take_sigterm_as_interrupt(config)` installs it until pytest is done (then the handler before
  it is back), in each process of a live run: a serial run, a pytest-xdist controller (whose
  workers then stop and revoke as on Ctrl-C) and each worker.
- `signals_wait`: while a run's end revokes its tokens, a Ctrl-C or SIGTERM is noted, not
  raised: a line says the revocation goes on, and the session ends interrupted (exit 2, set by
  the session from what was noted); another one stops at once (what is left stays in the
  journal, for `zdconform cleanup`).
- `mend_traceback`: a signal is raised at whatever instruction Python is about to run. On
  Python 3.11 some instructions carry no line number (the jump back at the end of some loops),
  and the traceback entry of a frame stopped there has `tb_lineno` None; pytest's report of the
  interrupt then fails with a TypeError of its own and the run ends with exit code 1, not 2
  ("interrupted"), behind an internal traceback. Such entries are given a line (a loop's jump
  back: the loop's line), in place, before pytest reads the traceback.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

__all__ = ["mend_traceback", "signals_wait", "sigterm_as_interrupt", "take_sigterm_as_interrupt"]


def sigterm_as_interrupt(signum: int, frame: Any) -> None:
    """A live run's SIGTERM handler: stop as Ctrl-C does, so interrupted checks' tokens are revoked."""
    raise KeyboardInterrupt("SIGTERM")


def take_sigterm_as_interrupt(config: pytest.Config) -> None:
    """SIGTERM stops this process as Ctrl-C does until pytest is done (signals reach the main thread only)."""
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, sigterm_as_interrupt)

        def restore() -> None:
            signal.signal(signal.SIGTERM, previous)
        config.add_cleanup(restore)


@contextlib.contextmanager
def signals_wait(say: Callable[[str], None]) -> Iterator[list[int]]:
    """Ctrl-C and SIGTERM wait while the block runs: the first `say`s so and is noted in the list
    yielded (the session then ends interrupted, exit 2); the next raises KeyboardInterrupt at once.
    The handlers before are back after."""
    noted: list[int] = []
    if threading.current_thread() is not threading.main_thread():  # signals reach the main thread only
        yield noted
        return

    def wait(signum: int, frame: Any) -> None:
        if noted:
            raise KeyboardInterrupt(signal.Signals(signum).name)
        noted.append(signum)
        say(f"zdconform: {signal.Signals(signum).name} while the run's tokens are revoked: revoking them first "
            "(once more stops now; what is left stays journalled for `zdconform cleanup`)")

    previous = {signum: signal.signal(signum, wait) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield noted
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def mend_traceback(exc: BaseException) -> int:
    """Give every entry of `exc`'s traceback (and of the exceptions it chains) a line number.

    Returns how many entries were replaced. Only `tb_next` of a traceback can be set, so an
    entry is replaced by a copy with a line number, linked from the entry before it; the first
    entry of a chain is replaced through `exc.__traceback__`.
    """
    mended, seen = 0, set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        todo += [current.__cause__, current.__context__]
        head = current.__traceback__
        if head is not None and head.tb_lineno is None:
            current.__traceback__ = head = _with_line(head)
            mended += 1
        entry = head
        while entry is not None and entry.tb_next is not None:
            if entry.tb_next.tb_lineno is None:
                entry.tb_next = _with_line(entry.tb_next)
                mended += 1
            entry = entry.tb_next
    return mended


def _with_line(entry: types.TracebackType) -> types.TracebackType:
    """A copy of `entry` with a line: for a jump (a loop going round again), the line it jumps to;
    otherwise the line of the nearest instruction before it that has one."""
    import dis  # only when an interrupt needs it

    code, at = entry.tb_frame.f_code, entry.tb_lasti
    lines = {offset: line for start, end, line in code.co_lines() if line is not None
             for offset in range(start, end, 2)}
    jump = next((i for i in dis.get_instructions(code) if i.offset == at and i.opcode in dis.hasjrel + dis.hasjabs),
                None)
    line = lines.get(jump.argval) if jump is not None else None
    if line is None:
        line = next((lines[o] for o in range(at, -1, -2) if o in lines), code.co_firstlineno)
    return types.TracebackType(entry.tb_next, entry.tb_frame, entry.tb_lasti, line)
