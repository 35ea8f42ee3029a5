"""One redaction for every output that is not a recording: logs, test reports, messages.

`redact_text` removes, from any text, every secret the run knows (in each of its encodings),
the value of any secret-named field however it is quoted (`"full_token":"..."`,
`'token': '...'`, `\\"password\\":\\"...\\"`), secret query parameters and any Authorization
credential. It is the net under the masked `repr` of `settings.Secret`: whatever a library,
pytest's assertion rewriting or `-l` locals print, it passes through here first.

- `install_log_redaction` puts it in front of every log record of every library at every
  level (vcrpy logs whole response bodies at INFO; urllib3 logs request lines at DEBUG).
- `RedactedRepr` stands in for a failed test's report, so the terminal and junit.xml both
  show the redacted text.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from io import StringIO
from typing import Any

from .authleak import AUTH_LEAK, looks_like_credential
from .scrub import REDACTED, SECRET_KEYS, SecretSet, _redact_query

__all__ = ["RedactedRepr", "install_log_redaction", "redact_report", "redact_text"]

_KEYS = "|".join(sorted(SECRET_KEYS))
# A secret-named key, quoted in any way (JSON, Python repr, JSON inside a string), then its value.
_FIELD = re.compile(r"(?i)((?:\\*[\"'])(?:" + _KEYS + r")(?:\\*[\"'])\s*[:=]\s*(\\*[\"']))(.+?)(\2)")


def redact_text(text: str, secrets: SecretSet | None = None) -> str:
    """`text` with every known secret and every credential-shaped value replaced by REDACTED."""
    if secrets is not None:
        text = secrets.replace(text)
    text = _FIELD.sub(lambda m: m.group(1) + (REDACTED if m.group(3) != REDACTED else m.group(3)) + m.group(4),
                      text)
    text = AUTH_LEAK.sub(_credential, text)
    return _redact_query(text)


def _credential(match: re.Match[str]) -> str:
    """An Authorization value redacted; words that only look like one ("Basic authentication") kept."""
    return f"{match.group(1) or match.group(2)} {REDACTED}" if looks_like_credential(match) else match.group(0)


def install_log_redaction(redact: Callable[[str], str],
                          harvest: Callable[[Any], None] | None = None) -> Callable[[], None]:
    """Redact every log record as it is made; returns the function that undoes it. With `harvest`, each of
    a record's arguments is harvested for secrets first (a response vcrpy logs before any hook of ours has
    seen it, with a token minted by that very request)."""
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            if harvest is not None and record.args:
                for arg in record.args.values() if isinstance(record.args, dict) else record.args:
                    harvest(arg)
            record.msg, record.args = redact(record.getMessage()), None
            if record.exc_info and record.exc_info[0] is not None:
                record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip())
        except Exception:  # noqa: BLE001 - a record that cannot be rendered says only that
            record.msg, record.args, record.exc_info = "(a log record that could not be rendered)", None, None
        return record

    logging.setLogRecordFactory(factory)
    return lambda: logging.setLogRecordFactory(previous)


@dataclass(frozen=True)
class Crash:
    """Where a failure happened and its one-line message, as pytest's summaries read it."""

    path: str
    lineno: int
    message: str


class RedactedRepr:
    """A failed report's text, rendered once without markup and redacted."""

    def __init__(self, longrepr: Any, redact: Callable[[str], str]) -> None:
        self.text = redact(_render(longrepr))
        crash = getattr(longrepr, "reprcrash", None)
        self.reprcrash = None if crash is None else Crash(str(crash.path), crash.lineno, redact(crash.message))

    def toterminal(self, out: Any) -> None:
        for line in self.text.splitlines():
            out.line(line)

    def __str__(self) -> str:
        return self.text


def _render(longrepr: Any) -> str:
    if not hasattr(longrepr, "toterminal"):
        return str(longrepr)
    from _pytest._io import TerminalWriter

    buffer = StringIO()
    writer = TerminalWriter(file=buffer)
    writer.hasmarkup = False
    longrepr.toterminal(writer)
    return buffer.getvalue()


def redact_report(report: Any, redact: Callable[[str], str]) -> None:
    """Redact a pytest report in place: its failure text, skip reason and captured sections."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        report.longrepr = (longrepr[0], longrepr[1], redact(str(longrepr[2])))
    elif longrepr is not None:
        report.longrepr = RedactedRepr(longrepr, redact)
    report.sections = [(title, redact(content)) for title, content in report.sections]
