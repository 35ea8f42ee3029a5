"""A page opened in headless Chromium (Debian's `chromium`, installed by `./dev test`, driven by playwright).

`opened(path)` yields the tab with `tab.requests`, every URL the page asked for; it skips the test,
saying why, when the browser is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@contextmanager
def opened(path: Path, width: int = 1280, height: int = 1500) -> Iterator[Any]:
    """The file at `path` loaded in a headless Chromium tab."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed: `./dev test` installs Debian's chromium "
                    "(apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": width, "height": height})
        tab.requests = []
        tab.on("request", lambda request: tab.requests.append(request.url))
        tab.goto(path.as_uri())
        tab.wait_for_load_state("load")
        yield tab
        browser.close()
