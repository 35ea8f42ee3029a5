"""A generator of correct tenants: the emulator's variants combined at random, and one planted defect.

Each tenant variant answers an unsure behaviour the other plausible way (docs/emulator.md, "Tenant
variants"); a correct tenant may do any of them at once. Hypothesis draws combinations (with how
many clients are listed before the suite's own, and whether clients have an allowed-scopes limit):
every combination passes, with deviations only, each on an inferred fact, and 0 tokens left; the
same combination plus one planted security defect (a misbehaviour switch) fails exactly the checks
that rest on the defect, as on the reference tenant, except those the variant leaves nothing to
exercise (skipped, saying why).

The seed is fixed (the run is reproducible; Hypothesis prints the falsifying combination). The e2e
lane tries `ZDCONFORM_TENANT_EXAMPLES` combinations (default 4 of each kind);
`benchmarks/bench_tenants.py` (`./dev bench`) runs more, and prints how many it tried.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from test_misbehaving_tenant import CASES as DEFECTS
from test_misbehaving_tenant import failures, run_against

from zdconform.conformance.facts import register
from zdconform.emulator.tenant.model import RATE_LIMIT_HEADER_FAMILIES, VARIANTS

pytestmark = pytest.mark.e2e  # every example is a conformance run in a fresh interpreter

EXAMPLES = int(os.environ.get("ZDCONFORM_TENANT_EXAMPLES", "4"))
SEED = 20261207
CHOICES = {**VARIANTS, "rate_limit_headers": RATE_LIMIT_HEADER_FAMILIES, "rate_limit_agree": (True, False),
           "_clients_before": (0, 150), "_unlimited_clients": (False, True),
           "extra_fields": (False, True), "link_base_url": (None, "https://canonical.zendesk.example")}

correct_tenants = st.fixed_dictionaries({key: st.sampled_from(values) for key, values in CHOICES.items()})
defects = st.sampled_from([case.values for case in DEFECTS])
RUNS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@seed(SEED)
@RUNS
@given(tenant=correct_tenants)
def test_every_combination_of_variants_passes_with_deviations_only(tmp_path_factory, tenant):
    result, results, live = run_against(tmp_path_factory.mktemp("tenant"), tenant)
    assert result.returncode == 0 and failures(results) == {}, (tenant, result.output)
    facts = register()
    deviated = {d["fact"] for r in results.values() for d in r["deviations"]}
    assert all(facts[fact].inferred for fact in deviated), (tenant, deviated)
    assert live == [], (tenant, live)


@seed(SEED)
@RUNS
@given(tenant=correct_tenants, defect=defects)
def test_a_planted_defect_fails_exactly_its_checks_whatever_the_variants(tmp_path_factory, tenant, defect):
    planted, expected = defect
    combined = {**tenant, **{k: v for k, v in planted.items() if k != "misbehave"},
                "misbehave": planted.get("misbehave", {})}
    result, results, _ = run_against(tmp_path_factory.mktemp("defective"), combined)
    failed = failures(results)
    unexercised = {check for check in set(expected) - set(failed) if results[check]["verdict"] == "skipped"}
    # a variant can leave a check with nothing to exercise (a legacy client's grant has no refresh token to
    # rotate): it says so, skipped; every check the defect breaks and that ran fails, and no other
    assert set(failed) | unexercised == set(expected), (combined, sorted(failed))
    # a defect no check could exercise leaves the run passed, its check skipped saying why
    assert result.returncode == (1 if failed else 0), (combined, result.output[-2000:])

