"""evidence.html and fleet.html answer "does it conform?" first: rendered in process from evidence and read
back as HTML (the structure); tests/test_report_html.py opens them in a browser."""

from __future__ import annotations

import re
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import pytest
from _pages import REASON, evidence, fleet

from zdconform.reporting.fleet_html import render_fleet
from zdconform.reporting.html import render
from zdconform.reporting.page import LEGEND
from zdconform.reporting.results import plain_reason

from _helpers import ROOT

TEMPLATES = ROOT / "zdconform" / "reporting" / "templates"


class Page(HTMLParser):
    """The ids, links, elements with a `data-verdict`, matrix cells and the text of a page, in order."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[str] = []
        self.verdicts: list[str] = []
        self.cells: list[dict[str, str | None]] = []
        self.scripts: list[dict[str, str | None]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        if found.get("id"):
            self.ids.append(str(found["id"]))
        if tag == "a" and found.get("href"):
            self.links.append(str(found["href"]))
        if "data-verdict" in found:
            self.verdicts.append(str(found["data-verdict"]))
        if tag == "td" and any(c.startswith("v-") for c in (found.get("class") or "").split()):
            self.cells.append(found)
        if tag == "script":
            self.scripts.append(found)


def page_of(document, tmp_path: Path) -> tuple[str, Page]:
    text = render(document, tmp_path)
    return text, Page(text)


@pytest.mark.parametrize(("failed", "partial", "word"), [
    pytest.param((), (), "CONFORMS", id="passing"),
    pytest.param((1, 3), (), "DOES NOT CONFORM", id="failing"),
    pytest.param((), ("deselected 30 of 39 checks (-k token)",), "INCOMPLETE", id="partial"),
    pytest.param((1,), ("interrupted",), "DOES NOT CONFORM", id="failing-and-partial"),
])
def test_the_verdict_comes_first(tmp_path, failed, partial, word):
    text, page = page_of(evidence(failed=failed, partial=partial), tmp_path)
    assert page.ids[:2] == ["verdict", "target"], "the verdict banner opens the page"
    banner = text[text.index('id="verdict"'):text.index('id="filters"')]
    assert f'<span class="word">{word}</span>' in banner
    assert ("PARTIAL RUN" in banner) == bool(partial) and all(note in banner for note in partial)
    assert page.ids.index("failures") < page.ids.index("matrix") < page.ids.index("checks")


@pytest.mark.parametrize(("target", "says", "never"), [
    ("reference-emulator", "the REFERENCE EMULATOR, not a real Zendesk tenant", "REAL ZENDESK TENANT"),
    ("emulator", "the EMULATOR serving Acme Copy.yaml, not a real Zendesk tenant", "REAL ZENDESK TENANT"),
    ("loopback", "a SERVER ON LOOPBACK http://127.0.0.1:8080, not a real Zendesk tenant", "REAL ZENDESK TENANT"),
    ("tenant", "REAL ZENDESK TENANT https://acme.zendesk.com", "not a real Zendesk tenant"),
])
def test_the_target_kind_is_stated_truthfully(tmp_path, target, says, never):
    text, _ = page_of(evidence(target), tmp_path)
    assert says in text and never not in text


def test_failures_and_deviations_come_first_and_link_to_their_checks(tmp_path):
    text, page = page_of(evidence(failed=(1, 3), deviation=4), tmp_path)
    problems = text[text.index('id="failures"'):text.index('id="summary"')]
    assert re.findall(r'href="#(check-[^"]+)"', problems) == [
        "check-list_clients-api-token", "check-negative_auth-revoked-token", "check-negative_auth-no-authorization"]
    assert "refused with an HTML body" in problems
    sections = [i for i in page.ids if i.startswith("check-")]
    assert sections[:3] == ["check-list_clients-api-token", "check-negative_auth-revoked-token",
                            "check-negative_auth-no-authorization"], "failures, then deviations, then the rest"


def test_every_link_inside_the_page_leads_somewhere(tmp_path):
    _, page = page_of(evidence(failed=(1,)), tmp_path)
    inside = [link[1:] for link in page.links if link.startswith("#")]
    assert inside and set(inside) <= set(page.ids)
    assert len(page.cells) == 5 * 3 and all(c.get("id", "").startswith("cell-") for c in page.cells), \
        "every matrix cell has an id (fleet.html links to it)"


def test_every_matrix_cell_and_finding_links_to_its_check(tmp_path):
    text, _ = page_of(evidence(failed=(3,)), tmp_path)
    matrix = text[text.index('id="matrix"'):text.index("</table>", text.index('id="matrix"'))]
    cells = re.findall(r'<td class="v v-(\w[\w-]*)"[^>]*>(.*?)</td>', matrix, re.S)
    assert len(cells) == 5 * 3 and sum(word != "none" for word, _ in cells) == 6
    for word, inner in cells:
        assert (word == "none") != ('<a href="#check-' in inner), (word, inner)
    assert re.search(r'<a href="#check-negative_auth-revoked-token">✘ fail \(1/2\)', matrix), "a cell's failure first"
    findings = text[text.index('id="findings-table"'):text.index("</table>", text.index('id="findings-table"'))]
    assert '<a href="#check-negative_auth-revoked-token"><code>negative_auth[revoked-token]</code></a>' in findings


def test_reasons_are_words_without_the_exception_class(tmp_path):
    text, _ = page_of(evidence(failed=(1,)), tmp_path)
    assert "zdconform.exceptions" not in text and "ConformanceFailure" not in text
    assert "List OAuth Clients with API token: expected 200, got 401." in text
    assert plain_reason(REASON).startswith("List OAuth Clients")
    assert plain_reason("KeyError: 'id'") == "KeyError: 'id'", "another exception keeps its name: it says what broke"


def test_every_cell_text_has_its_legend(tmp_path):
    text = render(evidence(failed=(3,)), tmp_path)
    shown = set(re.findall(r'<td class="v v-[\w-]+"[^>]*>(?:<a [^>]*>)?\S* ([^<]+?)(?:<sup>|</a>|</td>)', text))
    assert {"pass", "fail (1/2)", "expected-denied", "-"} <= shown
    explained = {entry for entry, _ in LEGEND}
    for cell_text in shown:
        form = re.sub(r"^[\w-]+ \(\d+/\d+\)$", "VERDICT (n/m)", cell_text)
        assert form in explained or any(entry.endswith(f" {form}") for entry in explained), cell_text
    assert "pass (2/3)" in " ".join(meaning for _, meaning in LEGEND), "the legend's example is the issue's"


def test_filters_are_buttons_and_the_page_works_without_its_script(tmp_path):
    text, page = page_of(evidence(failed=(1,), deviation=4), tmp_path)
    assert set(" ".join(page.verdicts).split()) == {"fail", "pass", "expected-denied", "deviation"}
    assert re.findall(r'data-filter="([\w-]+)"', text) == ["all", "pass", "expected-denied", "fail", "deviation"]
    assert page.scripts == [{}], "one inline script, nothing loaded"
    assert ".filters{display:none" in text and '<body class="show-all">' in text, "without it: no buttons, all shown"


def test_the_signature_and_the_environment_are_stated(tmp_path):
    document = evidence()
    text, _ = page_of(document, tmp_path)
    assert "Unsigned: no signature covers this evidence" in text
    assert "CPython 3.11.2 on Linux (x86_64); pytest 9.2.0, vcrpy absent" in text
    document["signature"] = {"envelope": "evidence.dsse.json", "keyid": "0123456789abcdef",
                             "signed_at": "2026-12-01T10:02:00Z", "format": "DSSE v1"}
    assert "Signed by key 0123456789abcdef at 2026-12-01T10:02:00Z" in render(document, tmp_path)


def test_a_byte_identical_re_record_says_why_its_date_is_older(tmp_path):
    text, _ = page_of(evidence(recorded="2026-11-29T08:00:00Z"), tmp_path)
    assert "7 cassette(s) recorded again byte for byte identical keep the date they were first recorded" in text
    fresh, _ = page_of(evidence(), tmp_path)
    assert "byte for byte" not in fresh
    replayed, _ = page_of(evidence(mode="replay", recorded="2026-11-29T08:00:00Z"), tmp_path)
    assert "byte for byte" not in replayed and "A replay of recorded cassettes (2026-11-29T08:00:00Z)" in replayed


def test_everything_is_escaped(tmp_path):
    attack = '<script>alert(1)</script><img src=x onerror=alert(2)>"\''
    document = evidence(failed=(0,))
    document["checks"][0].update(check_id=attack, reason=attack, nodeid=attack)
    document["findings"].append({"finding": attack, "severity": "info", "detail": attack})
    document["target"]["description"] = attack
    text = render(document, tmp_path)
    assert "<script>alert" not in text and "<img" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


def test_the_fleet_page_answers_first_and_links_into_each_tenant(tmp_path):
    document = fleet(tmp_path, {"acme": evidence(failed=(1,)), "beta": evidence("loopback"),
                                "gamma": evidence(partial=("interrupted",))})
    text = render_fleet(document)
    page = Page(text)
    assert page.ids[:2] == ["verdict", "target"]
    assert '<span class="word">DOES NOT CONFORM</span>' in text
    assert "Targets: 2 x Zendesk tenant; 1 x server on loopback." in text
    assert page.ids.index("failures") < page.ids.index("tenants-table") < page.ids.index("fleet-matrix")
    assert "tenants/acme/evidence.html#check-list_clients-api-token" in page.links
    assert "tenants/beta/evidence.html#cell-oauth_token--list_clients" in page.links
    assert "ConformanceFailure" not in text and "interrupted" in text
    assert 'id="matrix-box"' in text and ".scroll{overflow:auto" in text


def test_a_fleet_of_passing_tenants_conforms(tmp_path):
    text = render_fleet(fleet(tmp_path, {"acme": evidence(), "beta": evidence("emulator")}))
    assert '<span class="word">CONFORMS</span>' in text and "None: every tenant passed" in text


def test_every_template_ships_in_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["zdconform"]
    shipped = {p for pattern in patterns for p in (ROOT / "zdconform").glob(pattern)}
    assert set(TEMPLATES.iterdir()) <= shipped
    assert "jinja2>=3.1" in config["project"]["dependencies"]
