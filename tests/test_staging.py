"""A recording run stages its cassette folder and commits it whole (`recording.staging`).

Real files in pytest's temporary folders and the real `CassetteStore` (its manifest, its digests);
vcrpy's persister calls are made directly, with vcrpy's own YAML serializer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from vcr.request import Request
from vcr.serializers import yamlserializer

from zdconform.recording.staging import STAGING, new_run_id, staging_folder, sweep
from zdconform.recording.store import MANIFEST, CassetteStore


def cassette(uri: str) -> dict:
    response = {"status": {"code": 200, "message": "OK"}, "headers": {}, "body": {"string": "{}"}}
    return {"requests": [Request("GET", uri, None, {})], "responses": [response]}


def record(root, slug: str, names: list[str], *, skipped: tuple[str, ...] = (), complete: bool = True,
           run_id: str | None = None) -> CassetteStore:
    """A recording run of target `slug` that records `names` (and skips `skipped`), then commits."""
    folder = root / slug
    store = CassetteStore(folder, recording=True)
    store.staging = staging_folder(folder, run_id or new_run_id())
    for name in names:
        store.save_cassette(str(folder / "suite" / f"{name}.yaml"), cassette(f"https://x.invalid/{name}"),
                            yamlserializer)
    for name in skipped:
        store.mark_skipped(folder / "suite" / f"{name}.yaml", "no credential")
    store.commit(complete=complete)
    return store


def on_disk(folder) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def test_a_run_writes_nothing_in_the_target_folder_before_it_commits(tmp_path):
    folder = tmp_path / "acme"
    store = CassetteStore(folder, recording=True)
    store.staging = staging_folder(folder, new_run_id())
    store.save_cassette(str(folder / "suite" / "a.yaml"), cassette("https://x.invalid/a"), yamlserializer)
    assert not folder.exists() and (store.staging / "suite" / "a.yaml").is_file()
    assert store.commit(complete=True)
    assert on_disk(folder) == {MANIFEST, "suite/a.yaml"} and store.problems() == []
    assert not (tmp_path / STAGING).exists()  # the staging area is gone with the commit


def test_a_complete_rerecord_with_fewer_checks_leaves_no_older_file(tmp_path):
    record(tmp_path, "acme", ["a", "b", "c"])
    store = record(tmp_path, "acme", ["a"], skipped=("b",))
    assert on_disk(tmp_path / "acme") == {MANIFEST, "suite/a.yaml"}
    assert store.problems() == []
    manifest = json.loads((tmp_path / "acme" / MANIFEST).read_text())
    assert set(manifest["cassettes"]) == {"suite/a.yaml"} and set(manifest["skipped"]) == {"suite/b.yaml"}


def test_a_partial_rerecord_keeps_what_it_did_not_record_with_its_time(tmp_path):
    first = record(tmp_path, "acme", ["a", "b", "c"])
    kept = first.manifest["cassettes"]["suite/c.yaml"]
    store = record(tmp_path, "acme", ["a"], skipped=("b",), complete=False)
    assert on_disk(tmp_path / "acme") == {MANIFEST, "suite/a.yaml", "suite/c.yaml"}
    assert store.manifest["cassettes"]["suite/c.yaml"] == kept and "suite/b.yaml" in store.manifest["skipped"]
    assert store.problems() == []


def test_an_unchanged_cassette_keeps_its_recording_time_and_the_folder_is_byte_identical(tmp_path):
    record(tmp_path, "acme", ["a", "b"])
    before = {name: (tmp_path / "acme" / name).read_bytes() for name in on_disk(tmp_path / "acme")}
    record(tmp_path, "acme", ["a", "b"])
    assert {name: (tmp_path / "acme" / name).read_bytes() for name in on_disk(tmp_path / "acme")} == before


def test_a_run_that_staged_nothing_commits_nothing(tmp_path):
    record(tmp_path, "acme", ["a"])
    before = (tmp_path / "acme" / MANIFEST).read_bytes()
    store = CassetteStore(tmp_path / "acme", recording=True)
    store.staging = staging_folder(tmp_path / "acme", new_run_id())
    assert store.commit(complete=True) is False
    assert (tmp_path / "acme" / MANIFEST).read_bytes() == before


def _dead_pid() -> int:
    """A process id no process has: Linux's pid_max is one more than the largest it gives."""
    return int(Path("/proc/sys/kernel/pid_max").read_text())


def test_sweep_removes_what_a_killed_run_staged_and_spares_a_running_one(tmp_path):
    record(tmp_path, "acme", ["a"])
    dead = staging_folder(tmp_path / "acme", f"{_dead_pid()}-0000")
    alive = staging_folder(tmp_path / "acme", f"{os.getpid()}-1111")
    other = staging_folder(tmp_path / "acme.b", f"{_dead_pid()}-2222")  # another target whose name has a dot
    for folder in (dead, alive, other):
        (folder / "suite").mkdir(parents=True)
        (folder / "suite" / "x.yaml").write_text("partial")
    sweep(tmp_path / "acme")
    assert not dead.exists() and alive.exists() and other.exists()


def test_sweep_puts_back_a_folder_a_kill_left_aside_between_the_two_renames(tmp_path):
    record(tmp_path, "acme", ["a"])
    before = on_disk(tmp_path / "acme")
    aside = staging_folder(tmp_path / "acme", f"{_dead_pid()}-0000.previous")
    aside.parent.mkdir(parents=True, exist_ok=True)
    os.rename(tmp_path / "acme", aside)  # the kill came after the old folder moved aside
    sweep(tmp_path / "acme")
    assert on_disk(tmp_path / "acme") == before and not (tmp_path / STAGING).exists()
    assert CassetteStore(tmp_path / "acme").problems() == []


@pytest.mark.parametrize("complete", [True, False])
def test_the_store_verifies_after_every_kind_of_commit(tmp_path, complete):
    record(tmp_path, "acme", ["a", "b"])
    record(tmp_path, "acme", ["b", "c"], complete=complete)
    assert CassetteStore(tmp_path / "acme").problems() == []
