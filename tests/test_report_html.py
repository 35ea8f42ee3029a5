"""evidence.html: self-contained, escaped, and rendered correctly by a real browser (headless Chromium).

The browser is Debian's `chromium` (installed by `./dev test`), driven by the playwright
package; a screenshot of the rendered page is kept in pytest's temporary folder (evidence.png), never in
the project's reports/.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
from _browser import opened

from zdconform.reporting.html import render

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def replayed(reference_replay):
    """The session's one replay of the committed reference cassettes (tests/conftest.py): read only."""
    return reference_replay


@pytest.fixture(scope="module")
def page(replayed):
    """The report opened in headless Chromium; every request the page made is in `page.requests`."""
    reports, _ = replayed
    with opened(reports / "evidence.html") as tab:
        yield tab


def test_matrix_is_visible_with_its_verdicts_as_text(page, replayed, tmp_path_factory):
    _, evidence = replayed
    matrix = page.locator("#matrix")
    assert matrix.is_visible()
    summary = evidence["summary"]
    headers = [h.strip() for h in matrix.locator("thead th").all_inner_texts()]
    assert headers == ["auth method", *summary["endpoints"]]
    for row, method in enumerate(summary["methods"]):
        cells = matrix.locator("tbody tr").nth(row)
        assert cells.locator("th").inner_text().strip() == method
        texts = [t.strip() for t in cells.locator("td").all_inner_texts()]
        for text, endpoint in zip(texts, summary["endpoints"], strict=True):
            verdict = summary["matrix"][method].get(endpoint)
            assert (verdict or "-") in text, (method, endpoint, text)
    screenshot = tmp_path_factory.mktemp("screenshot") / "evidence.png"
    page.screenshot(path=str(screenshot))
    assert screenshot.stat().st_size > 10_000


def test_verdicts_differ_in_colour_as_well_as_text(page):
    def colour(selector):
        return page.locator(selector).first.evaluate("e => getComputedStyle(e).backgroundColor")

    shown = {v: colour(f"#matrix td.v-{v}") for v in ("pass", "expected-denied", "skipped")
             if page.locator(f"#matrix td.v-{v}").count()}
    assert len(shown) >= 2 and len(set(shown.values())) == len(shown)
    assert "✔ pass" in page.locator("#matrix").inner_text()


def test_target_findings_and_checks_are_rendered(page, replayed):
    _, evidence = replayed
    assert "REFERENCE EMULATOR, not a real Zendesk tenant" in page.locator("#target").inner_text()
    assert page.locator("#findings-table tbody tr").count() == len(evidence["findings"])
    assert page.locator("section.check").count() == len(evidence["checks"])
    check = page.locator("#check-create_token-api-token")
    assert "schema" in check.inner_text() and "valid" in check.inner_text()
    details = check.locator("details").first
    assert not details.locator("pre").first.is_visible()
    details.locator("summary").click()  # native <details>: opens without any script
    request = details.locator("pre").first
    assert request.is_visible() and "Authorization: Basic REDACTED" in request.inner_text()
    assert '"scopes": [' in details.locator("pre").nth(1).inner_text() or "clients" in details.inner_text()


def test_page_loads_nothing_from_anywhere(page):
    assert [url for url in page.requests if not url.startswith("file://")] == []
    assert len(page.requests) == 1


def test_cassette_links_lead_to_the_cassettes(page, replayed):
    reports, evidence = replayed
    links = page.locator("section.check dd a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(links) == sum(1 for c in evidence["checks"] if c["cassette"])
    base = (reports / "evidence.html").as_uri()
    for href in links:
        target = Path(unquote(urlsplit(urljoin(base, href)).path))
        assert target.is_file() and target.suffix == ".yaml", href


def test_html_is_self_contained(replayed):
    text = (replayed[0] / "evidence.html").read_text()
    assert text.lower().count("<script>") == 1 and "<script " not in text.lower(), "one inline script (the filters)"
    assert "<link" not in text.lower() and "@import" not in text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text, re.I)


def test_everything_is_escaped(replayed):
    reports, evidence = replayed
    hostile = copy.deepcopy(evidence)
    attack = '<script>alert(1)</script><img src=x onerror=alert(2)>"\''
    check = hostile["checks"][0]
    check.update(check_id=attack, reason=attack, nodeid=attack)
    hostile["findings"].append({"finding": attack, "severity": "info", "detail": attack})
    hostile["target"]["description"] = attack
    page = render(hostile, reports)
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
