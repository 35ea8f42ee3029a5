"""Each check's section of evidence.html: its fields, its cassette, and its recorded exchanges.

The recorded requests and responses are read from the check's cassette (already scrubbed), only
when the file there is the one whose SHA-256 the evidence names; long bodies are abridged (the
cassette holds them whole). Plain values: the template escapes them.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..recording.files import sha256_file
from ..recording.interactions import CASSETTE_LIMIT, body_json, read_interactions
from .page import SYMBOLS, anchor
from .results import plain_reason

__all__ = ["cassette_file", "check_section", "ordered"]

MAX_ITEMS = 5  # a page of users is long: the page shows its start, the cassette has it all
MAX_BODY_CHARS = 6000
_ORDER = {"fail": 0, "expected-denied": 2, "pass": 2, "skipped": 3}


def ordered(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failures first, then checks with a deviation, then the rest in the order they ran."""
    return sorted(checks, key=lambda c: _ORDER[c["verdict"]] - (1 if c.get("deviations") else 0))


def check_section(check: dict[str, Any], evidence: dict[str, Any], reports_dir: Path) -> dict[str, Any]:
    """What the template shows of one check."""
    cassette, verdict = check["cassette"], check["verdict"]
    details = check.get("details") or {}
    rows = [("check", check["nodeid"]), ("auth method", check["auth_method"]), ("endpoint", check["endpoint"]),
            ("expected", check["expected"] or "-"),
            ("observed statuses", ", ".join(map(str, check["observed_statuses"])) or "-"),
            ("verdict", f"{SYMBOLS[verdict]} {verdict}"), ("reason", plain_reason(check["reason"]) or "-"),
            ("schema", f"{check['schema']['verdict']} ({check['schema']['validated']} body(ies) validated)"),
            ("facts", ", ".join(check.get("facts") or []) or "-"),
            *(("deviation", f"{d['message']}; observed body ({d['content_type'] or 'no type'}): "
                            f"{d['body'] or '(empty)'}") for d in check.get("deviations") or []),
            *(("expiry probe", "; ".join(f"{k}: {v}" for k, v in p.items())) for p in
              [details.get("expiry_probe")] if isinstance(p, dict))]
    unreadable, interactions = _interactions(cassette, evidence, reports_dir)
    return {"anchor": anchor(check["check_id"]), "check_id": check["check_id"], "verdict": verdict,
            "filters": " ".join([verdict, *(["deviation"] if check.get("deviations") else [])]),
            "rows": rows, "cassette": _cassette(cassette, evidence), "violations": check["schema"]["violations"],
            "unreadable": unreadable, "interactions": interactions}


def _cassette(cassette: dict[str, Any] | None, evidence: dict[str, Any]) -> dict[str, Any] | None:
    if cassette is None:
        return None
    state = ("verified against MANIFEST.json" if cassette["verified"] else
             "NOT verified: not in MANIFEST.json" if cassette["manifest_sha256"] is None else
             "NOT verified: differs from MANIFEST.json")
    return {"href": quote(f"{evidence['cassettes']['base']}/{cassette['path']}"), "path": cassette["path"],
            "sha256": str(cassette["sha256"]), "state": state + ("; STALE" if cassette["stale"] else ""),
            "recorded_at": str(cassette["recorded_at"]), "version": str(cassette["zdconform_version"])}


def cassette_file(evidence: dict[str, Any], cassette: dict[str, Any], reports_dir: Path) -> Path:
    """Where the record's cassette is on disk, seen from the folder holding evidence.json."""
    return Path(os.path.normpath(Path(reports_dir) / evidence["cassettes"]["base"] / cassette["path"]))


def _interactions(cassette: dict[str, Any] | None, evidence: dict[str, Any],
                  reports_dir: Path) -> tuple[str, list[dict[str, str]]]:
    """Why the exchanges are not shown (or ""), and the exchanges."""
    if cassette is None:
        return "", []
    path = cassette_file(evidence, cassette, reports_dir)
    if not _is_the_recorded(path, cassette.get("sha256")):  # never a file the evidence does not vouch for
        return ("The cassette is not here as recorded (missing, or not the file whose SHA-256 the evidence "
                "names): its interactions are not shown."), []
    try:
        recorded = read_interactions(path)
    except Exception as exc:  # noqa: BLE001 - the page still renders, saying why
        return f"The cassette cannot be read here ({type(exc).__name__}).", []
    return "", [_interaction(i) for i in recorded]


def _is_the_recorded(path: Path, sha256: Any) -> bool:
    """Whether `path` is a regular file, no bigger than a cassette may be, with the SHA-256 the evidence
    recorded: a page embeds only the cassette its evidence names, wherever `cassettes.base` points (an
    edited evidence.json cannot make `zdconform report` read another file)."""
    try:
        return (isinstance(sha256, str) and path.is_file() and path.stat().st_size <= CASSETTE_LIMIT
                and sha256_file(path) == sha256)
    except OSError:
        return False


def _interaction(item: dict[str, Any]) -> dict[str, str]:
    req, resp = item["request"], item["response"]
    return {"title": f"#{item['index']} {item['method']} {item['path']} → {item['status']}",
            "request": _message(f"{req['method']} {req['uri']}", req),
            "response": _message(f"{resp['status']} {resp['message']}", resp)}


def _message(first: str, part: dict[str, Any]) -> str:
    headers = "\n".join(f"{k}: {v}" for k, v in sorted(part["headers"].items()))
    return f"{first}\n{headers}\n\n{_pretty(part['body'])}".rstrip() + "\n"


@functools.lru_cache(maxsize=64)  # a recorded body is often recorded again: a page fetched by several checks
def _pretty(body: str) -> str:
    parsed = body_json(body)
    text = json.dumps(_abridge(parsed), indent=2, ensure_ascii=False) if body and not isinstance(parsed, str) else body
    if len(text) <= MAX_BODY_CHARS:
        return text
    cut = text.rfind("\n", 0, MAX_BODY_CHARS) + 1 or MAX_BODY_CHARS
    return f"{text[:cut]}... ({len(text) - cut:,} more characters: the whole body is in the cassette)"


def _abridge(node: Any) -> Any:
    """Long lists cut to their first items, with a note: the cassette holds them all."""
    if isinstance(node, dict):
        return {key: _abridge(value) for key, value in node.items()}
    if isinstance(node, list) and len(node) > MAX_ITEMS:
        return [*map(_abridge, node[:MAX_ITEMS]), f"... {len(node) - MAX_ITEMS} more items in the cassette"]
    return [_abridge(item) for item in node] if isinstance(node, list) else node
