"""Suite-level fixtures: where each check's cassette lives."""

from __future__ import annotations

from pathlib import Path

import pytest

from zdconform.runs.tenants import without_tenant


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest, zd_run) -> str:
    """cassettes/<target>/<suite path>/<module>: one folder per target, one file per check."""
    module = Path(str(request.node.path))
    relative = module.parent.relative_to(Path(__file__).parent)
    return str(zd_run.store.folder / relative / module.stem)


@pytest.fixture
def default_cassette_name(default_cassette_name: str) -> str:
    """pytest-recording's name for the check's cassette, without a fleet tenant's `@NAME`: each
    tenant has its own cassette folder, holding the files a single run of it would."""
    return without_tenant(default_cassette_name).removesuffix("[]")
