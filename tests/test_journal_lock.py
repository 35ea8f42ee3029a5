"""The pytest-xdist workers of a live run share its token journal: no worker's entry is lost.

Four real processes add, settle and forget entries in one journal at once, as the workers of
`-n 4` do; every change made must be in it at the end (each is a read, a change and a write:
without the journal's inter-process lock, one worker's write overwrote another's entries).
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from zdconform.conformance.tokens import TokenLedger, read_journal

pytestmark = pytest.mark.e2e  # it starts processes

WORKERS, TOKENS = 4, 40


def worker(journal: str, number: int) -> None:
    ledger = TokenLedger(Path(journal))
    for index in range(TOKENS):
        key = ledger.intend("50328", None, ["read"])  # type: ignore[arg-type]
        token_id = number * 1000 + index
        ledger.add(token_id, None, client_id="50328", pending=key)  # type: ignore[arg-type]
        if index % 2:
            ledger.forget(token_id)


def test_concurrent_workers_lose_no_entry(tmp_path):
    journal = tmp_path / ".zdconform" / "tokens-acme.json"
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=worker, args=(str(journal), n)) for n in range(1, WORKERS + 1)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    data = read_journal(journal)
    expected = {str(n * 1000 + i) for n in range(1, WORKERS + 1) for i in range(TOKENS) if not i % 2}
    assert set(data["tokens"]) == expected and data["pending"] == {}
