"""The terminal's end-of-run lines of a run, fitted to the terminal's width and coloured by verdict.

Each line is a list of segments `(text, markup)`, markup being pytest's (`{"red": True}`...): the
writer decides whether colour is shown (`--color`, `NO_COLOR`). The matrix is cut into blocks of
endpoint columns that fit `width`, each block repeating the auth method column; every other line
is wrapped to `width`. Then facts confirmed or contradicted, stale cassettes, a partial run; and
`verdict_line`, the last line of a run: its verdict in words and its exit status.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

from .evidence import stale_warnings
from .factcheck import summary_lines
from .page import LEGEND
from .publish import findings
from .results import UNPROVEN_REFUSAL, CheckResult, RunInfo, axes, cells, plain_reason

__all__ = ["COLOURS", "Line", "matrix_lines", "render", "terminal_lines", "verdict_line"]

Markup = dict[str, bool]
Line = list[tuple[str, Markup]]
COLOURS: dict[str, Markup] = {"pass": {"green": True}, "fail": {"red": True, "bold": True},
                              "expected-denied": {"cyan": True}, "skipped": {"yellow": True}}
LABEL = "auth method"


def matrix_lines(results: Sequence[CheckResult], width: int) -> list[Line]:
    """The matrix, in blocks of endpoint columns no wider than `width` (a column wider alone gets its own)."""
    grid = cells(results)
    methods, endpoints = axes(grid)
    label = max([len(LABEL), *map(len, methods)]) + 2
    widths = {e: max([len(v) for k, v in grid.items() if k[1] == e] + [len(e)]) + 2 for e in endpoints}
    blocks: list[list[str]] = []
    for endpoint in endpoints:
        if not blocks or label + sum(widths[e] for e in blocks[-1]) + widths[endpoint] > width:
            blocks.append([])
        blocks[-1].append(endpoint)
    lines: list[Line] = []
    for block in blocks:
        lines.append([(LABEL.ljust(label) + "".join(e.ljust(widths[e]) for e in block).rstrip(), {"bold": True})])
        for method in methods:
            texts = [grid.get((method, e), "-") for e in block]
            lines.append([(method.ljust(label), {})] + [(t.ljust(widths[e]), COLOURS.get(t.split(" ")[0], {}))
                                                         for t, e in zip(texts, block, strict=True)])
    return lines


def _wrapped(text: str, width: int, markup: Markup | None = None, indent: str = "    ") -> list[Line]:
    return [[(line, markup or {})] for line in textwrap.wrap(text, width, subsequent_indent=indent,
                                                             break_on_hyphens=False) or [""]]


def render(info: RunInfo, results: Sequence[CheckResult], found: Sequence[Mapping[str, str]],
           width: int = 10_000) -> list[Line]:
    """The target, the matrix, the failures and the findings, as the terminal shows them."""
    expects = ", ".join(f"{k}={v}" for k, v in info.profile.expect.items())
    lines = _wrapped(f"target: {info.slug}  profile: {info.profile.name}  expects {expects}", width)
    lines += matrix_lines(results, width)
    for r in results:
        if r.verdict == "fail":
            lines += _wrapped(f"FAIL {r.check_id}: {(plain_reason(r.reason).splitlines() or [''])[0]}", width,
                              COLOURS["fail"])
    for topic, title in (("policy", "tenant policy findings"), ("migration", "migration readiness findings")):
        found_here = [f for f in found if f.get("topic", "policy") == topic]
        lines += [[(f"{title}:" if found_here else f"{title}: none", {"bold": True})]]
        for f in found_here:
            lines += _wrapped(f"  [{f['severity']}] {f['finding']}: {f['detail']}", width,
                              {"red": True} if f["severity"] == "high" else {})
    return lines


def terminal_lines(info: RunInfo, checked: Sequence[CheckResult], width: int = 10_000) -> list[Line]:
    """What the terminal shows of a run after pytest's own summary, line by line, fitted to `width`."""
    lines = render(info, checked, findings(info, checked), width)
    if any("/" in text for text in cells(checked).values()):
        lines += _wrapped(f"VERDICT (n/m): {dict(LEGEND)['VERDICT (n/m)']}", width)
    if any(r.verdict == "expected-denied" for r in checked):
        lines += _wrapped(f"expected-denied: {UNPROVEN_REFUSAL} (evidence.json: each check's "
                          "details.refusal_proves)", width)
    for line in summary_lines(checked, info.slug, info.is_reference):
        lines += _wrapped(info.scrub(line), width, {"yellow": line.startswith(("DEVIATION", "  contradicted"))})
    for line in stale_warnings(info):
        lines += _wrapped(line, width, {"yellow": True})
    if info.session.get("partial"):
        lines += _wrapped(f"zdconform: PARTIAL run ({'; '.join(info.session['partial'])}): the evidence says so.",
                          width, {"yellow": True})
    return lines


def verdict_line(info: RunInfo, checked: Sequence[CheckResult], exit_code: int,
                 gated: Sequence[str] = ()) -> tuple[str, Markup]:
    """The run's last line: CONFORMS, DOES NOT CONFORM (a check failed, or a finding at or above
    `--zd-fail-on-finding`: `gated`) or INCOMPLETE, why, and the exit status."""
    failed = sum(r.verdict == "fail" for r in checked)
    subject = f"REPLAY of {info.slug}" if info.mode == "replay" else info.slug  # a replay says so last too
    unchecked = [u["method"] for u in info.session.get("unchecked_methods") or []]
    if failed or gated:
        why = [f"{failed} of {len(checked)} checks failed"] if failed else []
        why += [f"{len(gated)} finding(s) at or above --zd-fail-on-finding"] if gated else []
        return f"zdconform: {subject} DOES NOT CONFORM: {'; '.join(why)} (exit {exit_code})", {"red": True,
                                                                                                "bold": True}
    if unchecked or info.session.get("partial") or exit_code:
        reasons = ([f"{', '.join(unchecked)} not checked"] if unchecked else []) + \
                  list(info.session.get("partial") or [])
        return (f"zdconform: {subject} INCOMPLETE: {'; '.join(reasons) or 'the run did not end as a whole'} "
                f"(exit {exit_code})"), {"yellow": True, "bold": True}
    return f"zdconform: {subject} CONFORMS: {len(checked)} checks, none failed (exit 0)", {"green": True,
                                                                                          "bold": True}
