"""The `zdconform` command."""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    print("zdconform: no commands yet")
    return 0
