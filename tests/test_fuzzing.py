"""Authentication fuzzing (suites/test_auth_fuzz.py): its recipes, and the defects only it finds.

The fast lane checks the recipes alone: every kind builds a credential that differs from the real
one, its text names no value, every value derived from a secret is listed for redaction, a probe a
correct tenant may grant never goes to Create Token. The e2e lane runs the check against the
emulator with each fuzzing-only defect switched on: each is caught within the default budget with a
minimal example, no token is left, and a replay of that recording reaches the same verdicts offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zdconform.conformance.fuzz import label_of, recorded_seed
from zdconform.conformance.fuzz_recipes import EITHER, FAMILIES, FINDING, KINDS, REFUSE, Recipe, build, corpus, recipes
from zdconform.emulator import ZendeskEmulator, default_tenant, tenant_to_dict
from zdconform.exceptions import UsageError
from zdconform.reporting.findings import policy_findings
from zdconform.reporting.results import CheckResult
from zdconform.settings.options import resolve_options

from _helpers import SUITES, child_env, emulator_env

SECRETS = {"email": "admin@example.com", "api_token": "Abc123def456GHI789jkl012MNO345pqr678STU9",
           "password": "correct horse battery", "oauth_token": "0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b",
           "agent_password": "agent password 2026", "expired_oauth_token": "ffeeddccbbaa99887766554433221100ffeeddcc"}
VALID = {"Bearer " + SECRETS["oauth_token"],
         "Basic " + base64.b64encode(f"{SECRETS['email']}/token:{SECRETS['api_token']}".encode()).decode(),
         "Basic " + base64.b64encode(f"{SECRETS['email']}:{SECRETS['password']}".encode()).decode()}


def every_recipe():
    return st.sampled_from(FAMILIES).flatmap(recipes)


@settings(max_examples=400, derandomize=True)
@given(every_recipe())
def test_a_recipe_that_must_be_refused_never_sends_the_real_credential(recipe):
    probe = build(recipe, SECRETS)
    if probe is None:
        return
    expectation, fact = recipe.expectation
    if expectation == REFUSE:
        assert probe.authorization not in VALID and not probe.params and not probe.form
    text = str(recipe) + label_of(7, recipe)
    assert not any(value in text for value in SECRETS.values()), "a recipe names no value"
    for value in (probe.authorization or "", *probe.params.values(), *probe.form.values()):
        assert any(secret in value for secret in probe.secrets) or not any(
            s[:8] in value for s in SECRETS.values()), f"{recipe}: a value derived from a secret is not listed"
    assert fact in {"F-57", "F-59", "F-60", "F-61"}
    if expectation in (EITHER, FINDING):
        assert recipe.endpoint != "create_token", "a probe a correct tenant may grant mints no token"


def test_the_corpus_tries_every_kind_once_before_hypothesis_draws():
    for family in FAMILIES:
        assert [r.kind for r in corpus(family)] == list(KINDS[family])
    beyond_latin1 = [r for r in corpus("oauth_token") if r.kind == "suffix"]
    assert build(beyond_latin1[0], SECRETS).authorization.encode("latin-1").decode("utf-8").endswith("€")


def test_a_recipe_that_leaves_the_credential_unchanged_sends_nothing():
    digits = dict(SECRETS, password="12345678901234")
    assert build(Recipe("password", "upper"), digits) is None
    assert build(Recipe("password", "other-user-password"), dict(SECRETS, agent_password="")) is None


def test_a_label_gives_back_its_seed_and_recipe():
    labels = [label_of(42, Recipe("oauth_token", "prefix", 3)), "unrelated"]
    assert labels[0] == "seed=42; oauth_token.prefix.3.0.users; Bearer oauth_token[:-3] -> users"
    assert recorded_seed(labels) == 42 and recorded_seed(["x"]) is None
    assert label_of(0, Recipe("oauth_token", "suffix", 1, "€")).isascii()


@settings(max_examples=200, derandomize=True)
@given(every_recipe())
def test_every_recipe_survives_its_code(recipe):
    assert Recipe.parse(recipe.code) == recipe
    assert Recipe.parse("oauth_token.nope.1.0.users") is None and Recipe.parse("x") is None


@pytest.mark.parametrize(("value", "fragment"), [("-1", "--zd-fuzz-examples"), ("many", "whole number")])
def test_a_bad_budget_is_refused(tmp_path, value, fragment):
    with pytest.raises(UsageError, match=fragment):
        resolve_options({"fuzz_examples": value}, {}, {}, tmp_path)
    assert resolve_options({}, {}, {"ZDCONFORM_FUZZ_SEED": "9"}, tmp_path).fuzz_seed == 9


def test_server_errors_and_credentials_outside_the_header_are_findings():
    details = {"fuzz": {"server_errors": ["Bearer oauth_token + '€' -> users (500)"],
                        "findings": ["no Authorization, ?access_token=oauth_token -> users"]}}
    result = CheckResult(check="suites/test_auth_fuzz.py::x", check_id="auth_fuzz[header]", endpoint="auth_fuzz",
                         method="-", verdict="pass", details=details)
    found = {f["finding"]: f for f in policy_findings({"expect": {}}, [result])}
    assert "F-58" in found["Server errors on malformed credentials"]["detail"]
    assert "?access_token=oauth_token" in found["Credentials accepted outside the Authorization header"]["detail"]


def fuzz(tmp_path, misbehave=None, settings=None, replay_from=None):
    """Run the fuzzing check live against an emulator tenant (or replay the folder `replay_from`)."""
    tenant = tenant_to_dict(default_tenant())
    tenant["settings"]["misbehave"].update(misbehave or {})
    tenant["settings"].update(settings or {})
    with ZendeskEmulator(tenant=tenant) as emulator:
        args = [f"--zd-target={'replay' if replay_from else emulator.url}", f"--zd-reports={tmp_path / 'reports'}",
                f"--zd-cassette-root={tmp_path / 'cassettes'}"]
        args += [f"--zd-replay-from={replay_from}"] if replay_from else []
        proc = subprocess.run([sys.executable, "-m", "pytest", str(SUITES / "test_auth_fuzz.py"), "-p",
                               "no:cacheprovider", "-q", *args], env=child_env() | emulator_env(expired=True),
                              capture_output=True, text=True, timeout=300)
        left = [t["id"] for t in emulator.live_tokens() if t["id"] >= 1_830_000_000_001]
    results = json.loads((tmp_path / "reports" / "results.json").read_text())["results"]
    return proc, {r["check_id"]: r for r in results}, left


DEFECTS = [
    pytest.param({"accept_token_prefix": True}, {}, {"oauth_token": "oauth_token[:-1]", "api_token": "api_token[:-1]"},
                 id="token-prefix"),
    pytest.param({"case_insensitive_tokens": True}, {}, {"oauth_token": "swapcase", "api_token": "swapcase"},
                 id="case-insensitive"),
    pytest.param({"second_authorization_wins": True}, {}, {"header": "Bearer oauth_token[:-"}, id="second-field"),
    pytest.param({"password_trailing_whitespace": True}, {"password_access": True}, {"password": "password + ' '"},
                 id="password-whitespace"),
]


@pytest.mark.e2e
@pytest.mark.parametrize(("misbehave", "settings", "caught"), DEFECTS)
def test_each_defect_only_fuzzing_finds_is_caught_with_a_minimal_example(tmp_path, misbehave, settings, caught):
    proc, results, left = fuzz(tmp_path, misbehave, settings)
    assert proc.returncode == 1, proc.stdout[-3000:]
    failed = {check: r for check, r in results.items() if r["verdict"] == "fail"}
    assert sorted(failed) == sorted(f"auth_fuzz[{family}]" for family in caught), proc.stdout[-3000:]
    for family, example in caught.items():
        record = failed[f"auth_fuzz[{family}]"]
        assert example in record["reason"] and "Minimal example" in record["reason"]
        assert len(record["details"]["fuzz"]["granted"]) == 1 and record["details"]["fuzz"]["seed"] == 0
        assert record["details"]["fuzz"]["granted"][0] in record["reason"], "the least granted probe is named"
    assert left == [], "a probe that minted a token had it revoked"


@pytest.mark.e2e
def test_a_5xx_is_a_robustness_finding_naming_the_example(tmp_path):
    proc, results, left = fuzz(tmp_path, {"non_ascii_header_500": True})
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "Server errors on malformed credentials" in proc.stdout and "oauth_token + '€'" in proc.stdout
    assert results["auth_fuzz[oauth_token]"]["details"]["fuzz"]["server_errors"]


@pytest.mark.e2e
def test_a_replay_reaches_the_recorded_verdicts_offline(tmp_path):
    live, recorded, _ = fuzz(tmp_path, {"accept_token_prefix": True})
    slug = next(p.name for p in (tmp_path / "cassettes").iterdir() if p.name.startswith("127.0.0.1_"))
    replay, replayed, _ = fuzz(tmp_path, replay_from=slug)
    assert live.returncode == replay.returncode == 1, replay.stdout[-3000:]
    assert "REPLAY of" in replay.stdout
    for check, result in recorded.items():
        assert replayed[check]["verdict"] == result["verdict"], check
        assert replayed[check]["details"]["fuzz"] == result["details"]["fuzz"], check


@pytest.mark.e2e
def test_no_budget_turns_the_family_off(tmp_path):
    tenant = tenant_to_dict(default_tenant())
    with ZendeskEmulator(tenant=tenant) as emulator:
        proc = subprocess.run([sys.executable, "-m", "pytest", str(SUITES / "test_auth_fuzz.py"), "-p",
                               "no:cacheprovider", "-q", "-rs", f"--zd-target={emulator.url}", "--zd-fuzz-examples=0",
                               f"--zd-cassette-root={tmp_path / 'c'}", f"--zd-reports={tmp_path / 'r'}"],
                              env=child_env() | emulator_env(), capture_output=True, text=True, timeout=300)
        assert emulator.tokens_created() == []
    assert proc.returncode == 0 and "4 skipped" in proc.stdout and "--zd-fuzz-examples 0" in proc.stdout


def test_a_granted_mutation_proves_no_policy():
    """An API token mutation a broken tenant granted is no sign that API token access is enabled."""
    from zdconform.reporting.findings import readiness_findings

    fuzzed = CheckResult(check="suites/test_auth_fuzz.py::x", check_id="auth_fuzz[api_token]", endpoint="auth_fuzz",
                         method="api_token", verdict="fail", statuses=[401, 200])
    found = readiness_findings({"expect": {"api_token": "disabled"}}, [fuzzed], [], dt.date(2026, 12, 7))
    assert not any(f["finding"] == "API token access enabled" for f in found)
