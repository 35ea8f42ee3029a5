"""A traceback entry without a line number (Python 3.11: an interrupt at a loop's jump back) is
given one, so that pytest can report the interrupt (`zdconform.interrupts.mend_traceback`).

The entries are real traceback objects of real frames, built at the instruction a signal can
land on; the end-to-end case (a real signal in a real run) is in test_cleanup.py.
"""

from __future__ import annotations

import dis
import itertools
import signal
import sys
import types

import pytest

from zdconform.pytest.signals import mend_traceback, sigterm_as_interrupt, take_sigterm_as_interrupt


def spinning():  # the shape of loop whose jump back has no line number on Python 3.11
    n = 0
    for x in itertools.repeat(0):
        yield n
        if x == 1:
            n += 1
        elif x == 2:
            n -= 1


def lineless_entry(tb_next: types.TracebackType | None = None) -> types.TracebackType:
    """A traceback entry of a real `spinning` frame, stopped at its loop's jump back."""
    gen = spinning()
    next(gen)
    code = gen.gi_frame.f_code
    lines = {o: line for start, end, line in code.co_lines() for o in range(start, end, 2)}
    jumps = [i.offset for i in dis.get_instructions(code) if i.opname == "JUMP_BACKWARD" and lines[i.offset] is None]
    if not jumps:
        pytest.skip(f"Python {sys.version.split()[0]} gives every jump back a line: nothing to mend")
    return types.TracebackType(tb_next, gen.gi_frame, jumps[0], -1)  # -1: the line is looked up from the offset


def outer_entry(tb_next: types.TracebackType | None) -> types.TracebackType:
    frame = sys._getframe()
    return types.TracebackType(tb_next, frame, frame.f_lasti, frame.f_lineno)


def lines_of(exc: BaseException) -> list[int | None]:
    entry, found = exc.__traceback__, []
    while entry is not None:
        found.append(entry.tb_lineno)
        entry = entry.tb_next
    return found


LOOP_LINE = spinning.__code__.co_firstlineno + 2  # `for x in itertools.repeat(0):`


def test_an_inner_entry_without_a_line_gets_its_loops_line():
    exc = KeyboardInterrupt()
    exc.__traceback__ = outer_entry(lineless_entry())
    outer = lines_of(exc)[0]
    assert lines_of(exc)[1] is None  # what pytest 9.2 fails on (`tb_lineno - 1`)
    assert mend_traceback(exc) == 1
    assert lines_of(exc) == [outer, LOOP_LINE]


def test_pytest_can_render_the_mended_traceback():
    exc = KeyboardInterrupt()
    exc.__traceback__ = outer_entry(lineless_entry())
    mend_traceback(exc)
    text = str(pytest.ExceptionInfo.from_exception(exc).getrepr(funcargs=True))
    assert "for x in itertools.repeat(0):" in text and "KeyboardInterrupt" in text


def test_the_first_entry_and_chained_exceptions_are_mended_too():
    cause = RuntimeError("while cleaning up")
    cause.__traceback__ = lineless_entry()
    exc = KeyboardInterrupt()
    exc.__traceback__ = lineless_entry(lineless_entry())
    exc.__context__ = cause
    assert mend_traceback(exc) == 3
    assert lines_of(exc) == [LOOP_LINE, LOOP_LINE]
    assert lines_of(cause) == [LOOP_LINE]


def test_a_traceback_with_every_line_is_left_as_it_is():
    try:
        raise KeyboardInterrupt
    except KeyboardInterrupt as exc:
        head = exc.__traceback__
        assert mend_traceback(exc) == 0
        assert exc.__traceback__ is head


def test_an_exception_chained_to_itself_ends():
    exc = KeyboardInterrupt()
    exc.__context__ = exc
    assert mend_traceback(exc) == 0


def test_sigterm_is_taken_as_ctrl_c_until_pytest_is_done(pytester):
    before = signal.getsignal(signal.SIGTERM)
    config = pytester.parseconfig()
    take_sigterm_as_interrupt(config)
    take_sigterm_as_interrupt(config)  # a serial live run takes it twice (its start, its run)
    try:
        assert signal.getsignal(signal.SIGTERM) is sigterm_as_interrupt
        with pytest.raises(KeyboardInterrupt, match="SIGTERM"):
            sigterm_as_interrupt(signal.SIGTERM, None)
    finally:
        config._ensure_unconfigure()  # pytest's end: the cleanups
    assert signal.getsignal(signal.SIGTERM) is before
