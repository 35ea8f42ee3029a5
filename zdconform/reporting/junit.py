"""junit.xml from a run's results, for the runs pytest's own junitxml does not write alone.

A fleet run's pytest session writes one junit.xml for all its tenants; each tenant's reports
folder gets its own from `junit_xml(name, results)`: one testcase per check (its id as the
name, its node id's file as the class), failures with their reason, skips with theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.etree import ElementTree as ET

from .results import CheckResult

__all__ = ["junit_xml"]


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
        if result.verdict == "fail":
            ET.SubElement(case, "failure", message=result.reason.splitlines()[0] if result.reason else "failed"
                          ).text = result.reason
        elif result.verdict == "skipped":
            ET.SubElement(case, "skipped", message=result.reason)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
