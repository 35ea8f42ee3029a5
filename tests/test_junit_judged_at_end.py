"""junit.xml agrees with the evidence on the checks a live run judges at its end (the expiry probe).

pytest writes junit.xml before the run's end judges the probe, so it shows the probe's check as
pytest saw it (skipped, "not exercised yet"); `judged_at_end` rewrites that testcase to the
verdict of the results and the suite's counts with it. Here it reads a junit.xml that a real
pytest run wrote (pytester, in process), with `zd_check_id` properties as the plugin sets them.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from zdconform.reporting.junit import judged_at_end
from zdconform.reporting.results import CheckResult

PROBE = "grant_expiry[expired-token-refused]"
TESTS = '''
import pytest

@pytest.fixture(autouse=True)
def zd_check_id(request):
    request.node.user_properties.append(("zd_check_id", request.node.name.removeprefix("test_")))

def test_probe():
    pytest.skip("not exercised yet: judged at the run's end")

def test_other():
    pytest.skip("not exercised: no public client")

def test_passing():
    pass

@pytest.fixture
def broken():
    raise RuntimeError("setup broke")

def test_errored(broken):
    pass
'''


@pytest.fixture
def written(pytester):
    """junit.xml as this pytest writes it, for four tests: two skipped, one passed, one in error."""
    pytester.makepyfile(test_checks=TESTS)
    pytester.runpytest_inprocess("-p", "no:zdconform", "-p", "no:cacheprovider", "--junitxml=junit.xml")
    return (pytester.path / "junit.xml").read_text(encoding="utf-8").replace('"probe"', f'"{PROBE}"')


def judged(verdict, reason="", check_id=PROBE):
    return CheckResult(check=f"suites/test_oauth_grants.py::test_expiry[{check_id}]", check_id=check_id,
                       endpoint="grant_expiry", method="oauth_client", verdict=verdict, reason=reason,
                       details={"expiry_probe": {"judged_at": "2026-11-29T23:00:00Z", "outcome": "answered 200"}})


def outcomes(text):
    suite = ET.fromstring(text).find("testsuite")
    found = {case.get("name"): next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "pass")
             for case in suite.iter("testcase")}
    return found, {key: suite.get(key) for key in ("failures", "skipped", "errors", "tests")}


def test_the_probe_judged_failing_at_the_end_is_a_failure_with_its_reason(written):
    before, counts = outcomes(written)
    assert before["test_probe"] == "skipped" and counts == {"failures": "0", "skipped": "2", "errors": "1",
                                                             "tests": "4"}
    text = judged_at_end(written, [judged("fail", "zdconform: the tenant keeps an expired token alive\nmore")],
                         str)
    after, counts = outcomes(text)
    assert after == {**before, "test_probe": "failure"}
    assert counts == {"failures": "1", "skipped": "1", "errors": "1", "tests": "4"}
    failure = ET.fromstring(text).find(".//testcase[@name='test_probe']/failure")
    assert failure.get("message") == "zdconform: the tenant keeps an expired token alive"
    assert failure.text.endswith("\nmore")


def test_the_probe_judged_passing_at_the_end_passes(written):
    after, counts = outcomes(judged_at_end(written, [judged("pass")], str))
    assert after["test_probe"] == "pass" and counts["skipped"] == "1" and counts["failures"] == "0"


def test_the_reason_is_scrubbed_before_it_is_written(written):
    text = judged_at_end(written, [judged("fail", "token abc123secret still works")],
                         lambda reason: reason.replace("abc123secret", "[REDACTED]"))
    assert "abc123secret" not in text and "[REDACTED]" in text


def test_nothing_judged_at_the_end_changes_nothing(written):
    not_judged = CheckResult(check="x", check_id=PROBE, endpoint="grant_expiry", method="-", verdict="fail",
                             details={"expiry_probe": {"judged": "at the end of the run"}})  # skipped before
    assert judged_at_end(written, [not_judged], str) is None
    assert judged_at_end(written, [judged("fail", check_id="other[absent]")], str) is None


def test_an_error_stays_pytests_to_report(written):
    assert ET.fromstring(written).find(".//testcase[@name='test_errored']/properties/property").get("value") == \
        "errored"
    assert judged_at_end(written, [judged("pass", check_id="errored")], str) is None


def test_text_that_is_not_xml_is_left_alone():
    assert judged_at_end("not xml <", [judged("fail")], str) is None
