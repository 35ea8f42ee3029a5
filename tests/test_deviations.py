"""Two kinds of outcome: a security violation always fails; a shape difference on an inferred fact,
seen on a real tenant, is a recorded deviation; against the reference emulator the choice is exact.
And every run tallies which facts it confirmed, contradicted or did not exercise."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
import requests

from zdconform.conformance.context import Conformance
from zdconform.conformance.notes import CheckNotes
from zdconform.exceptions import ConformanceFailure, UsageError
from zdconform.http.pacing import Pacer
from zdconform.recording.scrub import SecretSet
from zdconform.reporting.factcheck import summary_lines, tally
from zdconform.reporting.results import CheckResult

BASIC = {"error": "Couldn't authenticate you"}
BEARER = {"error": "invalid_token", "error_description": "The access token provided is expired, revoked, "
          "malformed or invalid for other reasons."}
CHALLENGE = {"basic": 'Basic realm="Web Password"', "bearer": 'Bearer realm="Zendesk::OAuth Bearer Token"'}


def response(status, body, *, challenge=None, path="/api/v2/users.json", text=False):
    r = requests.Response()
    r.status_code = status
    r._content = (body if text else json.dumps(body)).encode()
    r.headers["Content-Type"] = "text/plain" if text else "application/json; charset=utf-8"
    if challenge:
        r.headers["WWW-Authenticate"] = CHALLENGE[challenge]
    r.request = requests.Request("GET", f"https://acme.zendesk.com{path}").prepare()
    return r


def zd(reference=False):
    target = SimpleNamespace(kind="tenant", is_reference=reference, slug="acme")
    run = SimpleNamespace(base_url="https://acme.zendesk.com", sleep=lambda s: None, pacer=Pacer(), target=target,
                          secrets=SecretSet())
    return Conformance(run, CheckNotes(cassette="", target="acme"))


def refuse_empty_bearer(context, answer):
    return context.refused(answer, 401, "error_401_bearer", challenge="Bearer", what="empty bearer",
                           cause="accepted", security="F-11", shape="F-10")


def test_another_documented_refusal_on_an_inferred_fact_is_a_deviation_on_a_tenant():
    context = zd()
    refuse_empty_bearer(context, response(401, BASIC, challenge="basic"))
    [deviation] = context.notes.deviations
    assert deviation["message"] == ("deviation: observed 401 basic body; the reference infers 401 bearer body "
                                    "[fact F-10]")
    assert json.loads(deviation["body"]) == BASIC and context.notes.facts == ["F-11", "F-10"]
    assert context.notes.contradicted == []


def test_against_the_reference_emulator_the_documented_choice_is_exact():
    context = zd(reference=True)
    with pytest.raises(ConformanceFailure, match="error_401_bearer"):
        refuse_empty_bearer(context, response(401, BASIC, challenge="basic"))
    assert context.notes.deviations == [] and context.notes.contradicted == ["F-10"]


@pytest.mark.parametrize(("answer", "blamed"), [
    pytest.param(response(200, {"users": []}), "F-11", id="access-granted-is-a-security-violation"),
    pytest.param(response(401, {"message": "Unauthorized"}), "F-10", id="a-body-zendesk-never-sends"),
    pytest.param(response(401, "Unauthorized", text=True), "F-10", id="a-text-401"),
    pytest.param(response(500, {"error": "boom"}), "F-10", id="not-a-refusal"),
])
def test_what_is_never_a_deviation(answer, blamed):
    context = zd()
    with pytest.raises(ConformanceFailure):
        refuse_empty_bearer(context, answer)
    assert context.notes.deviations == [] and context.notes.contradicted == [blamed]


def test_a_shape_difference_on_an_observed_fact_fails():
    context = zd()
    with pytest.raises(ConformanceFailure):
        context.refused(response(401, BEARER, challenge="bearer"), 401, "error_401_basic", challenge="Basic",
                        what="wrong password", cause="accepted", security="F-01", shape="F-02")
    assert context.notes.contradicted == ["F-02"]


@pytest.mark.parametrize(("answer", "observed"), [
    pytest.param(response(422, "Client: is invalid", text=True), "422 text body", id="text-instead-of-json"),
    pytest.param(response(404, {"error": "RecordNotFound", "description": "Not found"}), "404 not-found body",
                 id="another-status"),
    pytest.param(response(404, "", text=True), "404 not-found body", id="empty-404"),
])
def test_create_token_bad_bodies_may_be_answered_otherwise(answer, observed):
    context = zd()
    context.refused(answer, 422, "error_4xx_json", what="unknown client", cause="minted", shape="F-22")
    assert context.notes.deviations[0]["observed"] == observed


def test_a_success_is_a_deviation_only_where_it_is_plausible():
    created = response(201, {"token": {"id": 1}})
    context = zd()
    context.refused(created, 422, "error_4xx_json", what="empty scopes", cause="minted", shape="F-24",
                    granted_ok=True)
    assert "observed 201 success (the token it minted is revoked)" in context.notes.deviations[0]["message"]
    with pytest.raises(ConformanceFailure):
        zd().refused(created, 422, "error_4xx_json", what="unknown client", cause="minted", shape="F-22")


def test_a_401_where_an_authenticated_refusal_is_expected_fails():
    context = zd()  # the role check's credential itself was refused: the profile is contradicted, not F-16
    with pytest.raises(ConformanceFailure, match="401"):
        context.refused(response(401, BASIC, challenge="basic"), 403, "error_403_role", what="agent",
                        cause="let an agent in", method="api_token", security="F-15", shape="F-16")


def test_users_me_cannot_prove_a_refusal():
    with pytest.raises(UsageError, match="users/me"):
        refuse_empty_bearer(zd(), response(401, BEARER, challenge="bearer", path="/api/v2/users/me.json"))


def test_an_unknown_fact_is_refused():
    with pytest.raises(UsageError, match="F-999"):
        zd().rests_on("F-999")


def result(check_id, verdict, facts=(), contradicted=(), deviations=()):
    return CheckResult(check=f"suites/x.py::{check_id}", check_id=check_id, endpoint="negative_auth", method="-",
                       verdict=verdict, facts=tuple(facts), contradicted=tuple(contradicted),
                       deviations=tuple(deviations))


def test_the_tally_says_which_facts_were_confirmed_contradicted_or_not_exercised():
    results = [
        result("a", "pass", facts=["F-01", "F-02"]),
        result("b", "pass", facts=["F-11", "F-10"], deviations=[{"fact": "F-10", "message": "deviation: x"}]),
        result("c", "fail", facts=["F-03", "F-05"], contradicted=["F-03"]),
        result("d", "skipped", facts=["F-04"]),
        result("e", "fail", facts=["F-06"]),  # failed for another cause: F-06 not confirmed
    ]
    report = tally(results)
    outcome = {f["id"]: f["outcome"] for f in report["facts"]}
    assert [outcome[i] for i in ("F-01", "F-02", "F-11", "F-10", "F-03", "F-05", "F-04", "F-06")] == [
        "confirmed", "confirmed", "confirmed", "contradicted", "contradicted", "not-exercised", "not-exercised",
        "not-exercised"]
    assert report["counts"]["confirmed"] == 3 and report["counts"]["contradicted"] == 2
    assert sum(report["counts"].values()) == len(report["facts"])
    lines = summary_lines(results, "acme.zendesk.com", False)
    assert lines[0].startswith("facts observed on acme.zendesk.com: 3 confirmed, 2 contradicted, ")
    assert "DEVIATION b: deviation: x" in lines and any(line.startswith("  contradicted F-03") for line in lines)
