"""Fixtures for zdconform's own tests."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _hygiene(monkeypatch):
    """No proxy, SSL or Zendesk variable from the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith(("ZENDESK_", "ZDCONFORM_", "ZD_")) or name.lower().endswith("_proxy") \
                or name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE"):
            monkeypatch.delenv(name, raising=False)
