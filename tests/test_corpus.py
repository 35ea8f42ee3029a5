"""A corpus of real Zendesk bodies recorded or quoted by others (tests/data/zendesk_bodies.yaml).

Every body validates against the schema the evidence uses for its endpoint and status
(`endpoints.schema_for`): a correct tenant's answer is never reported as malformed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from zdconform.conformance.endpoints import schema_for
from zdconform.conformance.schemas import validate

CORPUS = yaml.safe_load((Path(__file__).parent / "data" / "zendesk_bodies.yaml").read_text(encoding="utf-8"))
BODIES = CORPUS["bodies"]
KEYS = {"name", "request", "status", "content_type", "year", "source", "complete", "json", "text", "schema"}


def interaction(entry):
    request = entry["request"]
    headers = {"Authorization": f"{request['auth'].capitalize()} REDACTED"}
    return {"method": request["method"], "path": request["path"], "status": entry["status"],
            "request": {"headers": headers}}


@pytest.mark.parametrize("entry", BODIES, ids=[b["name"] for b in BODIES])
def test_a_real_body_validates_against_its_endpoints_schema(entry):
    assert set(entry) <= KEYS and ("json" in entry) != ("text" in entry), "one body, json or text"
    assert entry["source"] and 2014 <= entry["year"] <= 2026
    schema = entry.get("schema") or schema_for(interaction(entry))  # `schema`: an endpoint the checks do not call
    assert schema is not None, f"no schema answers {entry['request']} {entry['status']}"
    assert "schema" not in entry or schema_for(interaction(entry)) in (None, entry["schema"]), "the checks' own"
    body = entry["json"] if "json" in entry else entry["text"]
    assert validate(body, schema) == [], f"{entry['name']} against {schema}"


def test_the_corpus_spans_every_kind_of_answer_and_the_years():
    statuses = {b["status"] for b in BODIES}
    assert {200, 400, 401, 403, 404, 409, 429} <= statuses
    assert {b["year"] for b in BODIES} >= {2014, 2022, 2024, 2026}
    assert sum("text" in b for b in BODIES) >= 4 and sum(b["complete"] for b in BODIES) >= 12
    paths = {b["request"]["path"].split("?")[0] for b in BODIES if b["status"] == 200}
    assert {"/api/v2/users.json", "/api/v2/users/me.json", "/api/v2/oauth/clients.json",
            "/api/v2/oauth/tokens.json"} <= paths
