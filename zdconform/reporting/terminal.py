"""The terminal's end-of-run lines of a run: the matrix, facts confirmed or contradicted, stale
cassettes and a partial run, each with its pytest terminal markup (`{"yellow": True}`...)."""

from __future__ import annotations

from collections.abc import Sequence

from .evidence import stale_warnings
from .factcheck import summary_lines
from .publish import findings
from .results import UNPROVEN_REFUSAL, CheckResult, RunInfo, render

__all__ = ["terminal_lines"]


def terminal_lines(info: RunInfo, checked: Sequence[CheckResult]) -> list[tuple[str, dict[str, bool]]]:
    """What the terminal shows of a run after pytest's own summary, line by line."""
    lines: list[tuple[str, dict[str, bool]]] = [(render(info, checked, findings(info, checked)), {})]
    if any(r.verdict == "expected-denied" for r in checked):
        lines.append((f"expected-denied: {UNPROVEN_REFUSAL} (evidence.json: each check's details.refusal_proves)",
                      {}))
    lines += [(info.scrub(line), {"yellow": line.startswith(("DEVIATION", "  contradicted"))})
              for line in summary_lines(checked, info.slug, info.is_reference)]
    lines += [(line, {"yellow": True}) for line in stale_warnings(info)]
    if info.session.get("partial"):
        lines.append((f"zdconform: PARTIAL run ({'; '.join(info.session['partial'])}): the evidence says so.",
                      {"yellow": True}))
    return lines
