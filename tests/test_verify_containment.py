"""`verify` and replay stay inside the cassette folder: no `..`, absolute keys, links or non-files,
and a malformed manifest is one paragraph (exit 2), never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from zdconform.cli import main
from zdconform.exceptions import CassetteError
from zdconform.recording.files import sha256_file
from zdconform.recording.store import CassetteStore

from _evidence_support import copy_reference

NAME = "test_list_clients/test_list_clients[api-token].yaml"


@pytest.fixture
def folder(tmp_path) -> Path:
    copy_reference(tmp_path / "root")
    return tmp_path / "root" / "reference-emulator"


def verify(folder: Path, capsys) -> tuple[int, str, str]:
    code = main(["verify", "--cassettes", str(folder.parent)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def edit_manifest(folder: Path, change) -> None:
    path = folder / "MANIFEST.json"
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("key", ["../outside.yaml", "a/../../outside.yaml", "/tmp/outside.yaml",
                                 "a\\..\\outside.yaml", "~/outside.yaml"])
def test_a_key_outside_the_folder_is_refused(folder, capsys, key):
    outside = folder.parent / "outside.yaml"
    outside.write_text("interactions: []\n")
    edit_manifest(folder, lambda m: m["cassettes"].update({key: {"sha256": sha256_file(outside)}}))
    code, out, err = verify(folder, capsys)
    assert code == 2 and "malformed" in err and "Traceback" not in err and len(err.splitlines()) == 1


def test_a_symlinked_cassette_fails_verify_and_replay_in_one_paragraph(folder, capsys):
    path = folder / NAME
    copy = folder.parent / "elsewhere.yaml"
    copy.write_bytes(path.read_bytes())
    path.unlink()
    os.symlink(copy, path)  # same bytes, same SHA-256: only the link gives it away
    code, out, _ = verify(folder, capsys)
    assert code == 1 and f"unsafe: {NAME} (a symbolic link" in out
    with pytest.raises(CassetteError, match="symbolic link"):
        CassetteStore(folder).check_one(path)


def test_a_folder_listed_as_a_cassette_is_not_a_file(folder, capsys):
    (folder / "adir.yaml").mkdir()
    edit_manifest(folder, lambda m: m["cassettes"].update({"adir.yaml": {"sha256": "0" * 64}}))
    code, out, _ = verify(folder, capsys)
    assert code == 1 and "unsafe: adir.yaml (not a regular file)" in out


@pytest.mark.parametrize(("change", "fragment"), [
    pytest.param(lambda m: m.update(cassettes=list(m["cassettes"])), "`cassettes` is list", id="cassettes-a-list"),
    pytest.param(lambda m: m["cassettes"].update({NAME: "abc"}), "64-hex-digit", id="entry-a-string"),
    pytest.param(lambda m: m.update(target="reference-emulator"), "`target` is str", id="target-a-string"),
    pytest.param(lambda m: m.update(skipped=["x"]), "`skipped` is list", id="skipped-a-list"),
    pytest.param(lambda m: m["cassettes"][NAME].update(sha256=None), "64-hex-digit", id="sha-null"),
])
def test_a_malformed_manifest_is_one_paragraph(folder, capsys, change, fragment):
    edit_manifest(folder, change)
    code, out, err = verify(folder, capsys)
    assert code == 2 and fragment in err and "Traceback" not in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("content", [b"{", b"[" * 100_000 + b"]" * 100_000, b"\xff\xfe", b"null"])
def test_an_unreadable_manifest_is_one_paragraph(folder, capsys, content):
    (folder / "MANIFEST.json").write_bytes(content)
    code, _, err = verify(folder, capsys)
    assert code == 2 and "MANIFEST.json" in err and len(err.splitlines()) == 1 and len(err) < 600


def test_a_device_as_manifest_is_not_read(folder, capsys):
    (folder / "MANIFEST.json").unlink()
    os.symlink("/dev/zero", folder / "MANIFEST.json")
    code, _, err = verify(folder, capsys)
    assert code == 2 and "not a regular file" in err


CORRUPTIONS = [
    pytest.param("      code: 200", "      code: abc", "`status.code` is 'abc'", id="code-abc"),
    pytest.param("      code: 200", "      code: 99999", "`status.code` is 99999", id="code-out-of-range"),
    pytest.param("      code: 200", "      code: true", "`status.code` is True", id="code-a-boolean"),
    pytest.param("      code: 200", "      code: [1, 2]", "`status.code` is [1, 2]", id="code-a-list"),
    pytest.param("    status:\n", "    status: null\n    ignored:\n", "`status.code` is None", id="status-null"),
    pytest.param("      message: OK", "      message: [1]", "`status.message`", id="message-a-list"),
    pytest.param("      Content-Length:\n      - '1360'", "      Content-Length:\n      - [1360]", "`headers`",
                 id="header-value-a-list"),
    pytest.param("interactions:\n", "interactions: 5\nx:\n", "corrupt", id="interactions-a-number"),
    pytest.param("- request:\n", "- requestx:\n", "corrupt", id="request-missing"),
    pytest.param("interactions:\n", "interactions: [\n", "corrupt", id="not-yaml"),
]


def corrupt(folder: Path, old: str, new: str, *, rehash: bool = True) -> Path:
    from zdconform.recording.manifest import manifest_digest

    path = folder / NAME
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    if rehash:  # the hardest case: the manifest vouches for the corrupt file
        edit_manifest(folder, lambda m: (m["cassettes"][NAME].update(sha256=sha256_file(path)),
                                         m.update(manifest_sha256=manifest_digest(m))))
    return path


@pytest.mark.parametrize(("old", "new", "fragment"), CORRUPTIONS)
def test_a_corrupt_cassette_field_is_one_paragraph(folder, old, new, fragment):
    from vcr.serializers import yamlserializer

    path = corrupt(folder, old, new)
    with pytest.raises(CassetteError) as caught:
        CassetteStore(folder).load_cassette(str(path), yamlserializer)
    message = str(caught.value)
    assert fragment in message and NAME in message and len(message.splitlines()) == 1 and len(message) < 700


def test_a_cassette_not_utf8_or_too_big_is_refused_before_parsing(folder, monkeypatch):
    from vcr.serializers import yamlserializer

    path = folder / NAME
    path.write_bytes(path.read_bytes() + b"# \xff\xfe\n")
    edit_manifest(folder, lambda m: m["cassettes"][NAME].update(sha256=sha256_file(path)))
    store = CassetteStore(folder, verify=False)
    with pytest.raises(CassetteError, match="not UTF-8"):
        store.load_cassette(str(path), yamlserializer)
    monkeypatch.setattr("zdconform.recording.store.CASSETTE_LIMIT", 100)
    with pytest.raises(CassetteError, match="bigger than 100 bytes"):
        store.load_cassette(str(path), yamlserializer)


def test_reports_read_a_corrupt_cassette_as_unreadable_not_a_crash(folder):
    from zdconform.recording.interactions import try_read_interactions

    path = corrupt(folder, "      code: 200", "      code: abc")
    assert try_read_interactions(path) == ([], False)


@pytest.mark.e2e
def test_replay_of_a_corrupt_cassette_fails_that_check_in_one_paragraph_and_writes_the_evidence(folder, tmp_path):
    from _helpers import run_suites

    corrupt(folder, "      code: 200", "      code: abc")
    reports = tmp_path / "reports"
    run = run_suites("--zd-target=replay", f"--zd-cassette-root={folder.parent}", f"--zd-reports={reports}")
    assert run.returncode == 1 and "Traceback" not in run.output, run.output[-3000:]
    assert "`status.code` is 'abc', not an HTTP status" in run.output
    evidence = json.loads((reports / "evidence.json").read_text())
    [record] = [c for c in evidence["checks"] if c["check_id"] == "list_clients[api-token]"]
    assert record["verdict"] in ("error", "fail") and "`status.code` is 'abc'" in record["reason"]
    assert len(evidence["checks"]) > 30  # every other check is in the evidence too
