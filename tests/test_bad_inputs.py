"""A catalogue of bad inputs: each gets one paragraph naming the thing, a non-zero exit, no
traceback, no hang, and leaves what was there (reports/ included) as it was."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_cleanup import _clean_env

from zdconform.cli import main
from zdconform.emulator import load_tenant
from zdconform.exceptions import ProfileError
from zdconform.settings import load_profile

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
    for i in range(9))


def bad_file(tmp_path: Path, kind: str) -> str:
    path = tmp_path / f"{kind}.yaml"
    contents = {"alias-bomb": BOMB.encode(), "not-utf8": b"expect:\n  password: \xff\xfe\n",
                "huge-key": b"expect:\n  " + b"k" * 200_000 + b": enabled\n",
                "deep": b"[" * 100_000 + b"]" * 100_000, "too-big": b"# " + b"x" * 50_000_000 + b"\n"}
    if kind == "dev-zero":
        return "/dev/zero"
    if kind == "a-folder":
        path.mkdir()
        return str(path)
    path.write_bytes(contents[kind])
    return str(path)


KINDS = ["alias-bomb", "not-utf8", "huge-key", "too-big", "deep", "dev-zero", "a-folder"]


def one_paragraph(text: str) -> bool:
    return bool(text.strip()) and "Traceback" not in text and len(text.strip().splitlines()) == 1 and len(text) < 700


@pytest.mark.parametrize("kind", KINDS)
def test_a_bad_profile(tmp_path, kind):
    started = time.monotonic()
    with pytest.raises(ProfileError) as caught:
        load_profile(bad_file(tmp_path, kind))
    assert one_paragraph(str(caught.value)) and time.monotonic() - started < 5


@pytest.mark.parametrize("kind", KINDS)
def test_a_bad_emulator_tenant(tmp_path, kind):
    started = time.monotonic()
    with pytest.raises(ProfileError) as caught:
        load_tenant(bad_file(tmp_path, kind))
    assert one_paragraph(str(caught.value)) and time.monotonic() - started < 5


@pytest.mark.parametrize("kind", ["not-utf8", "deep", "dev-zero", "a-folder"])
def test_a_bad_file_to_validate(tmp_path, capsys, kind):
    started = time.monotonic()
    assert main(["validate", "--schema", "token_response", bad_file(tmp_path, kind)]) == 2
    assert one_paragraph(capsys.readouterr().err) and time.monotonic() - started < 5


@pytest.mark.parametrize("content", [b"{", b"[]", b'{"tokens": [], "pending": {}}', b"\xff", b"[" * 100_000])
def test_a_corrupt_journal_for_cleanup(tmp_path, capsys, monkeypatch, content):
    monkeypatch.setenv("ZENDESK_OAUTH_TOKEN", "fakeadmin0oauthtoken0readwrite".ljust(64, "0"))
    journal = tmp_path / "tokens-127.0.0.1_9.json"
    journal.write_bytes(content)
    assert main(["cleanup", "--target=http://127.0.0.1:9", f"--journal={tmp_path}"]) == 2
    assert one_paragraph(capsys.readouterr().err) and journal.read_bytes() == content


RUNS = [
    pytest.param(["--target=https://fake:Pw-0000000@acme.zendesk.com"], {}, id="userinfo-target"),
    pytest.param(["--target=https://" + "a" * 300 + ".zendesk.com"], {}, id="300-character-host"),
    pytest.param(["--target=https://acme.zendesk.com:99999"], {}, id="bad-port"),
    pytest.param(["--target=emulator", "--profile=PROFILE"], {}, id="alias-bomb-profile"),
    pytest.param(["--target=emulator", "--profile=/dev/zero"], {}, id="dev-zero-profile"),
    pytest.param([], {"ZDCONFORM_ALLOW_UNVERIFIED": "maybe"}, id="not-a-switch"),
]


@pytest.mark.e2e
@pytest.mark.parametrize(("args", "env"), RUNS)
def test_a_rejected_run_leaves_reports_as_they_were(tmp_path, args, env):
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "junit.xml").write_text("<previous/>")
    (tmp_path / "p.yaml").write_text(BOMB)
    args = [a.replace("PROFILE", str(tmp_path / "p.yaml")) for a in args]
    proc = subprocess.run([str(Path(sys.executable).parent / "zdconform"), "run", f"--reports={reports}", *args],
                          env={**_clean_env(), **env}, capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 4, out
    assert "Traceback" not in out and "Pw-0000000" not in out
    assert sorted(os.listdir(reports)) == ["junit.xml"] and (reports / "junit.xml").read_text() == "<previous/>"


@pytest.mark.parametrize("value", ["tökén-with-umlauts-000000000000", "token with spaces 0000000000",
                                   "token\nwith-a-line-break-0000", "\udcff\udcfe-undecodable-000000000", "€" * 40])
def test_a_bearer_token_that_cannot_go_into_a_header_is_one_paragraph(value):
    from zdconform.exceptions import UsageError
    from zdconform.settings import Credentials

    with pytest.raises(UsageError) as caught:
        Credentials.from_env("admin", {"ZENDESK_OAUTH_TOKEN": value})
    message = str(caught.value)
    assert one_paragraph(message) and "ZENDESK_OAUTH_TOKEN" in message and value not in message
    assert value[:6] not in message


def test_a_non_ascii_password_is_still_sent_base64_encoded():
    from zdconform.settings import Credentials

    assert Credentials.from_env("admin", {"ZENDESK_EMAIL": "a@b.example", "ZENDESK_PASSWORD": "pässwörd-€"}).password


@pytest.mark.parametrize("where", ["a-file", "under-a-file", "dev-null-below"])
def test_an_unwritable_reports_folder_is_refused_before_anything_runs(tmp_path, where):
    from zdconform.exceptions import UsageError
    from zdconform.recording.files import check_writable_folder

    (tmp_path / "f").write_text("x")
    path = {"a-file": tmp_path / "f", "under-a-file": tmp_path / "f" / "r", "dev-null-below": Path("/dev/null/r")}
    with pytest.raises(UsageError) as caught:
        check_writable_folder(path[where], "reports folder", "Give `--zd-reports` a folder you can write to.")
    assert one_paragraph(str(caught.value)) and "--zd-reports" in str(caught.value)
    check_writable_folder(tmp_path / "new" / "deeper", "reports folder", "")  # a folder still to make is fine


def test_a_report_that_cannot_be_written_is_one_paragraph(tmp_path, monkeypatch):
    from zdconform.exceptions import UsageError
    from zdconform.reporting import publish

    def refuse(path, text, mode=None):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(publish, "atomic_write", refuse)
    monkeypatch.setattr(publish, "gate", lambda *a: None)
    monkeypatch.setattr(publish.evidence, "build", lambda *a: {})
    monkeypatch.setattr(publish, "render", lambda *a: "")
    monkeypatch.setattr(publish, "findings", lambda *a: [])
    info = type("Info", (), {"reports": tmp_path, "slug": "t", "profile": type("P", (), {"name": "p"}),
                             "started_at": "", "secrets": None})()
    with pytest.raises(UsageError) as caught:
        publish.publish(info, [])
    assert one_paragraph(str(caught.value)) and "Permission denied" in str(caught.value)


BAD_ENVIRONMENTS = [
    pytest.param(["--reports=FILE"], {}, 4, id="reports-a-file"),
    pytest.param(["--reports=FILE/below"], {}, 4, id="reports-under-a-file"),
    pytest.param(["--target=https://127.0.0.1:9"], {"ZENDESK_OAUTH_TOKEN": "tökén-0000000000000000"}, 4,
                 id="non-latin1-oauth-token"),
    pytest.param(["--target=replay", "--zd-reports=FILE/below"], {}, 4, id="zd-reports-under-a-file"),
]


@pytest.mark.e2e
@pytest.mark.parametrize(("args", "env", "code"), BAD_ENVIRONMENTS)
def test_an_unusable_reports_folder_or_credential_is_one_paragraph(tmp_path, args, env, code):
    (tmp_path / "file").write_text("x")
    args = [a.replace("FILE", str(tmp_path / "file")) for a in args]
    if not any(a.startswith("--reports") for a in args):
        args.append(f"--reports={tmp_path / 'reports'}")
    proc = subprocess.run([str(Path(sys.executable).parent / "zdconform"), "run", *args],
                          env={**_clean_env(), **env}, capture_output=True, text=True, timeout=60)
    out = proc.stdout + proc.stderr
    assert proc.returncode == code and "Traceback" not in out and "tökén" not in out, out
    assert "cannot be written" in out or "cannot be sent" in out


def test_folders_the_file_system_refuses_are_refused_before_anything_is_written(tmp_path, capsys):
    """/proc takes no new folder though permissions say yes (as root): reports and merge output alike."""
    from zdconform.exceptions import UsageError
    from zdconform.recording.files import check_writable_folder

    with pytest.raises(UsageError, match="takes no new folder") as caught:
        check_writable_folder(Path("/proc/zdconform-x"), "reports folder", "Give `--zd-reports` another.")
    assert one_paragraph(str(caught.value))
    assert main(["merge", "--out", "/proc/zdconform-x", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert "takes no new folder" in err and "Traceback" not in err


def test_report_on_a_deeply_nested_evidence_is_one_paragraph(tmp_path, capsys):
    (tmp_path / "evidence.json").write_bytes(b"[" * 100_000 + b"]" * 100_000)
    assert main(["report", "--reports", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert one_paragraph(err.removeprefix("zdconform: error: ")) and "RecursionError" in err


@pytest.mark.e2e
def test_report_never_reads_a_file_the_evidence_does_not_vouch_for(tmp_path, capsys):
    """An edited evidence.json whose `cassettes.base` climbs out of the project cannot make the page embed
    another YAML file: a cassette is embedded only with the SHA-256 the evidence recorded."""
    import json
    import shutil

    from _evidence_support import copy_reference
    from _helpers import run_suites

    cassettes, reports = tmp_path / "project" / "cassettes", tmp_path / "project" / "reports"
    copy_reference(cassettes)
    assert run_suites(f"--zd-cassette-root={cassettes}", f"--zd-reports={reports}").returncode == 0
    outside = tmp_path / "outside"
    shutil.copytree(cassettes, outside / "cassettes")
    for other in (outside / "cassettes").rglob("*.yaml"):  # the same names, another content
        other.write_text(other.read_text().replace("reference-emulator.invalid", "outside-the-project-marker.invalid"))
    document = json.loads((reports / "evidence.json").read_text())
    document["cassettes"]["base"] = os.path.relpath(outside, reports)
    (reports / "evidence.json").write_text(json.dumps(document))
    assert main(["report", "--reports", str(reports)]) == 0
    page = (reports / "evidence.html").read_text()
    assert "outside-the-project-marker" not in page and "not here as recorded" in page


def test_a_secret_under_an_unknown_key_of_a_profile_is_never_echoed(tmp_path):
    secret = "s3cr3t-value-put-in-the-wrong-file-0000"
    (tmp_path / "profile.yaml").write_text(f"expect:\n  password: disabled\napi_token: {secret}\n")
    with pytest.raises(ProfileError) as caught:
        load_profile(str(tmp_path / "profile.yaml"))
    assert secret not in str(caught.value) and "api_token" in str(caught.value) and one_paragraph(str(caught.value))
