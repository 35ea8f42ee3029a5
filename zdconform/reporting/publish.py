"""The one step that writes a run's reports: build them all, gate them all, then write them.

`publish` renders results.json, evidence.json and evidence.html from the run's results (and
junit.xml again, when the run's end judged a check pytest had reported: `junit.judged_at_end`),
passes every text through the leak gate (HTML read unescaped too), and writes each that
passes atomically: a refused report is not written (nor left from an earlier run) and the
error names it and where the secret sits in it.
`republish` renders evidence.html again from a saved evidence.json (`zdconform report`).
"""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..conformance.schemas import load_registry
from ..exceptions import CassetteLeakError, UsageError
from ..recording.files import atomic_write, read_limited_bytes
from ..recording.scrub import SecretSet, leak_gate
from . import evidence
from .findings import policy_findings, readiness_findings, recorded_client_bodies
from .history_strip import strip
from .html import render
from .junit import judged_at_end, judged_late
from .results import CheckResult, RunInfo

__all__ = ["findings", "gate", "publish", "republish", "run_date"]

EVIDENCE_LIMIT = 256 * 1024 * 1024  # bytes: a 52-check run writes about 1 MB

_FIX = ("Scrub the value where it enters the report (a reason, a recorded body) and run again.")


def findings(info: RunInfo, results: Sequence[CheckResult]) -> list[dict[str, str]]:
    """The run's findings (from its profile and what its checks saw): the tenant policy ones, then
    the migration readiness ones, counted from the date the run started."""
    return (policy_findings(info.profile, results)
            + readiness_findings(info.profile, results, recorded_client_bodies(results), run_date(info.started_at)))


def run_date(started_at: str) -> dt.date:
    """The UTC date of the run's start (`RunInfo.started_at`), else today's."""
    try:
        return dt.datetime.fromisoformat(started_at.replace("Z", "+00:00")).astimezone(dt.UTC).date()
    except ValueError:
        return dt.datetime.now(dt.UTC).date()


def publish(info: RunInfo, results: Sequence[CheckResult], junit: Path | None = None,
            junit_to: Path | None = None) -> list[Path]:
    """Write results.json, evidence.json and evidence.html under `info.reports`, with pytest's `junit`
    (already written, staged or where `--junitxml` put it) at `junit_to`, amended if the run's end
    judged a check anew; their paths. Without a junit.xml of this run, an earlier run's is removed."""
    folder = info.reports
    document = evidence.build(info, results, findings(info, results))
    listed = {"target": info.slug, "profile": info.profile.name, "started_at": info.started_at,
              "results": [{**r.as_json(), "reason": info.scrub(r.reason)}
                          for r in sorted(results, key=lambda r: r.check)]}
    texts = {folder / "results.json": json.dumps(listed, indent=2, sort_keys=True, default=str) + "\n",
             folder / "evidence.json": json.dumps(document, indent=2) + "\n",
             folder / "evidence.html": render(document, folder)}
    if junit is not None and junit_to is not None and junit.is_file():  # pytest wrote it already
        text = junit.read_text(encoding="utf-8")
        amended = judged_at_end(text, results, info.scrub) if any(judged_late(r) for r in results) else None
        if amended is not None or junit != junit_to:
            texts[junit_to] = amended if amended is not None else text
    if junit_to != folder / "junit.xml":
        (folder / "junit.xml").unlink(missing_ok=True)  # never an earlier run's beside this run's reports
    refused: list[str] = []
    for path, text in texts.items():  # a refused report is not written; the others still are
        try:
            gate(text, path, info.secrets)
        except CassetteLeakError as exc:
            refused.append(str(exc).removesuffix(_FIX).strip())
            path.unlink(missing_ok=True)  # never leave an earlier run's copy beside this run's reports
            continue
        try:
            atomic_write(path, text)
        except OSError as exc:  # a folder removed or made read-only during the run, a full disk
            raise UsageError(f"Cannot write the report {str(path)!r} ({exc.strerror or type(exc).__name__}): "
                             "give `--zd-reports` a folder you can write to, with room left.") from None
    if refused:
        raise CassetteLeakError(f"{' '.join(refused)} The other reports were written. {_FIX}")
    return list(texts)


def gate(text: str, path: Path, secrets: SecretSet) -> None:
    """The leak gate for reports, which also reads the text HTML-unescaped (where that differs)."""
    unescaped = unescape(text)
    leak_gate(text if unescaped == text else text + "\n" + unescaped, path, secrets, _FIX)


# What `html.escape` writes: when every & of a text begins one of these, replacing them (&amp;
# last) is `html.unescape`, in a third of its time on an evidence page.
_ESCAPES = (("&quot;", '"'), ("&#x27;", "'"), ("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"))


def unescape(text: str) -> str:
    """`html.unescape(text)`, quicker on what `html.escape` wrote."""
    if text.count("&") != sum(text.count(entity) for entity, _ in _ESCAPES):
        return html.unescape(text)  # another reference (&#39;, &copy, ...): the standard library reads it
    for entity, char in _ESCAPES:
        text = text.replace(entity, char)
    return text


def republish(folder: Path, history: dict[str, Any] | None = None) -> Path:
    """Render `folder`/evidence.html again from `folder`/evidence.json, with the strip of the last verdicts
    of each check when a `history` (history.json's document) is given; the page's path."""
    source = folder / "evidence.json"
    try:
        document = json.loads(read_limited_bytes(source, EVIDENCE_LIMIT, what="evidence"))
    except (OSError, ValueError, RecursionError, UsageError) as exc:
        raise UsageError(f"Cannot read the evidence {str(source)!r} ({type(exc).__name__}). Run the "
                         "suites first (`zdconform run`), or give its folder with `--reports`.") from None
    violations = load_registry().validate(document, evidence.SCHEMA)
    if violations:
        raise UsageError(f"{str(source)!r} is not a zdconform evidence document: {violations[0]}. "
                         "Run the suites again to write a fresh one.")
    page = folder / "evidence.html"
    text = render(document, folder, history=strip(history, document) if history else "")
    gate(text, page, SecretSet())  # the run's secrets are gone: still no unredacted credential
    atomic_write(page, text)
    return page
