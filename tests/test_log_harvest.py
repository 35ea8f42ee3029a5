"""A token a response mints never reaches a log, even the record vcrpy makes before any hook has seen it.

vcrpy logs "Appending request ... and response ..." with the response as it came from the wire,
before `before_record_response` harvests its secrets. The log record factory harvests every
record's arguments first. Real parts: a scripted tenant on loopback echoing the token it mints
in a header and in the body, requests, vcrpy recording, the logging module writing a file.
"""

from __future__ import annotations

import logging

import requests
import vcr
from test_no_secret_in_output import encodings, leaks

from zdconform.recording.redaction import install_log_redaction, redact_text
from zdconform.recording.scrub import Scrubber, SecretSet

from _scripted_server import Canned, ScriptedServer

MINTED = "minted0000token0000in0the0body0abcdef"
ECHOED = "echoed1111token1111in1a1header1abcdef"


def record_with_logs(tmp_path, harvest: bool, level: int = logging.DEBUG) -> tuple[str, str]:
    secrets = SecretSet()
    scrubber = Scrubber(secrets, b"key")
    server = ScriptedServer()
    server.add("/api/v2/oauth/tokens.json", Canned(201, {"token": {"id": 7, "full_token": MINTED}},
                                                   headers={"X-Echo-Token": ECHOED}))
    log = tmp_path / "run.log"
    handler = logging.FileHandler(log)
    handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
    root = logging.getLogger()
    before, factory = root.level, logging.getLogRecordFactory()
    logging.setLogRecordFactory(logging.LogRecord)  # this test's redaction alone, whatever ran before it
    root.addHandler(handler)
    root.setLevel(level)
    harvester = scrubber.harvest_response if harvest else None
    undo = install_log_redaction(lambda text: redact_text(text, secrets), harvester)
    recorder = vcr.VCR(before_record_response=scrubber.before_record_response,
                       before_record_request=scrubber.before_record_request, record_mode="all")
    try:
        with server, recorder.use_cassette(str(tmp_path / "cassette.yaml")):
            requests.post(server.url + "/api/v2/oauth/tokens.json", json={"token": {"scopes": ["read"]}}, timeout=10)
    finally:
        undo()
        root.removeHandler(handler)
        root.setLevel(before)
        logging.setLogRecordFactory(factory)
        handler.close()
    return log.read_text(), (tmp_path / "cassette.yaml").read_text()


def test_a_minted_token_echoed_in_a_header_and_the_body_reaches_no_log_in_any_encoding(tmp_path):
    logged, cassette = record_with_logs(tmp_path, harvest=True)
    assert "Appending request" in logged, logged  # vcrpy's record of the response, made before its hooks
    secrets = encodings("minted", MINTED) | encodings("echoed", ECHOED)
    assert leaks(logged, secrets) == [] and leaks(cassette, secrets) == [], logged


def test_with_logging_off_the_cassette_still_holds_neither(tmp_path):
    logged, cassette = record_with_logs(tmp_path, harvest=True, level=logging.WARNING)
    assert leaks(cassette, encodings("minted", MINTED) | encodings("echoed", ECHOED)) == [], cassette


def test_without_the_harvest_vcrpys_record_would_carry_them(tmp_path):
    logged, _ = record_with_logs(tmp_path, harvest=False)
    assert MINTED in logged or ECHOED in logged, "the scenario must show the leak the harvest closes"
