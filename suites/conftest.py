"""Suite-level fixtures: where each check's cassette lives."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest, zd_run) -> str:
    """cassettes/<target>/<suite path>/<module>: one folder per target, one file per check."""
    module = Path(str(request.node.path))
    relative = module.parent.relative_to(Path(__file__).parent)
    return str(zd_run.store.folder / relative / module.stem)
