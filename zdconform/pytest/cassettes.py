"""Where each check's cassette lives: the fixtures of a folder of checks, imported by its conftest.py
(the shipped suites' and a project's own `suites/conftest.py`, which `zdconform init` writes) with the
line `from zdconform.pytest.cassettes import default_cassette_name, vcr_cassette_dir`. They are not
the plugin's own fixtures: pytest-recording's keep their meaning for every other VCR test of a session.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ..runs.tenants import without_tenant
from .selection import suite_of

if TYPE_CHECKING:
    from ..runs.state import RunState

__all__ = ["default_cassette_name", "vcr_cassette_dir"]


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest, zd_run: RunState) -> str:
    """cassettes/<target>/<suite path>/<module>: one folder per target, one file per check (a module
    of the project's own suites/ and one of the shipped checks share the layout)."""
    module = Path(str(request.node.path))
    suites = suite_of(module, request.config) or module.parent
    return str(zd_run.store.folder / module.parent.resolve().relative_to(suites) / module.stem)


@pytest.fixture
def default_cassette_name(default_cassette_name: str) -> str:
    """pytest-recording's name for the check's cassette, without a fleet tenant's `@NAME`: each
    tenant has its own cassette folder, holding the files a single run of it would."""
    return without_tenant(default_cassette_name).removesuffix("[]")
