"""The pages on a 1366x768 screen in headless Chromium: the verdict and the first failure on the first
screen, no horizontal scroll of the page, the filters working.

Four pages: a passing run (the replay of the committed reference cassettes), a partial run (a replay
of some of them), a failing run and a fleet (that replay's evidence with checks turned to failures,
rendered as evidence.html and merged into fleet.html: pages of a real run's size). Screenshots are
kept under the test's tmp_path only.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from _browser import CHROMIUM, CHROMIUM_ARGS
from _pages import REASON, fleet, summary

from zdconform.reporting.fleet_html import render_fleet
from zdconform.reporting.html import render

from _evidence_support import replay_reports

pytestmark = pytest.mark.e2e
SCREEN = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed: `./dev test` installs Debian's chromium "
                    "(apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def failing(document: dict, reports: Path) -> dict:
    """`document` with a third of its passing checks failed, as a misbehaving tenant's would be."""
    broken = copy.deepcopy(document)
    for check in [c for c in broken["checks"] if c["verdict"] == "pass"][1::3]:
        check.update(verdict="fail", reason=REASON)
    broken["summary"] = {**summary(broken["checks"]), "methods": document["summary"]["methods"],
                         "endpoints": document["summary"]["endpoints"]}
    (reports / "evidence.json").write_text(json.dumps(broken), encoding="utf-8")
    return broken


@pytest.fixture(scope="module")
def pages(reference_replay, tmp_path_factory):
    """The four pages: name -> (path, what its first problem is, or None)."""
    reports, passing = reference_replay
    partial = tmp_path_factory.mktemp("partial")
    replay_reports(partial, "-k", "list_clients")
    broken = tmp_path_factory.mktemp("failing")
    (broken / "evidence.html").write_text(render(failing(passing, broken), reports), encoding="utf-8")
    merged = tmp_path_factory.mktemp("fleet")
    document = fleet(merged, {"acme": failing(passing, broken), "beta": passing,
                              "gamma": json.loads((partial / "evidence.json").read_text())})
    (merged / "fleet.html").write_text(render_fleet(document), encoding="utf-8")
    return {"passing": (reports / "evidence.html", None), "partial": (partial / "evidence.html", "#partial"),
            "failing": (broken / "evidence.html", "#problems li"), "fleet": (merged / "fleet.html", "#problems li")}


@pytest.mark.parametrize(("name", "word"), [("passing", "CONFORMS"), ("partial", "INCOMPLETE"),
                                            ("failing", "DOES NOT CONFORM"), ("fleet", "DOES NOT CONFORM")])
def test_the_verdict_and_the_first_failure_are_on_the_first_screen(browser, pages, name, word, tmp_path):
    path, first_problem = pages[name]
    tab = browser.new_page(viewport=SCREEN)
    tab.goto(path.as_uri())
    tab.wait_for_load_state("load")
    tab.screenshot(path=str(tmp_path / f"{name}.png"))
    verdict = tab.locator("#verdict .word")
    assert verdict.inner_text() == word
    assert _inside_the_screen(verdict.bounding_box())
    if first_problem is not None:
        assert _inside_the_screen(tab.locator(first_problem).first.bounding_box()), first_problem
    assert tab.evaluate("document.documentElement.scrollWidth <= innerWidth"), "the page scrolls sideways"
    box = tab.locator("#matrix-box")
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth || getComputedStyle(e).overflowX == 'auto'")
    tab.close()


def test_the_filters_show_only_the_verdict_asked_for(browser, pages):
    tab = browser.new_page(viewport=SCREEN)
    tab.goto(pages["failing"][0].as_uri())
    sections = tab.locator("section.check")
    everything = sections.count()
    tab.locator('#filters button[data-filter="fail"]').click()
    shown = [s for s in sections.all() if s.is_visible()]
    assert 0 < len(shown) < everything and all("fail" in s.get_attribute("data-verdict") for s in shown)
    tab.locator('#filters button[data-filter="all"]').click()
    assert sum(s.is_visible() for s in sections.all()) == everything
    tab.close()


def test_a_matrix_cell_leads_to_its_check(browser, pages):
    tab = browser.new_page(viewport=SCREEN)
    tab.goto(pages["failing"][0].as_uri())
    link = tab.locator("#matrix td.v-fail a").first
    target = link.get_attribute("href")
    link.click()
    assert tab.evaluate("location.hash") == target
    assert _inside_the_screen(tab.locator(target).bounding_box())
    tab.close()


def _inside_the_screen(box) -> bool:
    return box is not None and box["y"] >= -1 and box["y"] + min(box["height"], 40) <= SCREEN["height"] \
        and box["x"] >= 0 and box["x"] < SCREEN["width"]
