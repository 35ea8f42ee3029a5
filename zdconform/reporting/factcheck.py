"""Which facts of the register a run confirmed, contradicted, or did not exercise.

A fact is *contradicted* when a check's failure contradicts it or a check recorded a deviation
on it; *confirmed* when a check that rests on it passed (or was refused as expected) without
contradicting it; otherwise *not exercised* (no check rested on it, or only checks that were
skipped or failed for another cause). `tally` is pure: evidence.json, the HTML page and the
terminal summary all show its result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..conformance.facts import register
from .results import CheckResult

__all__ = ["OUTCOMES", "summary_lines", "tally"]

OUTCOMES = ("confirmed", "contradicted", "not-exercised")
SHOWN = 4  # check ids quoted per fact in the terminal


def tally(results: Iterable[CheckResult]) -> dict[str, Any]:
    """`{"counts": {outcome: n}, "facts": [{id, statement, confidence, security, source, outcome,
    confirmed_by, contradicted_by}]}` over every fact of the register, in its order."""
    confirmed: dict[str, set[str]] = {}
    against: dict[str, set[str]] = {}
    for result in results:
        contra = set(result.contradicted) | {str(d.get("fact")) for d in result.deviations}
        for fact_id in contra:
            against.setdefault(fact_id, set()).add(result.check_id)
        if result.verdict in ("pass", "expected-denied"):
            for fact_id in set(result.facts) - contra:
                confirmed.setdefault(fact_id, set()).add(result.check_id)
    facts = []
    for fact in register().values():
        outcome = ("contradicted" if fact.id in against else
                   "confirmed" if fact.id in confirmed else "not-exercised")
        facts.append({"id": fact.id, "statement": fact.statement, "confidence": fact.confidence,
                      "security": fact.security, "source": fact.source, "outcome": outcome,
                      "confirmed_by": sorted(confirmed.get(fact.id, ())),
                      "contradicted_by": sorted(against.get(fact.id, ()))})
    return {"counts": {o: sum(f["outcome"] == o for f in facts) for o in OUTCOMES}, "facts": facts}


def subject(slug: str, is_reference: bool) -> str:
    """Whose facts these are: a real tenant's, or the reference emulator's (not a tenant)."""
    return "the reference emulator (not a real tenant)" if is_reference else slug


def headline(counts: Mapping[str, int], who: str) -> str:
    """`facts observed on acme: 14 confirmed, 2 contradicted, 5 not exercised`."""
    return (f"facts observed on {who}: {counts['confirmed']} confirmed, {counts['contradicted']} "
            f"contradicted, {counts['not-exercised']} not exercised")


def summary_lines(results: Sequence[CheckResult], slug: str, is_reference: bool) -> list[str]:
    """The terminal's facts section: the headline, each contradicted fact, each deviation."""
    report = tally(results)
    lines = [headline(report["counts"], subject(slug, is_reference))]
    for fact in report["facts"]:
        if fact["outcome"] == "contradicted":
            checks = fact["contradicted_by"]
            more = f" and {len(checks) - SHOWN} more" if len(checks) > SHOWN else ""
            lines.append(f"  contradicted {fact['id']} ({fact['confidence']}"
                         f"{', security' if fact['security'] else ''}): {fact['statement']} "
                         f"[{', '.join(checks[:SHOWN])}{more}]")
    lines += [f"DEVIATION {r.check_id}: {d.get('message', '')}" for r in results for d in r.deviations]
    return lines
