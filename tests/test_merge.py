"""`zdconform merge`: real per-tenant evidence from real runs, merged into one fleet evidence.

Four tenants run once per test run (the real suites against the reference emulator as a tenant
URL, each with its own tenant settings, profile, cassettes and reports): two behave, two have a
planted defect (revocation that does nothing; agents treated as admins). The merge must name
exactly the defective tenants and their failing checks, count the findings across tenants,
give the same fleet evidence however the evidence is split into folders, and refuse (exit 2,
one paragraph, nothing written) what cannot be merged honestly. Each run's evidence gets the
`target.tenant` name a fleet run writes.
"""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

import pytest
from _fleet import run_tenant

from zdconform.cli import main
from zdconform.conformance.schemas import load_registry
from zdconform.emulator import DEFAULT_CREDENTIALS
from zdconform.reporting.merge import merge_reports

from _helpers import made_once

pytestmark = pytest.mark.e2e  # the evidence comes from conformance runs in fresh interpreters

TENANTS = {  # name: (emulator settings, what the profile expects of API tokens)
    "acme": ({}, "enabled"),
    "beta": ({"misbehave": {"revoke_is_noop": True}}, "enabled"),
    "delta": ({"misbehave": {"agents_are_admins": True}}, "enabled"),
    "gamma": ({"api_token_access": False}, "disabled"),  # API tokens off, as its profile says
}
FAILING = {
    "beta": {"negative_auth[revoked-token]", "token_lifecycle[revoke-by-id]", "token_lifecycle[revoke-current]"},
    "delta": {"roles[agent-oauth-bearer-list-clients]", "roles[agent-oauth-bearer-create-token]",
              "roles[agent-api-token-list-clients]", "roles[agent-api-token-create-token]"},
}


@pytest.fixture(scope="session")
def fleet(tmp_path_factory) -> Path:
    """A folder per tenant (reports/ and cassettes/), made once per test run."""
    def make(root: Path) -> None:
        with contextlib.ExitStack() as emulators:
            for name, (settings, api_token) in TENANTS.items():
                run_tenant(root / name, name, settings, api_token, emulators)

    return made_once(tmp_path_factory, "merge-fleet", make)


def reports(fleet: Path, *names: str) -> list[str]:
    return [str(fleet / n / "reports") for n in names or sorted(TENANTS)]


def merged(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["merge", *args])
    out, err = capsys.readouterr()
    return code, out, err


def copy_tenant(fleet: Path, name: str, dest: Path) -> Path:
    """A copy of one tenant's folder (reports and cassettes, same layout); its reports folder."""
    shutil.copytree(fleet / name, dest / name)
    return dest / name / "reports"


def edit_evidence(folder: Path, change) -> None:
    path = folder / "evidence.json"
    evidence = json.loads(path.read_text())
    change(evidence)
    path.write_text(json.dumps(evidence))


def test_the_merge_names_exactly_the_defective_tenants_and_checks(fleet, tmp_path, capsys):
    code, out, err = merged(capsys, *reports(fleet), "--out", str(tmp_path))
    assert code == 1, out + err
    document = json.loads((tmp_path / "fleet.json").read_text())
    assert load_registry().validate(document, "fleet") == []
    verdicts = {t["name"]: t["verdict"] for t in document["tenants"]}
    assert verdicts == {"acme": "pass", "beta": "fail", "delta": "fail", "gamma": "pass"}
    failing = {t["name"]: {f["check_id"] for f in t["failures"]} for t in document["tenants"] if t["failures"]}
    assert failing == FAILING
    assert all(f["facts"] for t in document["tenants"] for f in t["failures"]), "each failure names its facts"
    assert document["verdict"] == "fail" and document["totals"]["fail"] == 2 and document["totals"]["pass"] == 2
    assert all(t["manifest"]["verified"] and t["complete"] for t in document["tenants"])
    lines = out.splitlines()  # failing tenants first, then the passing ones
    assert lines[0].startswith("zdconform fleet: 4 tenant(s): 2 failed, 0 incomplete, 2 passed")
    assert [line.split(":")[0] for line in lines if line.startswith(("FAIL", "passed"))] == \
        ["FAIL beta", "FAIL delta", "passed"]
    rows = {r["tenant"]: r["cells"] for r in document["matrix"]["rows"]}
    column = document["matrix"]["columns"].index({"method": "oauth_token", "endpoint": "token_lifecycle"})
    assert rows["beta"][column].startswith("fail") and rows["acme"][column] == "pass"


def test_findings_are_grouped_across_tenants(fleet, tmp_path):
    document = merge_reports([Path(p) for p in reports(fleet)], tmp_path).document
    groups = {g["finding"]: g for g in document["findings"]}
    api_tokens = groups["API token access enabled"]
    assert api_tokens["tenants"] == ["acme", "beta", "delta"]  # gamma's API token access is off
    assert api_tokens["summary"] == "API token access enabled on 3 of 4 tenants"
    revoked = groups["Revoked OAuth tokens keep working"]
    assert (revoked["tenants"], revoked["severity"], revoked["count"], revoked["of"]) == (["beta"], "high", 1, 4)
    assert document["findings"][0]["severity"] == "high"  # most severe first
    assert groups["API tokens deactivated in N days"]["count"] == 4


def test_one_folder_or_four_give_the_same_fleet_evidence(fleet, tmp_path):
    one = fleet_layout(fleet, tmp_path / "one")
    by_four = merge_reports([Path(p) for p in reports(fleet)], tmp_path / "four").document
    by_one = merge_reports([one], tmp_path / "merged-one").document

    def comparable(document):
        rest = {k: v for k, v in document.items() if k not in ("merged_at", "sources")}
        return {**rest, "tenants": [{k: v for k, v in t.items() if k != "source"} for t in rest["tenants"]]}

    assert comparable(by_one) == comparable(by_four)
    assert by_one["sources"] == ["../one"] and len(by_four["sources"]) == 4


def fleet_layout(fleet: Path, folder: Path) -> Path:
    """The four tenants' evidence in a fleet run's layout: tenants/<name>/evidence.json, cassettes beside."""
    slugs = [p.name for name in TENANTS for p in (fleet / name / "cassettes").iterdir()]
    assert len(set(slugs)) == len(slugs), f"two tenants share a cassette folder: {slugs}"
    for name in TENANTS:
        shutil.copytree(fleet / name / "reports", folder / "tenants" / name)
        shutil.copytree(fleet / name / "cassettes", folder / "cassettes", dirs_exist_ok=True)
        edit_evidence(folder / "tenants" / name, lambda e: e["cassettes"].update(base="../.."))
    return folder


def test_a_fleet_runs_reports_merge_into_themselves_by_default(fleet, tmp_path, capsys):
    project = tmp_path / "project"
    (project / "suites").mkdir(parents=True)
    folder = fleet_layout(fleet, project / "reports")
    before = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    code, out, err = merged(capsys, str(folder), "--project", str(project))
    assert code == 1, err
    assert (folder / "fleet.json").is_file() and (folder / "fleet.html").is_file()
    assert {p: p.read_bytes() for p in before} == before, "no source file is touched"
    tenants = json.loads((folder / "fleet.json").read_text())["tenants"]
    assert [t["source"]["report"] for t in tenants] == [f"tenants/{n}/evidence.html" for n in sorted(TENANTS)]


def test_each_tenant_links_to_its_own_report_failures_first(fleet, tmp_path):
    merged_fleet = merge_reports([Path(p) for p in reports(fleet)], tmp_path / "out")
    page = (tmp_path / "out" / "fleet.html").read_text()
    for tenant in merged_fleet.document["tenants"]:
        link = tenant["source"]["report"]
        assert (tmp_path / "out" / link).resolve() == (fleet / tenant["name"] / "reports" / "evidence.html").resolve()
        assert f'href="{link}"' in page
    assert page.index('id="failures"') < page.index('id="tenants"') < page.index('id="fleet-matrix"')
    assert page.index("token_lifecycle[revoke-current]") < page.index('id="tenants"')
    assert "API token access enabled on 3 of 4 tenants" in page
    assert merged_fleet.paths == (tmp_path / "out" / "fleet.json", tmp_path / "out" / "fleet.html")


@pytest.mark.parametrize(("run", "why"), [
    pytest.param({"complete": False, "partial": ["a selection: -k list_clients"]}, "a selection: -k list_clients",
                 id="selection"),
    pytest.param({"unchecked_methods": [{"method": "api_token", "variables": ["ZENDESK_API_TOKEN"]}]},
                 "api_token not checked: set ZENDESK_API_TOKEN", id="method-left-unchecked"),
    pytest.param({"complete": None}, "the evidence does not say the whole suite ran", id="not-a-pytest-session"),
])
def test_a_partial_run_is_merged_but_never_green(fleet, tmp_path, capsys, run, why):
    folder = copy_tenant(fleet, "acme", tmp_path)
    edit_evidence(folder, lambda e: e["run"].update(run))
    code, out, _ = merged(capsys, str(folder), reports(fleet, "gamma")[0], "--out", str(tmp_path / "out"))
    document = json.loads((tmp_path / "out" / "fleet.json").read_text())
    assert code == 1 and document["verdict"] == "fail" and document["totals"]["incomplete"] == 1
    acme, gamma = document["tenants"]
    assert (acme["name"], acme["verdict"], acme["complete"]) == ("acme", "incomplete", False)
    assert gamma["verdict"] == "pass"
    assert f"INCOMPLETE acme: {why}" in out


def test_a_fleet_of_passing_tenants_passes(fleet, tmp_path, capsys):
    code, out, _ = merged(capsys, *reports(fleet, "acme", "gamma"), "--out", str(tmp_path / "out"))
    assert code == 0 and json.loads((tmp_path / "out" / "fleet.json").read_text())["verdict"] == "pass"
    assert out.startswith("zdconform fleet: 2 tenant(s): 0 failed, 0 incomplete, 2 passed") and "PASS" in out


def test_without_cassettes_merge_refuses_unless_told_to_merge_the_evidence_alone(fleet, tmp_path, capsys):
    folder = tmp_path / "artifact" / "reports"
    shutil.copytree(fleet / "acme" / "reports", folder)  # a CI artifact without cassettes/
    code, _, err = merged(capsys, str(folder), "--out", str(tmp_path / "out"))
    assert code == 2 and "are not beside its report" in err and "--no-cassettes" in err
    assert not (tmp_path / "out").exists()
    code, out, _ = merged(capsys, str(folder), "--no-cassettes", "--out", str(tmp_path / "out"))
    document = json.loads((tmp_path / "out" / "fleet.json").read_text())
    assert code == 0 and document["tenants"][0]["manifest"]["verified"] is False
    assert document["totals"]["unverified"] == 1 and "unverified: 1 tenant(s)" in out


def _version(folder):
    edit_evidence(folder, lambda e: e["product"].update(version="0.0.9"))


def _commit(folder):
    edit_evidence(folder, lambda e: e["product"].update(commit="0" * 40))


def _rename(folder):
    edit_evidence(folder, lambda e: e["target"].update(tenant="gamma"))


def _cassette(folder):
    cassette = next((folder.parent / "cassettes").rglob("test_list_clients*.yaml"))
    cassette.write_text(cassette.read_text().replace("200", "201", 1))


def _manifest(folder):  # re-sealed: still not the manifest the evidence names
    from zdconform.recording.manifest import manifest_digest

    path = next((folder.parent / "cassettes").rglob("MANIFEST.json"))
    manifest = json.loads(path.read_text())
    manifest["target"]["description"] = "another recording"
    manifest["manifest_sha256"] = manifest_digest(manifest)
    path.write_text(json.dumps(manifest))


def _truncate(folder):
    path = folder / "evidence.json"
    path.write_text(path.read_text()[:5000])


def _incomplete_document(folder):
    edit_evidence(folder, lambda e: e.pop("checks"))


def _empty(folder):
    for path in folder.iterdir():
        path.unlink()


@pytest.mark.parametrize(("spoil", "expected"), [
    pytest.param(_version, "different zdconform versions", id="another-version"),
    pytest.param(_commit, "different commits", id="another-commit"),
    pytest.param(_rename, "The tenant 'gamma' appears twice", id="duplicate-tenant"),
    pytest.param(_cassette, "do not verify against their manifest", id="tampered-cassette"),
    pytest.param(_manifest, "is not the one tenant 'acme''s evidence describes", id="replaced-manifest"),
    pytest.param(_truncate, "is not JSON", id="truncated-evidence"),
    pytest.param(_incomplete_document, "is not a valid zdconform evidence document", id="invalid-evidence"),
    pytest.param(_empty, "holds no evidence", id="no-evidence"),
])
def test_what_cannot_be_merged_honestly_is_refused_and_nothing_written(fleet, tmp_path, capsys, spoil, expected):
    folder = copy_tenant(fleet, "acme", tmp_path)
    spoil(folder)
    out = tmp_path / "out"
    code, stdout, err = merged(capsys, str(folder), reports(fleet, "gamma")[0], "--out", str(out))
    assert code == 2, stdout + err
    assert expected in err and err.startswith("zdconform: error: ") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, "one paragraph"
    assert not out.exists(), "nothing is written"


def test_the_same_folder_twice_is_a_duplicate(fleet, tmp_path, capsys):
    code, _, err = merged(capsys, *reports(fleet, "acme", "acme"), "--out", str(tmp_path / "out"))
    assert code == 2 and "appears twice" in err and not (tmp_path / "out").exists()


def test_a_secret_in_the_evidence_writes_no_fleet_page(fleet, tmp_path, capsys, monkeypatch):
    token = DEFAULT_CREDENTIALS["admin"]["oauth_token"]
    monkeypatch.setenv("ZENDESK_OAUTH_TOKEN", token)
    folder = copy_tenant(fleet, "beta", tmp_path)
    edit_evidence(folder, lambda e: next(c for c in e["checks"] if c["verdict"] == "fail").update(
        reason=f"leaked {token}"))
    code, _, err = merged(capsys, str(folder), "--out", str(tmp_path / "out"))
    assert code == 2 and "ZENDESK_OAUTH_TOKEN" in err and token not in err
    assert not (tmp_path / "out").exists()


def test_a_tenant_folder_without_evidence_is_named(fleet, tmp_path, capsys):
    (tmp_path / "fleet" / "tenants" / "omega").mkdir(parents=True)
    code, _, err = merged(capsys, str(tmp_path / "fleet"), "--out", str(tmp_path / "out"))
    assert code == 2 and "omega" in err and "holds no evidence.json" in err
