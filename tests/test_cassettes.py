"""The cassette store: atomic writes, the leak gate, the manifest and verification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from vcr.request import Request
from vcr.serializers import yamlserializer

from zdconform.exceptions import CassetteError, CassetteLeakError
from zdconform.recording.files import atomic_write
from zdconform.recording.scrub import SecretSet
from zdconform.recording.store import MANIFEST, CassetteStore


def cassette_dict(body: str = '{"ok":true}') -> dict:
    request = Request("GET", "https://reference-emulator.invalid/api/v2/users.json", None, {})
    response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": body.encode()}}
    return {"requests": [request], "responses": [response]}


def record(folder: Path, name: str = "a/test_x.yaml", body: str = '{"ok":true}', secrets=None) -> Path:
    store = CassetteStore(folder, label={"slug": folder.name}, recording=True)
    if secrets is not None:
        store.secrets = secrets
    path = folder / name
    store.save_cassette(str(path), cassette_dict(body), yamlserializer)
    return path


def test_atomic_write_keeps_old_file_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / "f.txt"
    path.write_text("old")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("os.replace", boom)
    with pytest.raises(OSError):
        atomic_write(path, "new")
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path], "no temporary file may be left behind"


def test_save_writes_cassette_and_manifest(tmp_path):
    path = record(tmp_path)
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    entry = manifest["cassettes"]["a/test_x.yaml"]
    assert entry["interactions"] == 1 and len(entry["sha256"]) == 64
    assert "metadata" in path.read_text()


def test_leak_gate_refuses_and_writes_nothing(tmp_path):
    known = SecretSet()
    known.add("hunter2-very-secret", "admin password")
    with pytest.raises(CassetteLeakError) as info:
        record(tmp_path, body='{"oops":"hunter2-very-secret"}', secrets=known)
    assert "hunter2" not in str(info.value) and "admin password" in str(info.value)
    assert not (tmp_path / "a" / "test_x.yaml").exists() and not (tmp_path / MANIFEST).exists()


def test_unchanged_rerecord_keeps_manifest_identical(tmp_path):
    record(tmp_path)
    first = (tmp_path / MANIFEST).read_text()
    record(tmp_path)
    assert (tmp_path / MANIFEST).read_text() == first


def test_verify_reports_modified_missing_and_extra(tmp_path):
    a = record(tmp_path, "a.yaml")
    b = record(tmp_path, "b.yaml")
    a.write_text(a.read_text() + " ")
    b.unlink()
    (tmp_path / "c.yaml").write_text("interactions: []\n")
    problems = {(p.kind, p.path) for p in CassetteStore(tmp_path).problems()}
    assert problems == {("modified", "a.yaml"), ("missing", "b.yaml"), ("extra", "c.yaml")}


@pytest.mark.parametrize(("damage", "fragment"), [
    pytest.param(lambda p: p.write_text(p.read_text()[:-20]), "modified after recording", id="truncated"),
    pytest.param(lambda p: p.unlink(), "missing", id="deleted"),
    pytest.param(lambda p: p.write_bytes(p.read_bytes().replace(b"200", b"201")), "modified", id="edited"),
])
def test_replay_load_refuses_damaged_cassette(tmp_path, damage, fragment):
    path = record(tmp_path)
    damage(path)
    store = CassetteStore(tmp_path)
    with pytest.raises(CassetteError, match=fragment):
        store.load_cassette(str(path), yamlserializer)


def test_replay_load_refuses_unlisted_cassette(tmp_path):
    record(tmp_path)
    stray = tmp_path / "a" / "stray.yaml"
    stray.write_text("interactions: []\nversion: 1\n")
    with pytest.raises(CassetteError, match="not listed"):
        CassetteStore(tmp_path).load_cassette(str(stray), yamlserializer)


def test_allow_unverified_replays_edited_cassette(tmp_path):
    path = record(tmp_path)
    path.write_text(path.read_text() + "\n")
    requests, responses, *_ = CassetteStore(tmp_path, verify=False).load_cassette(str(path), yamlserializer)
    assert len(requests) == 1 and responses[0]["status"]["code"] == 200


def test_interrupted_store_writes_nothing(tmp_path):
    store = CassetteStore(tmp_path, recording=True, interrupted=True)
    store.save_cassette(str(tmp_path / "x.yaml"), cassette_dict(), yamlserializer)
    assert not any(tmp_path.iterdir())


def test_corrupt_manifest_is_a_clear_error(tmp_path):
    (tmp_path / MANIFEST).write_text("{not json")
    with pytest.raises(CassetteError, match="git checkout"):
        CassetteStore(tmp_path)


def test_two_recorders_of_one_target_both_reach_the_manifest(tmp_path):
    """pytest-xdist workers each hold their own store; neither may drop the other's entries."""
    first = CassetteStore(tmp_path, label={"slug": "t"}, recording=True)
    second = CassetteStore(tmp_path, label={"slug": "t"}, recording=True)
    first.save_cassette(str(tmp_path / "a.yaml"), cassette_dict(), yamlserializer)
    second.save_cassette(str(tmp_path / "b.yaml"), cassette_dict(), yamlserializer)
    first.mark_skipped(tmp_path / "c.yaml", "no credential")
    manifest = json.loads((tmp_path / MANIFEST).read_text())
    assert set(manifest["cassettes"]) == {"a.yaml", "b.yaml"} and set(manifest["skipped"]) == {"c.yaml"}


def test_atomic_write_respects_the_umask(tmp_path):
    path = tmp_path / "f.txt"
    atomic_write(path, "x")
    import os

    current = os.umask(0)
    os.umask(current)
    assert path.stat().st_mode & 0o777 == 0o666 & ~current
