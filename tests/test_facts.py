"""The fact register: it loads, docs/facts.md is its rendering, and every fact named exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from zdconform.conformance.facts import CONFIDENCES, known, markdown, parse, register
from zdconform.conformance.schemas import load_registry
from zdconform.exceptions import UsageError, ZdConformError
from zdconform.recording.scrub import SecretSet, leak_gate

ROOT = Path(__file__).resolve().parent.parent
NAMED = re.compile(r"\bF-[0-9]{2,3}\b")
NOT_ZENDESK = {"common", "evidence", "fleet", "history", "pagination"}  # building blocks and zdconform's own formats


def test_the_register_holds_numbered_facts_of_each_confidence():
    facts = register()
    assert len(facts) >= 30
    assert list(facts) == sorted(facts), "facts are numbered in order"
    assert {f.confidence for f in facts.values()} == set(CONFIDENCES)
    assert all(f.statement and f.source for f in facts.values())
    assert any(f.security for f in facts.values()) and not all(f.security for f in facts.values())


def test_docs_facts_md_is_the_register_rendered():
    text = (ROOT / "docs" / "facts.md").read_text(encoding="utf-8")
    assert text == markdown(), "regenerate it: python -m zdconform.conformance.facts > docs/facts.md"


def test_every_fact_named_in_the_suites_and_package_is_registered():
    named = set()
    for path in [*(ROOT / "suites").glob("*.py"), *(ROOT / "zdconform").rglob("*.py")]:
        named |= set(NAMED.findall(path.read_text(encoding="utf-8")))
    assert named, "the checks name the facts they rest on"
    assert named <= set(register()), sorted(named - set(register()))


def test_every_zendesk_schema_rests_on_a_fact():
    encoded = {name for fact in register().values() for name in fact.schemas}
    assert encoded <= set(load_registry().names()), sorted(encoded - set(load_registry().names()))
    missing = set(load_registry().names()) - encoded - NOT_ZENDESK - {"error_4xx_json"}
    assert missing == set(), f"schemas no fact names: {sorted(missing)}"


def test_the_register_passes_the_leak_gate(tmp_path):
    leak_gate(markdown(), tmp_path / "facts.md", SecretSet(), "reword the fact")


def test_an_unknown_fact_is_a_usage_error_naming_it():
    assert known(["F-01"]) == ("F-01",)
    with pytest.raises(UsageError, match="'F-999'.*facts.yaml"):
        known(["F-01", "F-999"])


@pytest.mark.parametrize(("data", "message"), [
    pytest.param({}, "non-empty `facts` list", id="no-list"),
    pytest.param({"facts": [{"id": "X1", "statement": "s", "source": "s", "confidence": "observed"}]},
                 "not of the form", id="bad-id"),
    pytest.param({"facts": [{"id": "F-01", "statement": "s", "source": "s", "confidence": "likely"}]},
                 "allowed: documented", id="bad-confidence"),
    pytest.param({"facts": [{"id": "F-01", "statement": " ", "source": "s", "confidence": "observed"}]},
                 "`statement` must be", id="empty-statement"),
    pytest.param({"facts": [{"id": "F-01", "statement": "s", "source": "s", "confidence": "observed"}] * 2},
                 "listed twice", id="duplicate"),
    pytest.param({"facts": [{"id": "F-01", "statement": "s", "source": "s", "confidence": "observed",
                             "typo": 1}]}, "must be a mapping", id="unknown-key"),
])
def test_a_malformed_register_is_named(data, message):
    with pytest.raises(ZdConformError, match=message):
        parse(data)
