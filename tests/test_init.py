"""`zdconform init`: every file it writes is one the project's own loaders accept, and it never
overwrites a file unless asked (refused, it writes nothing)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from zdconform import __version__
from zdconform.cli import main
from zdconform.pytest import cassettes
from zdconform.scaffold import INSTALLS, ci_templates, project_files
from zdconform.settings import find_project, load_profile
from zdconform.settings.fleet import load_fleet

from _helpers import ROOT

FILES = sorted(project_files())


@pytest.fixture
def made(tmp_path: Path, capsys) -> Path:
    folder = tmp_path / "new-project"
    assert main(["init", str(folder)]) == 0
    out = capsys.readouterr().out
    assert all(f"wrote {name}" in out for name in FILES) and "zdconform run --target emulator" in out
    return folder


def test_init_writes_a_project_every_command_finds(made):
    assert sorted(str(p.relative_to(made)) for p in made.rglob("*") if p.is_file()) == FILES
    assert find_project(made / "tenants") == made.resolve()  # suites/ makes it a project


def test_the_profile_loads(made):
    profile = load_profile(made / "tenants" / "acme.yaml")
    assert profile.name == "acme" and profile.expects("password") == "disabled"


def test_the_fleet_file_loads_with_its_profile(made):
    data = yaml.safe_load((made / "fleet.yaml").read_text())
    names = {variable for tenant in data["tenants"] for variable in tenant["credentials"].values()}
    fleet = load_fleet(made / "fleet.yaml", {name: "fake-value" for name in names})
    assert fleet.names() == ["acme", "acme-sandbox"]
    assert all(tenant.profile == str(made / "tenants" / "acme.yaml") for tenant in fleet.tenants)


def test_the_gitignore_keeps_out_what_a_run_writes_and_private_keys(made):
    lines = (made / ".gitignore").read_text().splitlines()
    assert {"reports/", ".zdconform/", "cassettes/.staging/", "*.key"} <= set(lines)
    assert "cassettes/" not in lines  # the recordings are the evidence: committed


def test_the_conftest_imports_the_cassette_fixtures(made):
    tree = ast.parse((made / "suites" / "conftest.py").read_text())
    imported = [node for node in tree.body if isinstance(node, ast.ImportFrom)]
    assert [(node.module, [a.name for a in node.names]) for node in imported] == [
        ("zdconform.pytest.cassettes", ["default_cassette_name", "vcr_cassette_dir"])]
    assert sorted(cassettes.__all__) == ["default_cassette_name", "vcr_cassette_dir"]


def test_requirements_name_this_version(made):
    assert f"zdconform=={__version__}" in (made / "requirements.txt").read_text().splitlines()


@pytest.mark.parametrize("name", sorted(ci_templates()))
def test_the_ci_templates_parse_and_install_from_requirements(made, name):
    text = (made / "ci" / name).read_text()
    document = yaml.safe_load(text)
    assert isinstance(document, dict) and document
    assert "pip install -r requirements.txt" in text
    assert "pip install ." not in text and "constraints.txt" not in text  # no checkout of zdconform here
    source = (ROOT / "docs" / "ci" / name).read_text()
    assert sum(old in source for old in INSTALLS) >= 1, "the template's install line changed: update INSTALLS"


def test_every_install_line_it_replaces_is_in_a_template():
    sources = "".join(path.read_text() for path in (ROOT / "docs" / "ci").glob("*.yml"))
    assert [old for old in INSTALLS if old not in sources] == []


def test_an_existing_file_is_refused_and_nothing_is_written(tmp_path, capsys):
    (tmp_path / "fleet.yaml").write_text("mine\n")
    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "would overwrite 1 file(s)" in err and "fleet.yaml" in err and "--force" in err and err.count("\n") == 1
    assert [p.name for p in tmp_path.iterdir()] == ["fleet.yaml"] and (tmp_path / "fleet.yaml").read_text() == "mine\n"


def test_force_overwrites(tmp_path):
    (tmp_path / "fleet.yaml").write_text("mine\n")
    assert main(["init", str(tmp_path), "--force"]) == 0
    assert "tenants:" in (tmp_path / "fleet.yaml").read_text()


@pytest.mark.parametrize("obstacle", ["tenants", "fleet.yaml/"])
def test_something_in_the_way_is_refused_even_with_force(tmp_path, capsys, obstacle):
    if obstacle.endswith("/"):
        (tmp_path / obstacle).mkdir()
    else:
        (tmp_path / obstacle).write_text("a file where a folder goes\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["init", str(tmp_path), "--force"]) == 2
    assert "nothing was written" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_folder_that_cannot_be_made_is_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["init", str(tmp_path / "file" / "project")]) == 2
    assert "cannot be written" in capsys.readouterr().err


def test_an_editable_install_ships_its_checkouts_checks():
    from zdconform.pytest.selection import INSTALLED_SUITES

    assert INSTALLED_SUITES == ROOT / "suites"  # this venv's install is editable: `zdconform run` works elsewhere


def test_a_projects_own_checks_are_collected_beside_the_shipped_ones(tmp_path, monkeypatch):
    import zdconform.cli as cli

    shipped = tmp_path / "site-packages" / "zdconform" / "suites"
    shipped.mkdir(parents=True)
    for name in ("conftest.py", "test_list_clients.py", "test_create_token.py"):
        (shipped / name).write_text("")
    own = tmp_path / "project" / "suites"
    own.mkdir(parents=True)
    for name in ("conftest.py", "test_create_token.py", "test_mine.py"):  # one replaces, one adds
        (own / name).write_text("")
    monkeypatch.setattr(cli, "INSTALLED_SUITES", shipped)
    assert cli._suites(own.parent) == [str(shipped), str(own), f"--ignore={shipped / 'test_create_token.py'}"]
    monkeypatch.setattr(cli, "INSTALLED_SUITES", own)  # a checkout: its suites/ are the shipped ones
    assert cli._suites(own.parent) == [str(own)]
