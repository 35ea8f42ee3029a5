"""Signed evidence: once a cassette folder is signed, any change to a cassette or to its manifest,
rehashed or not, fails `zdconform verify --public-key`; a wrong key and a missing signature fail
too; the manifest's own content is sealed by `manifest_sha256`; no key or signature is ever printed."""

from __future__ import annotations

import base64
import json
import os
import random
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from zdconform.cli import main
from zdconform.exceptions import CassetteError
from zdconform.recording.files import sha256_file
from zdconform.recording.manifest import DIGEST, manifest_digest
from zdconform.recording.signing import SIGNATURE, check_signature, load_public_key
from zdconform.recording.store import CassetteStore

from _evidence_support import copy_reference
from _helpers import run_suites

NAME = "test_list_clients/test_list_clients[api-token].yaml"


def cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def key_material(keys: Path) -> list[str]:
    """Every rendering of the private key a leak could take: its PEM body, raw bytes in b64 and hex."""
    pem = (keys / "k.key").read_text()
    body = "".join(line for line in pem.splitlines() if "-----" not in line)
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    return [body, base64.b64encode(raw).decode(), raw.hex()]


@pytest.fixture
def keys(tmp_path, capsys) -> Path:
    folder = tmp_path / "keys"
    folder.mkdir()
    assert cli(capsys, "keygen", f"--out={folder / 'k'}")[0] == 0
    return folder


@pytest.fixture
def signed(tmp_path, keys, capsys) -> Path:
    """A signed copy of the reference cassettes."""
    folder = copy_reference(tmp_path / "root")
    code, out = cli(capsys, "sign", f"--cassettes={folder.parent}", f"--key={keys / 'k.key'}")
    assert code == 0 and "signed" in out, out
    return folder


def verify(capsys, folder: Path, key: Path | None) -> tuple[int, str]:
    return cli(capsys, "verify", f"--cassettes={folder.parent}", *([f"--public-key={key}"] if key else []))


def manifest(folder: Path) -> dict:
    return json.loads((folder / "MANIFEST.json").read_text())


def write_manifest(folder: Path, data: dict, *, reseal: bool) -> None:
    if reseal:
        data[DIGEST] = manifest_digest(data)
    (folder / "MANIFEST.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def test_keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites(keys, capsys):
    assert stat.S_IMODE((keys / "k.key").stat().st_mode) == 0o600
    assert (keys / "k.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
    before = (keys / "k.key").read_bytes()
    code, out = cli(capsys, "keygen", f"--out={keys / 'k'}")
    assert code == 2 and "never overwrites" in out and (keys / "k.key").read_bytes() == before


def test_a_signed_folder_verifies_and_no_key_or_signature_is_printed(signed, keys, capsys):
    code, out = verify(capsys, signed, keys / "k.pub")
    assert code == 0 and "signed by key" in out, out
    signature = json.loads((signed / SIGNATURE).read_text())["signature"]
    assert not [s for s in [*key_material(keys), signature] if s in out]


def edit_cassette(folder: Path, *, reseal: bool) -> None:
    path = folder / NAME
    path.write_text(path.read_text().replace("200", "201", 1))
    data = manifest(folder)
    data["cassettes"][NAME]["sha256"] = sha256_file(path)
    write_manifest(folder, data, reseal=reseal)


def edit_profile(folder: Path, *, reseal: bool) -> None:
    data = manifest(folder)
    data["target"]["profile"]["expect"]["password"] = "enabled"
    write_manifest(folder, data, reseal=reseal)


def drop_cassette(folder: Path, *, reseal: bool) -> None:
    data = manifest(folder)
    del data["cassettes"][NAME]
    (folder / NAME).unlink()
    write_manifest(folder, data, reseal=reseal)


def add_cassette(folder: Path, *, reseal: bool) -> None:
    extra = folder / "test_list_clients" / "added.yaml"
    extra.write_bytes((folder / NAME).read_bytes())
    data = manifest(folder)
    data["cassettes"]["test_list_clients/added.yaml"] = {**data["cassettes"][NAME], "sha256": sha256_file(extra)}
    write_manifest(folder, data, reseal=reseal)


def edit_skipped(folder: Path, *, reseal: bool) -> None:
    data = manifest(folder)
    data["skipped"] = {}
    write_manifest(folder, data, reseal=reseal)


TAMPERINGS = [edit_cassette, edit_profile, drop_cassette, add_cassette, edit_skipped]


@pytest.mark.parametrize("reseal", [False, True], ids=["not-rehashed", "rehashed"])
@pytest.mark.parametrize("tamper", TAMPERINGS, ids=lambda f: f.__name__.replace("_", "-"))
def test_any_change_rehashed_or_not_fails_verify_with_the_public_key(signed, keys, capsys, tamper, reseal):
    tamper(signed, reseal=reseal)
    code, out = verify(capsys, signed, keys / "k.pub")
    assert code == 1 and "FAILED" in out and "Traceback" not in out, out
    if reseal:
        assert "signature: MANIFEST.json.sig (MANIFEST.json is not the file key" in out


def test_a_cassette_edited_without_rehashing_is_named(signed, keys, capsys):
    (signed / NAME).write_text((signed / NAME).read_text() + "# edited\n")
    code, out = verify(capsys, signed, keys / "k.pub")
    assert code == 1 and f"modified: {NAME}" in out


def test_a_manifest_only_reformatted_fails_too(signed, keys, capsys):
    data = manifest(signed)
    (signed / "MANIFEST.json").write_text(json.dumps(data, indent=4, sort_keys=True) + "\n")  # same content
    assert verify(capsys, signed, keys / "k.pub")[0] == 1


def test_every_sampled_one_byte_edit_of_the_manifest_fails(signed, keys):
    path, trusted = signed / "MANIFEST.json", load_public_key(keys / "k.pub")
    original = path.read_bytes()
    for position in random.Random(11).sample(range(len(original)), 60):
        damaged = bytearray(original)
        damaged[position] ^= 0x01
        path.write_bytes(bytes(damaged))
        assert check_signature(signed, trusted) is not None, position
    path.write_bytes(original)
    assert check_signature(signed, trusted) is None


def test_a_wrong_key_fails(signed, tmp_path, capsys):
    assert cli(capsys, "keygen", f"--out={tmp_path / 'other'}")[0] == 0
    code, out = verify(capsys, signed, tmp_path / "other.pub")
    assert code == 1 and "not by the given key" in out


def test_a_resigned_recording_fails_against_the_auditors_key(signed, keys, tmp_path, capsys):
    edit_profile(signed, reseal=True)
    assert cli(capsys, "keygen", f"--out={tmp_path / 'forger'}")[0] == 0
    assert cli(capsys, "sign", f"--cassettes={signed.parent}", f"--key={tmp_path / 'forger.key'}")[0] == 0
    code, out = verify(capsys, signed, keys / "k.pub")
    assert code == 1 and "not by the given key" in out


def test_a_missing_signature_fails_when_a_public_key_is_given(signed, keys, capsys):
    (signed / SIGNATURE).unlink()
    code, out = verify(capsys, signed, keys / "k.pub")
    assert code == 1 and "never signed, or its signature was removed" in out
    assert verify(capsys, signed, None)[0] == 0  # without a key, a signature is not required


@pytest.mark.parametrize("content", [b"", b"{", b"[]", b'{"algorithm": "Ed25519"}', b"\xff\xfe",
                                     b'{"algorithm": "Ed25519", "public_key": "AAAA", "signature": "!!"}',
                                     b"[" * 100_000])
def test_a_malformed_signature_is_one_line(signed, keys, capsys, content):
    (signed / SIGNATURE).write_bytes(content)
    code, out = verify(capsys, signed, keys / "k.pub")
    [line] = [line for line in out.splitlines() if line.startswith("signature:")]
    assert code == 1 and "cannot be read" in line and "Traceback" not in out and len(line) < 600


def test_a_device_as_signature_is_not_read(signed, keys, capsys):
    (signed / SIGNATURE).unlink()
    os.symlink("/dev/zero", signed / SIGNATURE)
    code, out = verify(capsys, signed, keys / "k.pub")
    assert code == 1 and "not a regular file" in out


def test_verify_without_a_key_says_who_signed_and_fails_a_stale_signature(signed, capsys):
    code, out = verify(capsys, signed, None)
    assert code == 0 and "not checked against a trusted key" in out
    edit_profile(signed, reseal=True)
    code, out = verify(capsys, signed, None)  # a present signature that no longer matches fails, key or not
    assert code == 1 and "it was changed after signing" in out, out


@pytest.mark.parametrize("name", ["k.key", "missing.pub", "not-a-key"])
def test_a_bad_public_key_is_one_paragraph_and_never_echoes_a_private_key(signed, keys, capsys, name):
    (keys / "not-a-key").write_text("-----BEGIN PUBLIC KEY-----\nnonsense\n-----END PUBLIC KEY-----\n")
    code, out = verify(capsys, signed, keys / name)
    assert code == 2 and len(out.strip().splitlines()) == 1 and "Traceback" not in out
    assert not [s for s in key_material(keys) if s in out]


@pytest.mark.parametrize("value", ["-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIsecretsecret\n", "hunter2-secret",
                                   "\udcff\x00"])
def test_a_bad_signing_key_in_the_environment_is_never_echoed(signed, capsys, monkeypatch, value):
    monkeypatch.setattr(os, "environ", {**os.environ, "ZDCONFORM_SIGNING_KEY": value})  # any str, even unsettable
    code, out = cli(capsys, "sign", f"--cassettes={signed.parent}")
    assert code == 2 and "ZDCONFORM_SIGNING_KEY" in out and "not shown" in out
    assert "secretsecret" not in out and "hunter2" not in out


def test_sign_without_a_key_and_sign_of_a_damaged_folder_are_refused(signed, keys, capsys, monkeypatch):
    monkeypatch.delenv("ZDCONFORM_SIGNING_KEY", raising=False)
    monkeypatch.delenv("ZDCONFORM_SIGNING_KEY_FILE", raising=False)
    assert cli(capsys, "sign", f"--cassettes={signed.parent}")[0] == 2
    before = (signed / SIGNATURE).read_bytes()
    edit_cassette(signed, reseal=False)
    code, out = cli(capsys, "sign", f"--cassettes={signed.parent}", f"--key={keys / 'k.key'}")
    assert code == 2 and "Refusing to sign" in out and (signed / SIGNATURE).read_bytes() == before


def test_an_edited_profile_is_caught_by_verify_and_refused_by_replay(tmp_path, capsys):
    folder = copy_reference(tmp_path)
    edit_profile(folder, reseal=False)
    code, out = verify(capsys, folder, None)
    assert code == 1 and "modified: MANIFEST.json (its content" in out
    with pytest.raises(CassetteError, match="cannot be trusted"):
        CassetteStore(folder)
    CassetteStore(folder, verify=False)  # --zd-allow-unverified replays it anyway


def test_a_manifest_without_its_digest_is_a_problem(tmp_path, capsys):
    folder = copy_reference(tmp_path)
    data = manifest(folder)
    del data[DIGEST]
    write_manifest(folder, data, reseal=False)
    code, out = verify(capsys, folder, None)
    assert code == 1 and "has no `manifest_sha256`" in out


def test_a_recording_with_a_key_in_the_environment_signs_every_manifest_write(tmp_path, monkeypatch):
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    monkeypatch.setenv("ZDCONFORM_SIGNING_KEY", pem)
    store = CassetteStore(tmp_path, label={"slug": "t"}, recording=True)
    assert "PRIVATE" not in repr(store) and pem not in repr(store)
    store.mark_skipped(tmp_path / "a.yaml", "not this time")
    assert check_signature(tmp_path, key.public_key()) is None
    store.mark_skipped(tmp_path / "b.yaml", "nor this")
    assert check_signature(tmp_path, key.public_key()) is None
    assert manifest(tmp_path)[DIGEST] == manifest_digest(manifest(tmp_path))


@pytest.mark.e2e
def test_a_signed_recording_run_verifies_and_prints_no_key_anywhere(tmp_path, keys, capsys):
    reports = tmp_path / "reports"
    env = {"ZDCONFORM_SIGNING_KEY": (keys / "k.key").read_text()}
    run = run_suites("--zd-target=emulator", f"--zd-cassette-root={tmp_path / 'c'}", f"--zd-reports={reports}",
                     f"--junitxml={reports / 'junit.xml'}", "-vv", "-l", "--log-cli-level=DEBUG", env=env)
    assert run.returncode == 0, run.output[-3000:]
    folder = tmp_path / "c" / "reference-emulator"
    code, out = verify(capsys, folder, keys / "k.pub")
    assert code == 0, out
    signature = json.loads((folder / SIGNATURE).read_text())["signature"]
    written = [p.read_text(errors="replace") for p in reports.rglob("*") if p.is_file()]
    for text in [run.output, out, *written]:
        assert not [s for s in [*key_material(keys), signature] if s in text]


@pytest.mark.e2e
def test_replay_of_an_edited_profile_is_refused_in_one_paragraph(tmp_path):
    folder = copy_reference(tmp_path / "c")
    edit_profile(folder, reseal=False)
    run = run_suites("--zd-target=replay", f"--zd-cassette-root={folder.parent}",
                     f"--zd-reports={tmp_path / 'reports'}")
    assert run.returncode == 4 and "cannot be trusted" in run.output and "Traceback" not in run.output
