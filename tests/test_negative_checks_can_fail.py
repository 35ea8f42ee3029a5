"""A check that cannot fail is a defect: tamper with the recorded refusals and replay.

The committed reference cassettes are copied, every recorded refusal in them is changed one
way (the tenant accepts instead, answers with an undocumented body, or drops the
`WWW-Authenticate` challenge), and the suites are replayed offline. Every check whose verdict
rests on that part of the refusal must then fail; the others must still pass.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from _helpers import ROOT, run_suites

REFERENCE = ROOT / "cassettes" / "reference-emulator"
REFUSALS = (400, 401, 403, 422)  # not 404: the ledger's cleanup DELETE may meet one
DENIED = {"list_clients[email-password]", "create_token[email-password]"}  # refused as the profile expects
# The grant-type checks that rest on a refusal (the others mint and use tokens only).
GRANT_REFUSALS = {"grant_client_credentials[wrong-secret]", "grant_client_credentials[unknown-client]",
                  "grant_client_credentials[public-client]", "grant_refresh[rotation]",
                  "grant_expiry[expired-token-refused]", "grant_scopes[outside-allowed-scopes]",
                  "grant_scopes[scope-array-mistake]", "grant_authorization_code[pkce-wrong-verifier]",
                  "grant_authorization_code[code-reused]"}
GRANT_CHALLENGED = {"grant_refresh[rotation]", "grant_expiry[expired-token-refused]"}  # a bearer 401 each

pytestmark = pytest.mark.e2e  # every test here starts a conformance run in a fresh interpreter


def accepted(response):
    if response["status"]["code"] in REFUSALS:
        response["status"] = {"code": 200, "message": "OK"}


def wrong_body(response):
    if response["status"]["code"] in REFUSALS:
        body = '{"message":"Unauthorized"}'
        response["body"]["string"] = body
        response["headers"]["Content-Length"] = [str(len(body))]


def no_challenge(response):
    if response["status"]["code"] == 401:
        response["headers"].pop("WWW-Authenticate", None)


def tamper(root: Path, change) -> None:
    for path in (root / "reference-emulator").rglob("*.yaml"):
        cassette = yaml.safe_load(path.read_text())
        for interaction in cassette["interactions"]:
            change(interaction["response"])
        path.write_text(yaml.safe_dump(cassette))


def negative_checks(results, *prefixes):
    return {check for check in results if check.startswith(prefixes)}


@pytest.mark.parametrize(("change", "endpoints", "grants"), [
    pytest.param(accepted, ("negative_auth", "roles", "token_errors", "token_lifecycle", "auth_fuzz"),
                 GRANT_REFUSALS, id="accepted"),
    pytest.param(wrong_body, ("negative_auth", "roles", "token_errors", "token_lifecycle"), GRANT_REFUSALS,
                 id="wrong-body"),
    pytest.param(no_challenge, ("negative_auth", "token_lifecycle"), GRANT_CHALLENGED, id="no-challenge"),
])
def test_every_refusal_check_fails_when_the_refusal_is_wrong(tmp_path, change, endpoints, grants):
    root = tmp_path / "cassettes"
    shutil.copytree(REFERENCE, root / "reference-emulator")
    tamper(root, change)
    result = run_suites("--zd-target=replay", f"--zd-cassette-root={root}", "--zd-allow-unverified",
                        f"--zd-reports={tmp_path / 'reports'}")
    results = {r["check_id"]: r for r in json.loads((tmp_path / "reports" / "results.json").read_text())["results"]}
    failed = {check for check, r in results.items() if r["verdict"] == "fail"}
    expected = negative_checks(results, *endpoints) | DENIED | grants
    assert len(negative_checks(results, *endpoints)) >= 8
    assert failed == expected, result.output
