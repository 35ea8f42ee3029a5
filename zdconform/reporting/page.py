"""What evidence.html and fleet.html share: the templates, the verdict, the target's kind, the legend.

The pages are Jinja2 templates (package data under `templates/`, autoescaped: every value is
HTML-escaped unless a template marks it otherwise). This module turns evidence into the plain
values they show: the run's verdict in words (CONFORMS, DOES NOT CONFORM, INCOMPLETE), what the
target was (the reference emulator, the emulator with a tenant file, a server on loopback, a
Zendesk tenant; a loopback server is never called a tenant), the anchors that link matrix cells
and findings to their checks, and the legend of every text a matrix cell can hold.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import markupsafe

from ..settings.targets import is_loopback
from .results import UNPROVEN_REFUSAL

if TYPE_CHECKING:
    import jinja2

__all__ = ["BANNERS", "LEGEND", "SYMBOLS", "anchor", "cell", "cell_id", "mentioned", "render_page", "run_verdict",
           "target_kind", "target_line"]

SYMBOLS = {"pass": "✔", "expected-denied": "⊘", "fail": "✘", "skipped": "–"}
BANNERS = {"pass": "CONFORMS", "fail": "DOES NOT CONFORM", "incomplete": "INCOMPLETE"}
LEGEND = [
    ("✔ pass", "every check of this auth method on this endpoint passed"),
    ("✘ fail", "every check in the cell failed: the target broke the contract (its section says how)"),
    ("⊘ expected-denied", "refused, as the tenant profile expects of this auth method"),
    ("– skipped", "not run: no credential for the method, or nothing to exercise (its section says why)"),
    ("VERDICT (n/m)", "the cell holds m checks and shows the most serious verdict among them (fail, then "
                      "expected-denied, then pass); n of the m ended with it, the rest with a milder one: "
                      "`pass (2/3)` is 2 passed and 1 skipped"),
    ("*", f"{UNPROVEN_REFUSAL} (each check's section says what its refusal proves)"),
    ("-", "no check of this auth method on this endpoint"),
]


@functools.cache
def _environment() -> jinja2.Environment:
    import jinja2  # here: a process that renders no page (a pytest-xdist worker) does not pay for it

    environment = jinja2.Environment(loader=jinja2.PackageLoader("zdconform.reporting", "templates"),
                                     autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                     lstrip_blocks=True, keep_trailing_newline=True)
    environment.globals.update(symbols=SYMBOLS, legend=LEGEND)
    environment.filters["breakable"] = _breakable
    return environment


def _breakable(text: str) -> markupsafe.Markup:
    """`text` escaped, with a line break allowed after each `_` (long endpoint and method names)."""
    return markupsafe.escape(text).replace("_", markupsafe.Markup("_<wbr>"))


def render_page(template: str, **context: Any) -> str:
    """The page `template` (a file under templates/) rendered with `context`."""
    return _environment().get_template(template).render(**context)


def run_verdict(evidence: dict[str, Any]) -> tuple[str, list[str]]:
    """The run's verdict (`fail` when a check failed, else `incomplete` when the run did not check the
    whole suite or left a method unchecked, else `pass`) and why it is partial, one sentence each."""
    run = evidence["run"]
    partial = list(run.get("partial") or [])
    partial += [f"{u['method']} not checked: set {' and '.join(u['variables'])}"
                for u in run.get("unchecked_methods") or []]
    if run.get("complete") is None:
        partial.append("the evidence does not say the whole suite ran (not written by a pytest session)")
    failed = any(c["verdict"] == "fail" for c in evidence["checks"])
    return ("fail" if failed else "pass" if run.get("complete") and not partial else "incomplete"), partial


def target_kind(target: dict[str, Any]) -> str:
    """The kind of target, in words: a server on loopback is never called a Zendesk tenant."""
    if target["kind"] == "reference-emulator":
        return "reference emulator"
    if target["kind"] == "emulator":
        return "emulator with a tenant file"
    return "server on loopback" if is_loopback(urlsplit(target["base_url"]).hostname or "") else "Zendesk tenant"


def target_line(target: dict[str, Any]) -> str:
    """What the target was, truthfully: a server on loopback is no Zendesk tenant, an emulator is not one."""
    if target["kind"] == "reference-emulator":
        return "Target: the REFERENCE EMULATOR, not a real Zendesk tenant"
    if target["kind"] == "emulator":
        served = (target.get("emulator_tenant") or {}).get("file", "a tenant file")
        return f"Target: the EMULATOR serving {served}, not a real Zendesk tenant"
    if target_kind(target) == "server on loopback":
        return (f"Target: a SERVER ON LOOPBACK {target['base_url']}, not a real Zendesk tenant (an emulator or "
                "a test server run as a tenant URL)")
    return f"Target: REAL ZENDESK TENANT {target['base_url']}"


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def anchor(check_id: str) -> str:
    """The id of a check's section in evidence.html."""
    return "check-" + _slug(check_id)


def cell_id(method: str, endpoint: str) -> str:
    """The id of a matrix cell in evidence.html (fleet.html's cells link to it)."""
    return f"cell-{_slug(method)}--{_slug(endpoint)}"


def cell(text: str | None, href: str | None = None, ident: str | None = None) -> dict[str, Any]:
    """A matrix cell as the templates draw it: its verdict word (the colour), its text, where it links."""
    word = text.split(" ")[0] if text else "none"
    return {"text": text or "-", "word": word, "symbol": SYMBOLS.get(word, ""), "href": href, "id": ident,
            "unproven": word == "expected-denied",  # a refusal alone: disabled method or wrong credential
            "title": UNPROVEN_REFUSAL if word == "expected-denied" else None}


def mentioned(text: str, check_ids: Iterable[str]) -> list[str]:
    """The check ids that `text` (a finding) names, in the order given."""
    return [c for c in check_ids if c in text]
