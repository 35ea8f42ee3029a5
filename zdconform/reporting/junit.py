"""junit.xml from a run's results, for the runs pytest's own junitxml does not write alone.

A fleet run's pytest session writes one junit.xml for all its tenants; each tenant's reports
folder gets its own from `junit_xml(name, results)`: one testcase per check (its id as the
name, its node id's file as the class), failures with their reason, skips with theirs.

`judged_at_end(text, results, scrub)`: pytest writes junit.xml before a live run's end judges
the expiry probe (`conformance.expiry`), whose check it saw skipped ("not exercised yet"); the
probe's testcase (found by its `zd_check_id` property) is rewritten to the verdict the evidence
gives, and its suite's counts with it, so that junit.xml and the evidence say the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from xml.etree import ElementTree as ET

from .results import CheckResult

__all__ = ["judged_at_end", "judged_late", "junit_xml"]

_OUTCOMES = ("failure", "error", "skipped")


def junit_xml(suite: str, results: Sequence[CheckResult]) -> str:
    """The JUnit XML document of `results`, as one test suite named `suite`."""
    failed = sum(1 for r in results if r.verdict == "fail")
    skipped = sum(1 for r in results if r.verdict == "skipped")
    root = ET.Element("testsuites")
    element = ET.SubElement(root, "testsuite", name=suite, tests=str(len(results)), failures=str(failed),
                            errors="0", skipped=str(skipped), time=f"{sum(r.duration for r in results):.3f}")
    for result in results:
        case = ET.SubElement(element, "testcase", classname=result.check.split("::")[0],
                             name=result.check_id, time=f"{result.duration:.3f}")
        _add_outcome(case, result.verdict, result.reason)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def judged_late(result: CheckResult) -> bool:
    """Whether the run's end judged `result` again, after pytest had reported its check."""
    return "judged_at" in result.details.get("expiry_probe", {})


def judged_at_end(text: str, results: Sequence[CheckResult], scrub: Callable[[str], str]) -> str | None:
    """`text` (pytest's junit.xml) with the checks judged at the run's end as the results have them;
    None when it has none of them, or is not JUnit XML that pytest wrote."""
    judged = {r.check_id: r for r in results if judged_late(r)}
    if not judged:
        return None
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    changed = False
    for suite in root.iter("testsuite"):
        for case in suite.iter("testcase"):
            prop = case.find("properties/property[@name='zd_check_id']")
            result = judged.get(prop.get("value", "")) if prop is not None else None
            if result is None or case.find("error") is not None:  # an error is pytest's to report
                continue
            for old in [child for child in case if child.tag in _OUTCOMES]:
                case.remove(old)
            _add_outcome(case, result.verdict, scrub(result.reason), type="pytest.skip")  # as pytest writes a skip
            changed = True
        for outcome, count in (("failure", "failures"), ("skipped", "skipped")):
            if suite.get(count) is not None:
                suite.set(count, str(sum(1 for case in suite.iter("testcase") if case.find(outcome) is not None)))
    return '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode") if changed else None


def _add_outcome(case: ET.Element, verdict: str, reason: str, **skip: str) -> None:
    """A failure (its message the reason's first line) or a skip (with `skip`'s attributes) under
    `case`; a pass or an expected denial adds nothing."""
    if verdict == "fail":
        ET.SubElement(case, "failure", message=reason.splitlines()[0] if reason else "failed").text = reason
    elif verdict == "skipped":
        ET.SubElement(case, "skipped", {"message": reason, **skip})
