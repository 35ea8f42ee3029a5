"""Installed anywhere: the wheel, installed without `-e` into a fresh venv, runs the whole flow
from a copy of the project in another folder, finding every file from that project's root.

The wheel is built as pip builds any project (an isolated build from the configured index).
It is installed with `--no-deps --no-index` into a venv made without pip; its dependencies
(pytest, requests, vcrpy, ...) come from this project's own venv through one `.pth` line, so the
test needs no registry. The checkout's `zdconform/` is on no path of that venv: everything
zdconform reads comes from the wheel or from the copied project.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import requests

from zdconform.emulator import DEFAULT_CREDENTIALS, ZendeskEmulator

from _helpers import ROOT

pytestmark = pytest.mark.e2e

ADMIN = DEFAULT_CREDENTIALS["admin"]
ENV = {"ZENDESK_EMAIL": ADMIN["email"], "ZENDESK_API_TOKEN": ADMIN["api_token"],
       "ZENDESK_OAUTH_TOKEN": ADMIN["oauth_token"]}


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv holding the zdconform wheel (non-editable): its bin folder."""
    base = tmp_path_factory.mktemp("install")
    source = base / "source"  # built from a copy: pip builds in the tree, and other tests read the checkout
    for name in ("zdconform", "schemas", "suites", "docs/ci", "notebooks"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist"), str(source)],
                   check=True, capture_output=True, timeout=600)
    wheel = next((base / "dist").glob("zdconform-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "zdconform/schemas/evidence.json" in names and "zdconform/schemas/token_response.json" in names
    assert "zdconform/suites/conftest.py" in names and "zdconform/suites/test_list_clients.py" in names
    assert "zdconform/ci/conformance.github.yml" in names and "zdconform/ci/conformance.gitlab-ci.yml" in names
    assert "zdconform/notebooks/evidence.ipynb" in names
    assert not any(name.startswith(("suites/", "cassettes/", "tests/")) for name in names)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(base / "venv")], check=True, timeout=120)
    python = base / "venv" / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(wheel)], check=True, capture_output=True, timeout=300)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    (Path(purelib) / "zdconform-test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return base / "venv" / "bin"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project (suites, cassettes, tenants, pyproject.toml) in another folder."""
    folder = tmp_path / "elsewhere" / "my-project"
    for name in ("suites", "cassettes", "tenants"):
        shutil.copytree(ROOT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", ".*.lock"))
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    (folder / "notes").mkdir()  # commands run from here: the project is the nearest folder above
    return folder


def run(bin_dir: Path, *args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith(("ZENDESK_", "ZDCONFORM_", "PYTHONPATH", "VIRTUAL_ENV"))}
    return subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=cwd, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=300)


def test_the_wheel_is_what_runs(venv, project):
    where = run(venv, "python", "-c", "import zdconform, zdconform.conformance.schemas as s; "
                "print(zdconform.__file__); print(s.SCHEMAS_DIR)", cwd=project / "notes")
    assert str(ROOT) not in where.stdout and "site-packages" in where.stdout, where.stdout + where.stderr
    # built from a folder, not a repository URL: no commit to name, and it says so
    assert run(venv, "zdconform", "--version", cwd=project).stdout == "zdconform 0.1.0 (unknown commit)\n"
    assert run(venv, "python", "-m", "zdconform", "--version", cwd=project).returncode == 0


def test_the_whole_flow_from_a_project_folder_elsewhere(venv, project):
    notes = project / "notes"
    replay = run(venv, "zdconform", "run", cwd=notes)
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "54 passed, 2 skipped" in replay.stdout
    assert all((project / "reports" / name).is_file() for name in ("junit.xml", "evidence.json", "evidence.html"))
    evidence = json.loads((project / "reports" / "evidence.json").read_text())
    assert evidence["run"]["complete"] is True and len(evidence["checks"]) == 56

    plain = run(venv, "python", "-m", "pytest", "suites", "-q", "-p", "no:cacheprovider", cwd=project)
    assert plain.returncode == 0, plain.stdout[-3000:]

    verify = run(venv, "zdconform", "verify", cwd=notes)
    assert verify.returncode == 0 and str(project / "cassettes") in verify.stdout, verify.stdout + verify.stderr

    (notes / "saved.json").write_text('{"error": "Couldn\'t authenticate you"}')
    validate = run(venv, "zdconform", "validate", "--schema", "error_401_basic", "saved.json", cwd=notes)
    assert validate.returncode == 0, validate.stdout + validate.stderr

    report = run(venv, "zdconform", "report", cwd=notes)
    assert report.returncode == 0 and str(project / "reports" / "evidence.html") in report.stdout, report.stderr

    folder = "../cassettes/reference-emulator"
    diff = run(venv, "zdconform", "diff", folder, folder, cwd=notes)
    assert diff.returncode == 0, diff.stdout + diff.stderr


def test_cleanup_finds_what_a_live_run_journalled_whatever_its_cassette_root(venv, project, tmp_path):
    with ZendeskEmulator() as emulator:
        live = run(venv, "zdconform", "run", "--target", emulator.url, f"--zd-cassette-root={tmp_path / 'drift'}",
                   "-k", "create_token", cwd=project / "notes", env=ENV)
        assert live.returncode == 0, live.stdout + live.stderr
        assert (tmp_path / "drift").is_dir() and not (tmp_path / ".zdconform").exists()
        assert not (project / ".zdconform" / f"tokens-127.0.0.1_{emulator.port}.json").exists(), "all revoked"
        # what a run killed with --zd-cassette-root=drift leaves: a token journalled in the project, not revoked
        created = requests.post(f"{emulator.url}/api/v2/oauth/tokens.json", auth=(f"{ADMIN['email']}/token",
                                ADMIN["api_token"]), json={"token": {"client_id": "50328", "scopes": ["read"]}})
        token_id = created.json()["token"]["id"]
        journal = project / ".zdconform" / f"tokens-127.0.0.1_{emulator.port}.json"
        journal.write_text(json.dumps({"pending": {}, "tokens": {str(token_id): {"client_id": "50328"}}}))
        cleanup = run(venv, "zdconform", "cleanup", "--target", emulator.url, cwd=project / "notes", env=ENV)
        assert cleanup.returncode == 0, cleanup.stdout + cleanup.stderr
        assert f"revoked token {token_id}" in cleanup.stdout
        assert token_id not in {t["id"] for t in emulator.live_tokens()}


def test_the_wheel_alone_runs_in_an_empty_folder(venv, tmp_path):
    """No clone, no copied suites: the checks ship in the wheel. A recording against the emulator, then
    its replay, write cassettes/ and reports/ into the folder the user stands in, and nowhere else."""
    empty = tmp_path / "empty"
    empty.mkdir()
    recorded = run(venv, "zdconform", "run", "--target", "emulator", cwd=empty)
    assert recorded.returncode == 0, recorded.stdout[-3000:] + recorded.stderr[-3000:]
    assert (empty / "cassettes" / "reference-emulator" / "MANIFEST.json").is_file()
    replayed = run(venv, "zdconform", "run", cwd=empty)
    assert replayed.returncode == 0 and "REPLAY of reference-emulator" in replayed.stdout, replayed.stdout[-3000:]
    evidence = json.loads((empty / "reports" / "evidence.json").read_text())
    assert evidence["summary"]["verdicts"]["fail"] == 0 and evidence["summary"]["total"] == 56
    written = {p.name for p in empty.iterdir()}  # pytest's own cache aside, only what the user runs for
    assert {"cassettes", "reports"} <= written <= {"cassettes", "reports", ".zdconform", ".pytest_cache"}, written



OWN_CHECK = """
import pytest

from zdconform.conformance.context import method_params


@pytest.mark.zd_check("first_user")
@pytest.mark.parametrize("method", method_params())
def test_first_user(zd, method):
    response = zd.client.get("/api/v2/users.json?per_page=1", auth=zd.auth(method))
    assert response.status_code == (200 if zd.expected(method) == "allowed" else 401)
"""


def test_init_then_the_projects_own_checks_run_beside_the_shipped_ones(venv, tmp_path):
    """The newcomer's way: `zdconform init`, a check of one's own in suites/, a recording against the
    emulator and its replay: the 56 shipped checks and the project's own run together, in both."""
    made = run(venv, "zdconform", "init", "acme-conformance", cwd=tmp_path)
    project = tmp_path / "acme-conformance"
    assert made.returncode == 0 and (project / "ci" / "conformance.github.yml").is_file(), made.stdout + made.stderr
    (project / "suites" / "test_first_user.py").write_text(OWN_CHECK)
    for args in (["--target", "emulator"], []):  # record, then replay offline
        ran = run(venv, "zdconform", "run", *args, cwd=project / "tenants")
        assert ran.returncode == 0, ran.stdout[-3000:] + ran.stderr[-3000:]
        evidence = json.loads((project / "reports" / "evidence.json").read_text())
        ids = {check["check_id"] for check in evidence["checks"]}
        assert len(ids) == 56 + 3 and {"first_user[api-token]", "list_clients[api-token]"} <= ids, sorted(ids)
        assert evidence["run"]["complete"] is True
    assert (project / "cassettes" / "reference-emulator" / "test_first_user").is_dir()


def test_the_wheels_notebook_exports_a_run_in_any_folder(venv, tmp_path):
    """`zdconform notebook` in a folder with no notebooks/: the notebook the wheel ships runs on the run's reports."""
    empty = tmp_path / "empty"
    empty.mkdir()
    assert run(venv, "zdconform", "run", "--target", "emulator", cwd=empty).returncode == 0
    # nbconvert's templates are data files (share/jupyter) of the project's venv, which lends this one its packages
    jupyter = {"JUPYTER_PATH": str(Path(sys.prefix) / "share" / "jupyter")}
    exported = run(venv, "zdconform", "notebook", "reports", "--output", "page.html", cwd=empty, env=jupyter)
    assert exported.returncode == 0 and exported.stderr == "", exported.stdout + exported.stderr
    page = (empty / "page.html").read_text()
    assert "1 run(s) of 1 tenant(s), 0 transition(s)" in page and page.count('src="data:image/png;base64,') == 7
