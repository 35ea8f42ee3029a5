"""`zdconform diff OLD NEW`: body-shape and status drift per endpoint, and nothing else."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from zdconform.cli import main
from zdconform.reporting.drift import endpoint_of

from _evidence_support import REFERENCE, copy_reference

CLIENT = {"id": 50328, "name": "app", "kind": "confidential", "logo_url": None,
          "created_at": "2023-04-12T09:30:00Z", "secret": "REDACTED"}
TOKEN = {"token": {"id": 1830000000001, "token": "REDACTED", "expires_at": None, "scopes": ["read"]}}


def interaction(method: str, path: str, status: int, body) -> dict:
    text = body if isinstance(body, str) else json.dumps(body)
    return {"request": {"method": method, "uri": f"https://reference-emulator.invalid{path}", "body": None,
                        "headers": {"Authorization": ["Bearer REDACTED"]}},
            "response": {"status": {"code": status, "message": ""}, "headers": {}, "body": {"string": text}}}


def recording(folder: Path, cassettes: dict[str, list[dict]], slug: str = "reference-emulator") -> Path:
    folder.mkdir(parents=True)
    (folder / "MANIFEST.json").write_text(json.dumps({"target": {"slug": slug}, "cassettes": {}}))
    for name, interactions in cassettes.items():
        (folder / name).write_text(yaml.safe_dump({"interactions": interactions, "version": 1}))
    return folder


def clients(*items, status: int = 200) -> dict:
    return interaction("GET", "/api/v2/oauth/clients.json", status, {"clients": list(items), "count": len(items)})


def diff(tmp_path: Path, old: dict, new: dict, capsys, new_slug: str = "reference-emulator") -> tuple[int, str]:
    a = recording(tmp_path / "old", old)
    b = recording(tmp_path / "new", new, new_slug)
    code = main(["diff", str(a), str(b)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_committed_recording_against_itself_has_no_drift(capsys):
    assert main(["diff", str(REFERENCE), str(REFERENCE)]) == 0
    assert "OK: no drift" in capsys.readouterr().out


def test_values_that_always_change_are_not_drift(tmp_path, capsys):
    other = {**CLIENT, "id": 99, "created_at": "2026-01-01T00:00:00Z", "name": "renamed", "secret": "REDACTED"}
    old = {"a.yaml": [clients(CLIENT), interaction("DELETE", "/api/v2/oauth/tokens/1830000000001.json", 204, "")]}
    new = {"a.yaml": [clients(other), interaction("DELETE", "/api/v2/oauth/tokens/1830000000777.json", 204, "")]}
    old["a.yaml"][0]["request"]["uri"] += "?page[after]=abc"
    code, out = diff(tmp_path, old, new, capsys)
    assert code == 0, out


FIELD = "200: {} $.clients[].{}"


@pytest.mark.parametrize(("change", "expected"), [
    pytest.param(lambda c: {**c, "global": False}, FIELD.format("field added:", "global (boolean)"), id="added"),
    pytest.param(lambda c: {k: v for k, v in c.items() if k != "kind"},
                 FIELD.format("field removed:", "kind (string)"), id="removed"),
    pytest.param(lambda c: {**c, "id": str(c["id"])}, FIELD.format("type changed:", "id integer -> string"),
                 id="type"),
    pytest.param(lambda c: {**c, "kind": None}, FIELD.format("nullability changed:", "kind string -> null"),
                 id="now-null"),
    pytest.param(lambda c: {**c, "logo_url": "https://x.example/l.png"},
                 FIELD.format("nullability changed:", "logo_url null -> string"), id="no-longer-null"),
])
def test_field_drift_is_reported_per_endpoint(tmp_path, capsys, change, expected):
    code, out = diff(tmp_path, {"a.yaml": [clients(CLIENT)]}, {"a.yaml": [clients(change(CLIENT))]}, capsys)
    assert code == 1
    assert "GET /api/v2/oauth/clients.json" in out and expected in out
    assert "DRIFT: 1 change(s) in 1 endpoint(s)" in out


def test_sometimes_null_is_a_nullability_change(tmp_path, capsys):
    code, out = diff(tmp_path, {"a.yaml": [clients(CLIENT, CLIENT)]},
                     {"a.yaml": [clients(CLIENT, {**CLIENT, "kind": None})]}, capsys)
    assert code == 1 and "200: nullability changed: $.clients[].kind string -> null | string" in out


def test_status_change_is_reported_with_its_cassette(tmp_path, capsys):
    denied = interaction("GET", "/api/v2/oauth/clients.json", 401, {"error": "Couldn't authenticate you"})
    code, out = diff(tmp_path, {"pw.yaml": [denied]}, {"pw.yaml": [clients(CLIENT)]}, capsys)
    assert code == 1
    assert "status changed: 401 -> 200 (pw.yaml #0)" in out
    assert "401: responses with this status only in OLD" in out


def test_ids_in_paths_are_normalised():
    assert endpoint_of({"method": "DELETE", "path": "/api/v2/oauth/tokens/1830000000001.json"}) == \
        "DELETE /api/v2/oauth/tokens/{id}.json"
    assert endpoint_of({"method": "GET", "path": "/api/v2/users.json?page[size]=100"}) == "GET /api/v2/users.json"


def test_fields_inside_an_empty_array_are_not_removed(tmp_path, capsys):
    code, out = diff(tmp_path, {"a.yaml": [clients(CLIENT)]}, {"a.yaml": [clients()]}, capsys)
    assert code == 0, out


def test_endpoint_and_interaction_count_changes(tmp_path, capsys):
    create = interaction("POST", "/api/v2/oauth/tokens.json", 201, TOKEN)
    code, out = diff(tmp_path, {"a.yaml": [clients(CLIENT)]}, {"a.yaml": [clients(CLIENT), create]}, capsys)
    assert code == 1
    assert "POST /api/v2/oauth/tokens.json\n  endpoint newly recorded" in out
    assert "a.yaml: 1 interaction(s) -> 2" in out


@pytest.mark.parametrize(("setup", "fragment"), [
    pytest.param(lambda t: (t / "nope", REFERENCE), "is not a folder", id="missing-folder"),
    pytest.param(lambda t: (t, REFERENCE), "holds no cassettes", id="empty-folder"),
])
def test_bad_input_exits_2_with_one_paragraph(tmp_path, capsys, setup, fragment):
    old, new = setup(tmp_path)
    assert main(["diff", str(old), str(new)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "Traceback" not in err


def test_different_targets_are_refused(tmp_path, capsys):
    code, out = diff(tmp_path, {"a.yaml": [clients(CLIENT)]}, {"a.yaml": [clients(CLIENT)]}, capsys,
                     new_slug="acme.zendesk.com")
    assert code == 2 and "record different targets" in out


def test_corrupt_cassette_is_bad_input(tmp_path, capsys):
    folder = copy_reference(tmp_path / "copy")
    next(folder.rglob("*.yaml")).write_text("interactions: [unclosed\n")
    assert main(["diff", str(REFERENCE), str(folder)]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_cassette_root_with_one_target_is_accepted(tmp_path, capsys):
    copy = copy_reference(tmp_path / "cassettes")  # not the project's root: it may hold the user's recordings too
    assert main(["diff", str(copy.parent), str(REFERENCE)]) == 0, capsys.readouterr().err


@pytest.mark.e2e
def test_a_fresh_emulator_recording_has_no_drift_from_the_committed_one(tmp_path, capsys, emulator_recording):
    """A fresh recording against the emulator (the session's one); the checks both recordings hold show no drift."""
    shutil.copytree(emulator_recording, tmp_path / "new")  # a copy: _keep_common deletes files
    old, new = copy_reference(tmp_path / "old"), tmp_path / "new" / "reference-emulator"
    _keep_common(old, new)
    assert main(["diff", str(old), str(new)]) == 0, capsys.readouterr().out


def _keep_common(a: Path, b: Path) -> None:
    names = [{p.relative_to(f).as_posix() for p in f.rglob("*.yaml")} for f in (a, b)]
    assert len(names[0] & names[1]) >= 12
    for folder, mine, theirs in ((a, *names), (b, *reversed(names))):
        for name in mine - theirs:
            (folder / name).unlink()


def test_a_target_in_two_cassette_roots(tmp_path, capsys):
    """The live CI jobs' drift step: `diff --target URL COMMITTED_ROOT NEW_ROOT`."""
    committed, new = tmp_path / "committed", tmp_path / "new"
    recording(committed / "acme.zendesk.com", {"a.yaml": [clients(CLIENT)]}, "acme.zendesk.com")
    recording(committed / "reference-emulator", {"a.yaml": [clients(CLIENT, status=500)]})
    recording(new / "acme.zendesk.com", {"a.yaml": [clients(CLIENT, status=401)]}, "acme.zendesk.com")
    assert main(["diff", "--target", "https://acme.zendesk.com", str(committed), str(new)]) == 1
    assert "status changed: 200 -> 401" in capsys.readouterr().out
    first = tmp_path / "empty"
    first.mkdir()
    assert main(["diff", "--target", "https://acme.zendesk.com", str(first), str(new)]) == 0
    assert "its first, nothing to compare" in capsys.readouterr().out
    assert main(["diff", "--target", "https://other.zendesk.com", str(committed), str(new)]) == 0
    capsys.readouterr()
    assert main(["diff", "--target", "https://acme.zendesk.com", str(committed), str(first)]) == 2
    assert "is not a folder" in capsys.readouterr().err
