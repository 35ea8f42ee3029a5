"""A signed run's evidence, attacked: `zdconform verify` and the route without zdconform (docs/evidence.md) catch it.

One emulator run, recorded with a signing key, writes its reports, its recording, `MANIFEST.json.sig`
and `evidence.dsse.json` (a DSSE envelope of an in-toto Statement). Each attack works on a copy of
that project: an edited report (a `fail` made `pass`), with and without the manifest rehashed, a
cassette changed and rehashed into a resealed manifest, a file removed or added, a folder copied to
another target, an envelope re-signed by another key, a rollback to an older recording, a stale
manifest signature checked without a key. The untouched copy verifies, by both routes.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
from contextlib import redirect_stdout
from io import StringIO
from pathlib import Path

import pytest

from zdconform.cli import main as zdconform
from zdconform.recording.manifest import manifest_digest
from zdconform.recording.signing import generate_keys, load_private_key
from zdconform.reporting.attestation import ENVELOPE, PAYLOAD_TYPE, pae, sign_bundle

from _helpers import ROOT, made_once, run_suites

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def signed(tmp_path_factory) -> Path:
    def make(folder: Path) -> None:
        generate_keys(folder / "signer")
        generate_keys(folder / "other")
        done = run_suites("--zd-target=emulator", f"--zd-cassette-root={folder / 'project' / 'cassettes'}",
                          f"--zd-reports={folder / 'project' / 'reports'}",
                          env={"ZDCONFORM_SIGNING_KEY_FILE": str(folder / "signer.key")})
        assert done.returncode == 0, done.output
    return made_once(tmp_path_factory, "signed-run", make)


@pytest.fixture
def project(signed, tmp_path) -> Path:
    shutil.copytree(signed / "project", tmp_path / "project")
    return tmp_path / "project"


def verify(project: Path, key: Path | None, *extra: str) -> tuple[int, str]:
    args = ["verify", "--reports", str(project / "reports"), *extra]
    args += ["--public-key", str(key)] if key else []
    out = StringIO()
    with redirect_stdout(out):
        code = zdconform(args)
    return code, out.getvalue()


def offline_route(project: Path, key: Path) -> tuple[int, str]:
    """docs/evidence.md's route without zdconform, as printed there, run in the reports folder."""
    readme = (ROOT / "docs" / "evidence.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Without zdconform**"):]
    script = re.search(r"```bash\n(.*?)```", section, re.S).group(1).replace("acme-evidence.pub", str(key))
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=project / "reports", capture_output=True,
                          text=True, timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


def reseal(folder: Path, change) -> None:
    """Edit the manifest and rehash it whole, as an attacker who knows the format would."""
    path = folder / "MANIFEST.json"
    manifest = json.loads(path.read_text())
    change(manifest)
    manifest["manifest_sha256"] = manifest_digest(manifest)
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def test_the_signed_run_verifies_by_both_routes_and_says_so(project, signed):
    document = json.loads((project / "reports" / "evidence.json").read_text())
    assert document["signature"]["envelope"] == ENVELOPE and len(document["signature"]["keyid"]) == 16
    page = (project / "reports" / "evidence.html").read_text()
    assert f"by key <code>{document['signature']['keyid']}</code>" in page
    envelope = json.loads((project / "reports" / ENVELOPE).read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert envelope["payloadType"] == PAYLOAD_TYPE and statement["_type"] == "https://in-toto.io/Statement/v1"
    names = {s["name"] for s in statement["subject"]}
    assert {"reports/evidence.json", "reports/results.json", "reports/junit.xml", "reports/evidence.html",
            "recording/MANIFEST.json"} <= names and sum(n.endswith(".yaml") for n in names) == 50
    code, out = verify(project, signed / "signer.pub")
    assert code == 0 and f"signed by key {document['signature']['keyid']}" in out, out
    code, out = offline_route(project, signed / "signer.pub")
    assert code == 0 and "Signature Verified Successfully" in out and "target reference-emulator" in out, out


def _edit_results(project: Path) -> None:
    path = project / "reports" / "results.json"
    path.write_text(path.read_text().replace('"verdict": "fail"', '"verdict": "pass"').replace(
        '"verdict": "pass"', '"verdict": "fail"', 1))


def _rehash_cassette(project: Path) -> None:
    folder = project / "cassettes" / "reference-emulator"
    cassette = next(folder.rglob("*.yaml"))
    cassette.write_text(cassette.read_text().replace("200", "201", 1))
    key = cassette.relative_to(folder).as_posix()
    reseal(folder, lambda m: m["cassettes"][key].update(sha256=hashlib.sha256(cassette.read_bytes()).hexdigest()))


def _rehash_the_statement(project: Path) -> None:
    """Edit a report, then put its new digest in the signed statement (the signature left as it was)."""
    _edit_results(project)
    path = project / "reports" / ENVELOPE
    envelope = json.loads(path.read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    edited = hashlib.sha256((project / "reports" / "results.json").read_bytes()).hexdigest()
    for subject in statement["subject"]:
        if subject["name"] == "reports/results.json":
            subject["digest"]["sha256"] = edited
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    path.write_text(json.dumps(envelope))


ATTACKS = {
    "report-edited": _edit_results,
    "page-edited": lambda p: (p / "reports" / "evidence.html").write_text(
        (p / "reports" / "evidence.html").read_text().replace("fail", "pass")),
    "cassette-rehashed-into-the-manifest": _rehash_cassette,
    "junit-removed": lambda p: (p / "reports" / "junit.xml").unlink(),
    "cassette-added": lambda p: (p / "cassettes" / "reference-emulator" / "extra.yaml").write_text("x: 1\n"),
    "statement-rehashed": _rehash_the_statement,
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_attack_on_the_evidence_is_caught_with_and_without_the_key(project, signed, attack):
    ATTACKS[attack](project)
    for key in (signed / "signer.pub", None):
        code, out = verify(project, key)
        assert code != 0 and "FAILED" in out, (key, out)
    code, out = offline_route(project, signed / "signer.pub")
    assert code != 0, out


def test_a_re_signing_by_another_key_is_caught_with_the_key(project, signed):
    other = load_private_key(signed / "other.key")
    _edit_results(project)
    sign_bundle(project / "reports", project / "cassettes" / "reference-emulator", other,
                {"slug": "reference-emulator", "kind": "reference-emulator", "base_url": "x"})
    code, out = verify(project, signed / "signer.pub")
    assert code == 1 and "not by the given key" in out, out
    code, out = offline_route(project, signed / "signer.pub")
    assert code != 0 and "Signature Verified Successfully" not in out, out


def test_a_recording_copied_to_another_target_and_a_rollback_fail(project, signed):
    root = project / "cassettes"
    shutil.copytree(root / "reference-emulator", root / "acme.zendesk.com")
    code = zdconform(["verify", "--cassettes", str(root), "--target", "https://acme.zendesk.com",
                      "--public-key", str(signed / "signer.pub")])
    assert code == 1
    recorded = json.loads(base64.b64decode(json.loads((project / "reports" / ENVELOPE).read_text())["payload"]))[
        "predicate"]["recorded_at"]
    assert verify(project, signed / "signer.pub", "--not-before", recorded[:10])[0] == 0
    code, out = verify(project, signed / "signer.pub", "--not-before", "2999-01-01")
    assert code == 1 and "rollback" in out, out


def test_a_stale_manifest_signature_fails_verify_without_a_key_and_replay(project):
    folder = project / "cassettes" / "reference-emulator"
    reseal(folder, lambda m: m["target"].update(description="edited after signing"))
    assert zdconform(["verify", "--cassettes", str(project / "cassettes")]) == 1
    replay = run_suites(f"--zd-cassette-root={project / 'cassettes'}", f"--zd-reports={project / 'replayed'}")
    assert replay.returncode == 4 and "does not match it" in replay.output, replay.output
    assert "Traceback" not in replay.output


def test_the_envelope_is_standard_dsse_over_the_pae(project, signed):
    envelope = json.loads((project / "reports" / ENVELOPE).read_text())
    payload = base64.b64decode(envelope["payload"])
    public = load_private_key(signed / "signer.key").public_key()
    public.verify(base64.b64decode(envelope["signatures"][0]["sig"]), pae(PAYLOAD_TYPE, payload))
    assert pae("t", b"p") == b"DSSEv1 1 t 1 p"  # the spec's encoding: lengths in ASCII decimal
