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
