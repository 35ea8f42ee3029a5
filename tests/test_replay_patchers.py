"""The checks' cassettes patch only the HTTP libraries the checks send with (http.client, urllib3,
requests); vcrpy's other patchers (tornado, httpx, aiohttp, boto3, httplib2) are skipped for them,
sparing each cassette a try at importing each library. Any other VCR keeps vcrpy's defaults.
vcrpy's libraries that cannot be imported are marked absent while checks run (vcrpy imports them
all around each connection it makes), and no longer once that is undone."""

from __future__ import annotations

import sys

import pytest
import requests
import urllib3.connectionpool
import vcr
from vcr import patch as vcr_patch
from vcr.errors import CannotOverwriteExistingCassetteException
from vcr.persisters.filesystem import FilesystemPersister

from zdconform.recording import replay
from zdconform.recording.replay import SKIP_PATCHERS, configure
from zdconform.recording.scrub import Scrubber, SecretSet

pytestmark = pytest.mark.skipif(not hasattr(vcr_patch, "PATCHER_NAMES"),
                                reason="this vcrpy cannot skip patchers (skip_patchers came in vcrpy 9.4)")

simple_httpclient = pytest.importorskip("tornado.simple_httpclient", reason="tornado shows a skipped patcher")


def checks_vcr() -> vcr.VCR:
    configured = vcr.VCR()
    configure(configured, FilesystemPersister, Scrubber(SecretSet(), b"key"), live=False)
    return configured


def test_the_checks_vcr_skips_the_libraries_the_checks_do_not_use():
    assert set(checks_vcr().skip_patchers) == set(SKIP_PATCHERS)
    assert {"httplib", "requests", "urllib3"}.isdisjoint(SKIP_PATCHERS)


def test_a_check_cassette_patches_requests_and_leaves_tornado_alone(tmp_path):
    original_tornado = simple_httpclient.SimpleAsyncHTTPClient.fetch_impl
    original_urllib3 = urllib3.connectionpool.HTTPConnectionPool.ConnectionCls
    with checks_vcr().use_cassette(str(tmp_path / "check.yaml")):
        assert urllib3.connectionpool.HTTPConnectionPool.ConnectionCls is not original_urllib3
        assert simple_httpclient.SimpleAsyncHTTPClient.fetch_impl is original_tornado
        with pytest.raises(CannotOverwriteExistingCassetteException):
            requests.get("https://example.invalid/api/v2/users.json", timeout=1)  # replayed, never sent
    assert urllib3.connectionpool.HTTPConnectionPool.ConnectionCls is original_urllib3


def test_any_other_vcr_patches_every_library_as_vcrpy_does(tmp_path):
    original_tornado = simple_httpclient.SimpleAsyncHTTPClient.fetch_impl
    with vcr.VCR().use_cassette(str(tmp_path / "theirs.yaml")):
        assert simple_httpclient.SimpleAsyncHTTPClient.fetch_impl is not original_tornado
    assert simple_httpclient.SimpleAsyncHTTPClient.fetch_impl is original_tornado


def test_libraries_vcrpy_cannot_import_are_marked_absent_until_undone(monkeypatch):
    monkeypatch.setattr(replay, "VCR_LIBRARIES", ("zdconform_no_such_library", "json", "email.no_such_module"))
    undo = replay.mark_absent_libraries()
    try:
        assert sys.modules["zdconform_no_such_library"] is None
        assert sys.modules["email.no_such_module"] is None
        assert sys.modules["json"] is not None  # installed: left as it is
        with pytest.raises(ImportError):
            import zdconform_no_such_library  # noqa: F401
    finally:
        undo()
    assert "zdconform_no_such_library" not in sys.modules and "email.no_such_module" not in sys.modules
    assert sys.modules["json"] is not None
