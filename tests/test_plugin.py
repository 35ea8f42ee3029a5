"""The plugin in sessions that are not conformance runs: it must leave other tests alone."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e  # both tests run pytest in a fresh interpreter

CASSETTE = """interactions:
- request:
    body: null
    headers: {}
    method: GET
    uri: https://example.invalid/thing
  response:
    body:
      string: '{"ok":true}'
    headers:
      Content-Type:
      - application/json
    status:
      code: 200
      message: OK
version: 1
"""


def test_other_vcr_tests_replay_untouched(pytester: pytest.Pytester):
    """A project's own pytest-recording tests, with zdconform installed, behave as without it."""
    pytester.makeconftest('''
import pytest

@pytest.fixture(scope="module")
def vcr_cassette_dir(request):
    return str(request.path.parent / "cassettes")
''')
    (pytester.path / "cassettes").mkdir()
    (pytester.path / "cassettes" / "thing.yaml").write_text(CASSETTE)
    pytester.makepyfile('''
import pytest, requests

@pytest.mark.vcr("thing.yaml")
def test_thing():
    assert requests.get("https://example.invalid/thing").json() == {"ok": True}
''')
    result = pytester.runpytest_subprocess("--block-network", "--record-mode=none", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "zdconform conformance matrix" not in result.stdout.str()
    assert not (pytester.path / "reports").exists(), "no evidence is written for a session without checks"
