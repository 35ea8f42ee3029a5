"""The leak gate's quick `unescape` reads a report as `html.unescape` does."""

from __future__ import annotations

import html
import random

import pytest

from zdconform.reporting.publish import unescape

PIECES = ["&amp;", "&quot;", "&#x27;", "&lt;", "&gt;", "&", "&amp;quot;", "&amp;amp;", "&#39;", "&copy",
          "&lt", "&#x3c;", "&nbsp;", "a", " ", "\n", "é", '"', "<", "quot;", "amp;", "&&"]


@pytest.mark.parametrize("seed", range(60))
def test_the_same_text_as_html_unescape(seed):
    pick = random.Random(seed)
    text = "".join(pick.choice(PIECES) for _ in range(pick.randint(0, 40)))
    assert unescape(text) == html.unescape(text)


@pytest.mark.parametrize("raw", ['{"a": "<b> & \'c\'"}', "x&amp;y", "Bearer REDACTED & more", ""])
def test_what_html_escape_wrote_reads_back(raw):
    assert unescape(html.escape(raw)) == html.unescape(html.escape(raw)) == raw
