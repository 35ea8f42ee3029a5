"""`zdconform verify` catches every edited byte, deleted cassette and added cassette, every time.

Each case damages a fresh copy of the committed reference cassettes in one way and expects
`verify` to exit 1 naming exactly that file, and the undamaged copy to verify clean.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from zdconform.cli import main
from zdconform.recording.store import CassetteStore

from _evidence_support import REFERENCE, copy_reference

CASSETTES = sorted(p.relative_to(REFERENCE).as_posix() for p in REFERENCE.rglob("*.yaml"))
POSITIONS = ["first", "middle", "last", "random"]


def verify(root: Path, capsys) -> tuple[int, str]:
    code = main(["verify", "--cassettes", str(root)])
    return code, capsys.readouterr().out


@pytest.fixture
def root(tmp_path) -> Path:
    copy_reference(tmp_path)
    return tmp_path


def test_committed_cassettes_verify_clean(root, capsys):
    assert CASSETTES, "no committed reference cassettes"
    code, out = verify(root, capsys)
    assert code == 0 and "OK:" in out


@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("name", CASSETTES)
def test_one_edited_byte_is_caught(root, capsys, name, position):
    path = root / "reference-emulator" / name
    data = bytearray(path.read_bytes())
    rng = random.Random(f"{name}:{position}")  # seeded per case: the same byte on every run
    index = {"first": 0, "middle": len(data) // 2, "last": len(data) - 1,
             "random": rng.randrange(len(data))}[position]
    data[index] ^= rng.randrange(1, 256)  # never a no-op
    path.write_bytes(bytes(data))
    code, out = verify(root, capsys)
    assert code == 1 and f"modified: {name}" in out
    assert [(p.kind, p.path) for p in CassetteStore(root / "reference-emulator").problems()] == [("modified", name)]


@pytest.mark.parametrize("name", CASSETTES)
def test_one_deleted_cassette_is_caught(root, capsys, name):
    (root / "reference-emulator" / name).unlink()
    code, out = verify(root, capsys)
    assert code == 1 and f"missing: {name}" in out
    assert [(p.kind, p.path) for p in CassetteStore(root / "reference-emulator").problems()] == [("missing", name)]


@pytest.mark.parametrize("where", ["beside", "new-folder", "top"])
@pytest.mark.parametrize("name", CASSETTES[:3] + CASSETTES[-1:])
def test_one_added_cassette_is_caught(root, capsys, name, where):
    source = root / "reference-emulator" / name
    added = {"beside": source.with_name("copy-" + source.name),
             "new-folder": source.parent.parent / "test_extra" / source.name,
             "top": root / "reference-emulator" / source.name}[where]
    added.parent.mkdir(parents=True, exist_ok=True)
    added.write_bytes(source.read_bytes())
    code, out = verify(root, capsys)
    key = added.relative_to(root / "reference-emulator").as_posix()
    assert code == 1 and f"extra: {key}" in out
    assert [(p.kind, p.path) for p in CassetteStore(root / "reference-emulator").problems()] == [("extra", key)]


def test_an_edited_byte_that_keeps_the_size_is_caught(root, capsys):
    path = root / "reference-emulator" / CASSETTES[0]
    text = path.read_text()
    path.write_text(text.replace("200", "201", 1) if "200" in text else text[:-1] + "X")
    assert path.stat().st_size == (REFERENCE / CASSETTES[0]).stat().st_size
    code, out = verify(root, capsys)
    assert code == 1 and f"modified: {CASSETTES[0]}" in out
