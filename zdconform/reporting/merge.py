"""`zdconform merge`: per-tenant evidence combined into one fleet evidence, gated and written together.

`merge_reports(folders, out)` finds and checks every tenant's evidence (`fleet_sources`),
builds fleet.json (`fleet`), validates it against schemas/fleet.json, renders fleet.html
(`fleet_html`), passes both through the reports' leak gate, and only then writes both
atomically into `out`: a refusal, a leak or an unwritable folder writes nothing. It writes no
other file, so no source is ever overwritten. A fleet run calls it at its end; the command line
calls `main`. Exit codes: 0 every tenant passed and ran completely, 1 the fleet fails.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..conformance.schemas import load_registry
from ..exceptions import ZdConformError
from ..recording.files import atomic_write, check_writable_folder, utcnow
from ..recording.scrub import SecretSet
from ..settings import CREDENTIAL_VARS
from . import fleet
from .fleet_html import render_fleet
from .fleet_sources import load_sources
from .publish import gate

__all__ = ["FLEET_HTML", "FLEET_JSON", "FleetEvidence", "build_fleet", "environment_secrets", "main", "merge_reports"]

FLEET_JSON = "fleet.json"
FLEET_HTML = "fleet.html"
_SHOWN_PASSING = 10  # passing tenants named one by one in the terminal; beyond, counted


@dataclass(frozen=True)
class FleetEvidence:
    """The fleet evidence written: the fleet.json document and the files' paths."""

    document: dict[str, Any]
    paths: tuple[Path, ...]

    @property
    def passed(self) -> bool:
        """True when every tenant passed and ran completely."""
        return bool(self.document["verdict"] == "pass")

    def summary_lines(self) -> list[str]:
        """The terminal summary: the counts, failing then incomplete tenants, the grouped findings."""
        doc, totals = self.document, self.document["totals"]
        lines = [f"zdconform fleet: {totals['tenants']} tenant(s): {totals['fail']} failed, "
                 f"{totals['incomplete']} incomplete, {totals['pass']} passed "
                 f"(zdconform {doc['product']['version']}): {doc['verdict'].upper()}"]
        for tenant in (t for v in ("fail", "incomplete") for t in doc["tenants"] if t["verdict"] == v):
            lines.append(f"{tenant['verdict'].upper()} {tenant['name']}: " + _why(tenant))
            lines += [f"  {f['check_id']} [{', '.join(f['facts'])}]: {_first(f['reason'])}" for f in tenant["failures"]]
        passing = [t["name"] for t in doc["tenants"] if t["verdict"] == "pass"]
        if passing:
            shown = ", ".join(passing[:_SHOWN_PASSING])
            more = f" and {len(passing) - _SHOWN_PASSING} more" if len(passing) > _SHOWN_PASSING else ""
            lines.append(f"passed: {shown}{more}")
        if totals["unverified"]:
            lines.append(f"unverified: {totals['unverified']} tenant(s) merged without their cassettes "
                         "(--no-cassettes)")
        lines += [f"  [{f['severity']}] {f['summary']}" for f in doc["findings"]]
        lines.append("wrote " + " and ".join(str(p) for p in self.paths))
        return lines


def _why(tenant: dict[str, Any]) -> str:
    failed = f"{len(tenant['failures'])} failing check(s)" if tenant["failures"] else ""
    return "; ".join(filter(None, [failed, *tenant["partial"]]))


def _first(reason: str, limit: int = 160) -> str:
    """The reason's gist for the terminal (fleet.json and the pages keep it whole)."""
    line = (fleet.plain_reason(reason).splitlines() or [""])[0]
    return line if len(line) <= limit else line[: limit - 3] + "..."


def build_fleet(folders: Sequence[Path], out: Path, *, cassettes: bool = True) -> dict[str, Any]:
    """fleet.json's document for `folders` as it would be written into `out`, validated; writes nothing."""
    document = fleet.build(load_sources(folders, cassettes=cassettes), out, folders, utcnow())
    violations = load_registry().validate(document, fleet.SCHEMA)
    if violations:
        raise ZdConformError("zdconform built a fleet evidence that breaks schemas/fleet.json (a bug; please "
                             f"report it): {'; '.join(map(str, violations[:5]))}")
    return document


def merge_reports(folders: Sequence[Path], out: Path, *, project: Path | None = None, cassettes: bool = True,
                  secrets: SecretSet | None = None) -> FleetEvidence:
    """Merge the reports `folders` into `out`/fleet.json and `out`/fleet.html (relative paths are taken
    from `project`, else the working directory); `cassettes=False` merges the evidence alone."""
    base = Path(project) if project is not None else Path.cwd()
    folders = [base / f for f in folders]
    out = base / out
    check_writable_folder(out, "fleet evidence folder", "Give `--out` a folder you can write to.")
    document = build_fleet(folders, out, cassettes=cassettes)
    texts = {out / FLEET_JSON: json.dumps(document, indent=2) + "\n", out / FLEET_HTML: render_fleet(document)}
    for path, text in texts.items():  # every text is gated before the first is written
        gate(text, path, secrets or SecretSet())
    for path, text in texts.items():
        atomic_write(path, text)
    return FleetEvidence(document, tuple(texts))


def environment_secrets(env: Mapping[str, str] | None = None) -> SecretSet:
    """Every credential in the environment's ZENDESK_* variables: the gate searches the pages for them."""
    env = os.environ if env is None else env
    secrets = SecretSet()
    for names in CREDENTIAL_VARS.values():
        for key, var in names.items():
            if key not in ("email", "client_identifier"):
                secrets.add(env.get(var) or None, var)
    return secrets


def main(folders: Sequence[str], out: str, *, cassettes: bool) -> int:
    """The command: merge, print the summary; 0 when the fleet passed, 1 when it fails."""
    merged = merge_reports([Path(f) for f in folders], Path(out), cassettes=cassettes, secrets=environment_secrets())
    print("\n".join(merged.summary_lines()))
    return 0 if merged.passed else 1
