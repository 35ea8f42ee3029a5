"""pytest-xdist: what a conformance session's controller and workers tell each other, under one key.

- To each worker (`workerinput`): the run id (every worker stages into one recording folder) and
  the tenants the controller's preflight refused (their checks do not run).
- From each worker (`workeroutput`): what it selected and deselected and every result it checked;
  the controller merges them in collection order, so `-n 4` reports as a serial run.
- A worker's progress lines (retry and pacing waits, the end of its runs) travel in its output: the
  controller's terminal says them when the worker ends (its own terminal is not shown).
- A fleet's scheduler keeps each tenant's checks on one worker (xdist's LoadScopeScheduling,
  scoped by tenant), so the tenant's pacer and token ledger stay whole.
Every hook is optional: `-p no:xdist` leaves them undeclared.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from ..reporting.results import CheckResult
from ..runs.tenants import tenant_of

__all__ = ["KEY", "Transport", "received"]

KEY = "zdconform"


def received(workerinput: Any) -> dict[str, Any] | None:
    """What the controller handed this worker (None: this process is no worker)."""
    if workerinput is None:
        return None
    return dict(json.loads(workerinput.get(KEY) or "{}"))


class Transport:
    """The controller's side: what it hands each worker, and what it merges of each."""

    def __init__(self, handed: Callable[[], dict[str, Any]], fleet: bool, say: Callable[..., None]) -> None:
        self.handed = handed  # what each worker is given, asked for when the worker is set up
        self.fleet = fleet
        self.say = say  # a line on the controller's terminal
        self.workers = 0
        self.selected = 0
        self.deselected = 0
        self.order: list[str] = []
        self.merged: list[CheckResult] = []

    @staticmethod
    def output(config: pytest.Config, results: Sequence[CheckResult], selected: int, deselected: int,
               progress: Sequence[str] = ()) -> None:
        """A worker's side: what it hands the controller at its end."""
        config.workeroutput[KEY] = json.dumps({  # type: ignore[attr-defined]
            "results": [r.as_json() for r in results], "selected": selected, "deselected": deselected,
            "progress": list(progress)})

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[KEY] = json.dumps(self.handed())

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: Sequence[str]) -> None:
        if not self.order:
            self.order = list(ids)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        text = getattr(node, "workeroutput", {}).get(KEY)
        if not text:
            return
        data = json.loads(text)
        self.workers += 1
        self.selected = max(self.selected, int(data["selected"]))  # every worker collects the whole session
        self.deselected = max(self.deselected, int(data["deselected"]))
        self.merged += [CheckResult.from_json(r) for r in data["results"]]
        for line in data.get("progress") or ():
            self.say(line, yellow=True)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(self, config: pytest.Config, log: Any) -> Any:
        """A fleet's: xdist's LoadScopeScheduling with the tenant as the scope (None: xdist's own)."""
        if not self.fleet:
            return None
        from xdist.scheduler import LoadScopeScheduling  # type: ignore[import-untyped]

        class TenantScheduling(LoadScopeScheduling):  # type: ignore[misc]
            def _split_scope(self, nodeid: str) -> str:
                return tenant_of(nodeid) or nodeid.rsplit("::", 1)[0]

        return TenantScheduling(config, log)

    def merged_results(self) -> list[CheckResult]:
        """The workers' results in collection order, as a serial run lists them."""
        rank = {nodeid: index for index, nodeid in enumerate(self.order)}
        return sorted(self.merged, key=lambda r: rank.get(r.check, len(rank)))
