"""The fact register: the numbered facts about Zendesk that the checks and schemas rest on.

`facts.yaml` (package data, beside this module) holds each fact's statement, public source
and confidence (`documented`, `observed`, `inferred`), whether contradicting it is a security
violation, and the schemas that encode it. `register()` loads and checks it once;
`markdown()` renders docs/facts.md (`python -m zdconform.conformance.facts > docs/facts.md`).
A shape difference on an *inferred* fact, seen on a real tenant, is a deviation rather than a
failure (see `context.Conformance.refused`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from ..exceptions import UsageError, ZdConformError

__all__ = ["CONFIDENCES", "Fact", "known", "markdown", "register"]

CONFIDENCES = ("documented", "observed", "inferred")
_ID = re.compile(r"^F-[0-9]{2,3}$")
_KEYS = {"id", "statement", "source", "confidence", "security", "schemas"}


@dataclass(frozen=True)
class Fact:
    """One numbered fact: what Zendesk does, where that is said, and how sure we are."""

    id: str
    statement: str
    source: str
    confidence: str
    security: bool = False
    schemas: tuple[str, ...] = ()

    @property
    def inferred(self) -> bool:
        return self.confidence == "inferred"


@functools.cache
def register() -> Mapping[str, Fact]:
    """Every fact of the register by id, in the register's order."""
    text = resources.files("zdconform.conformance").joinpath("facts.yaml").read_text(encoding="utf-8")
    return parse(yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))  # libyaml: 20x faster


def parse(data: Any) -> dict[str, Fact]:
    """Facts from the register's parsed YAML; a malformed entry is a bug, named."""
    items = data.get("facts") if isinstance(data, dict) else None
    if not isinstance(items, list) or not items:
        raise ZdConformError("zdconform: facts.yaml must hold a non-empty `facts` list.")
    facts: dict[str, Fact] = {}
    for index, item in enumerate(items):
        fact = _fact(item, index)
        if fact.id in facts:
            raise ZdConformError(f"zdconform: facts.yaml: fact {fact.id} is listed twice.")
        facts[fact.id] = fact
    return facts


def _fact(item: Any, index: int) -> Fact:
    where = f"zdconform: facts.yaml: fact #{index + 1}"
    if not isinstance(item, dict) or set(item) - _KEYS:
        raise ZdConformError(f"{where} must be a mapping of {sorted(_KEYS)}; got {item!r:.120}.")
    fact_id = item.get("id")
    if not isinstance(fact_id, str) or not _ID.match(fact_id):
        raise ZdConformError(f"{where}: id {fact_id!r} is not of the form F-01.")
    for key in ("statement", "source"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise ZdConformError(f"{where} ({fact_id}): `{key}` must be a non-empty string.")
    if item.get("confidence") not in CONFIDENCES:
        raise ZdConformError(f"{where} ({fact_id}): confidence {item.get('confidence')!r}; "
                             f"allowed: {', '.join(CONFIDENCES)}.")
    return Fact(fact_id, item["statement"].strip(), item["source"].strip(), item["confidence"],
                bool(item.get("security", False)), tuple(item.get("schemas") or ()))


def known(ids: Iterable[str]) -> tuple[str, ...]:
    """`ids` as a tuple, each checked to be in the register (a check naming another is a bug)."""
    ids = tuple(ids)
    unknown = [fact_id for fact_id in ids if fact_id not in register()]
    if unknown:
        raise UsageError(f"zdconform: fact(s) {', '.join(map(repr, unknown))} are not in the fact register "
                         "(zdconform/conformance/facts.yaml; docs/facts.md lists them). Name a registered "
                         "fact, or add the new one there with its source and confidence.")
    return ids


def markdown(facts: Mapping[str, Fact] | None = None) -> str:
    """docs/facts.md: the register as a page."""
    facts = register() if facts is None else facts
    counts = ", ".join(f"{sum(f.confidence == c for f in facts.values())} {c}" for c in CONFIDENCES)
    lines = [
        "# The fact register", "",
        "<!-- Generated from zdconform/conformance/facts.yaml by "
        "`python -m zdconform.conformance.facts > docs/facts.md`; do not edit by hand. -->", "",
        "Every behaviour of Zendesk a check or a schema expects, with its public source and how sure",
        "we are of it: **documented** (Zendesk's own pages or OpenAPI), **observed** (a real",
        "response, recorded or pasted into an issue) or **inferred** (reasoning, unconfirmed).",
        "A check names the facts it rests on; every run reports which it confirmed, contradicted or",
        "did not exercise. On a real tenant, a shape difference on an inferred fact is a recorded",
        "*deviation* (the check passes); contradicting a **security** fact always fails.", "",
        f"{len(facts)} facts: {counts}.", "",
        "| id | fact | confidence | security | schemas | source |",
        "|---|---|---|---|---|---|",
    ]
    for fact in facts.values():
        schemas = ", ".join(f"`{name}`" for name in fact.schemas) or "-"
        lines.append(f"| {fact.id} | {_cell(fact.statement)} | {fact.confidence} | "
                     f"{'yes' if fact.security else '-'} | {schemas} | {_cell(fact.source)} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":  # pragma: no cover - the command docs/facts.md names
    print(markdown(), end="")
