"""evidence.html: the evidence document as one self-contained page an auditor can open.

Inline CSS, no script, no external asset: a summary matrix (colour plus text), the policy and
migration readiness findings, the target label, then each check with its recorded requests and
responses (read from the cassettes, already scrubbed), its schema verdict and a relative link to
its cassette. Every value is HTML-escaped.
"""

from __future__ import annotations

import functools
import json
import os
import re
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ..recording.files import sha256_file
from ..recording.interactions import CASSETTE_LIMIT, body_json, read_interactions
from .results import UNPROVEN_REFUSAL

__all__ = ["SYMBOLS", "cassette_file", "render"]

MAX_ITEMS = 5  # a page of users is long: the page shows its start, the cassette has it all
MAX_BODY_CHARS = 6000
SYMBOLS = {"pass": "✔", "expected-denied": "⊘", "fail": "✘", "skipped": "–"}
TOPICS = {"policy": "tenant policy", "migration": "migration readiness"}
CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:1em 2em;color:#1d1d1f}
h1{font-size:1.6em;margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.6em 0}
th,td{border:1px solid #bbb;padding:.35em .7em;text-align:left;vertical-align:top} th{background:#f0f0f0}
.banner{padding:.8em 1em;border:3px solid;font-weight:600;margin:1em 0}
.banner.reference-emulator,.banner.emulator{border-color:#3b6db3;background:#eaf1fb}
.banner.tenant{border-color:#b35c00;background:#fff3e6} .banner.partial{border-color:#b3261e;background:#fdecea}
.v{font-weight:600;white-space:nowrap} .v-pass{background:#d9f2dd;color:#14532d}
.v-fail{background:#fbdada;color:#7f1d1d} .v-expected-denied{background:#dde7f7;color:#1e3a8a}
.v-skipped{background:#eee;color:#444}
.sev-high{background:#fbdada} .sev-medium{background:#fdf0cc} .sev-low{background:#e8f0e0} .sev-info{background:#eee}
.warn{border-left:5px solid #c98a00;background:#fff8e1;padding:.5em 1em}
.fact-contradicted{background:#fdf0cc} .fact-confirmed{background:#eef8ef}
.check{border:1px solid #ccc;padding:.4em 1em;margin:1em 0}
pre{background:#f7f7f7;border:1px solid #e2e2e2;padding:.6em;overflow-x:auto;white-space:pre-wrap;
    word-break:break-all;font-size:13px}
dl{display:grid;grid-template-columns:max-content auto;gap:.15em 1em} dt{font-weight:600} dd{margin:0}
summary{cursor:pointer;font-family:monospace} code{font-size:13px}
"""


def render(evidence: dict[str, Any], reports_dir: Path, history: str = "") -> str:
    """The HTML page for `evidence`; cassettes are found relative to `reports_dir`; `history`, an HTML
    fragment (`history_strip.strip`), goes after the matrix."""
    target = evidence["target"]
    parts = [f"<h1>zdconform evidence: {escape(target['slug'])}</h1>", _banner(target), _signature(evidence),
             _partial(evidence["run"]),
             _run(evidence),
             _matrix(evidence["summary"]), history, _findings(evidence["findings"]), _facts(evidence.get("facts")),
             _staleness(evidence["cassettes"]),
             "<h2 id=\"checks\">Checks</h2>",
             *(_check(c, evidence, Path(reports_dir)) for c in evidence["checks"])]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>zdconform evidence: {escape(target['slug'])}</title><style>{CSS}</style></head>"
            "<body>\n" + "\n".join(parts) + "\n</body></html>\n")


def _banner(target: dict[str, Any]) -> str:
    if target["kind"] == "reference-emulator":
        head = "Target: the REFERENCE EMULATOR, not a real Zendesk tenant"
    elif target["kind"] == "emulator":
        head = f"Target: the EMULATOR serving {target.get('emulator_tenant', {}).get('file', 'a tenant file')}, " \
               "not a real Zendesk tenant"
    else:
        head = f"Target: REAL ZENDESK TENANT {target['base_url']}"
    return (f"<div class=\"banner {escape(target['kind'])}\" id=\"target\">{escape(head)}<br>"
            f"<small>{escape(target['description'])}</small></div>")


def _signature(evidence: dict[str, Any]) -> str:
    """Whether the evidence is signed, by which key, when; and how to check it."""
    signed = evidence.get("signature")
    if not signed:
        return ("<p id=\"signature\"><b>Unsigned.</b> No signature covers this evidence: it shows what the run "
                "wrote, and nothing proves it unchanged since. A run with a signing key "
                "(<code>ZDCONFORM_SIGNING_KEY</code>) or <code>zdconform sign --reports</code> signs it.</p>")
    return (f"<p id=\"signature\"><b>Signed</b> by key <code>{escape(signed['keyid'])}</code> at "
            f"{escape(signed['signed_at'])}: one signature ({escape(signed['format'])}, in "
            f"<code>{escape(signed['envelope'])}</code>) covers this page, evidence.json, results.json, junit.xml "
            "and every file of the recording. Check it with the signer's public key: <code>zdconform verify "
            "--reports . --public-key KEY.pub</code>, or the README's route without zdconform.</p>")


def _partial(run: dict[str, Any]) -> str:
    """A banner on a partial run (a selection, an interruption), and on methods left unchecked."""
    notes = [*run.get("partial", []), *(f"{u['method']} not checked: set {' and '.join(u['variables'])}"
                                        for u in run.get("unchecked_methods", []))]
    if not notes:
        return ""
    items = "".join(f"<li>{escape(note)}</li>" for note in notes)
    return (f"<div class=\"banner partial\" id=\"partial\">PARTIAL RUN: these checks are not the whole "
            f"suite, or did not all run.<ul>{items}</ul></div>")


def _run(evidence: dict[str, Any]) -> str:
    run, product, profile = evidence["run"], evidence["product"], evidence["profile"]
    expects = ", ".join(f"{k}={v}" for k, v in profile["expect"].items())
    rows = [("mode", run["mode"]), ("started", run["started_at"]), ("finished", run["finished_at"]),
            ("duration", f"{run['duration_seconds']:.1f} s"),
            ("product", f"zdconform {product['version']} (commit {product['commit'] or 'unknown'})"),
            *([("environment", _environment(evidence["environment"]))] if evidence.get("environment") else []),
            ("profile", f"{profile['name']}: expects {expects}"),
            ("cassettes", evidence["cassettes"]["folder"]), ("recorded", _recorded(evidence["checks"]))]
    return _table(rows, " id=\"run\"")


def _environment(env: dict[str, Any]) -> str:
    packages = ", ".join(f"{name} {version or 'absent'}" for name, version in env["packages"].items())
    return f"{env['implementation']} {env['python']} on {env['os']} ({env['machine']}); {packages}"


def _recorded(checks: list[dict[str, Any]]) -> str:
    stamps = sorted({str(c["cassette"]["recorded_at"]) for c in checks
                     if c["cassette"] and c["cassette"]["recorded_at"]})
    return "-" if not stamps else stamps[0] if len(stamps) == 1 else f"{stamps[0]} to {stamps[-1]}"


def _matrix(summary: dict[str, Any]) -> str:
    head = "".join(f"<th scope=\"col\">{escape(e)}</th>" for e in summary["endpoints"])
    body = []
    for method in summary["methods"]:
        cells = "".join(_cell(summary["matrix"].get(method, {}).get(e)) for e in summary["endpoints"])
        body.append(f"<tr><th scope=\"row\">{escape(method)}</th>{cells}</tr>")
    counts = ", ".join(f"{n} {v}" for v, n in summary["verdicts"].items())
    legend = " ".join(f"{SYMBOLS[v]} {v}" for v in SYMBOLS)
    return (f"<h2 id=\"summary\">Summary matrix</h2><p>{summary['total']} checks: {escape(counts)}. "
            f"Legend: {escape(legend)}; <sup>*</sup> {escape(UNPROVEN_REFUSAL)} (each check's details say "
            f"what its refusal proves).</p><table id=\"matrix\"><thead><tr><th>auth method</th>{head}"
            f"</tr></thead><tbody>{''.join(body)}</tbody></table>")


def _cell(text: str | None) -> str:
    if text is None:
        return "<td>-</td>"
    word = text.split(" ")[0]
    if word == "expected-denied":  # the refusal alone cannot tell a disabled method from a wrong credential
        return (f"<td class=\"v v-{escape(word)}\" title=\"{escape(UNPROVEN_REFUSAL)}\">{SYMBOLS.get(word, '')} "
                f"{escape(text)}<sup>*</sup></td>")
    return f"<td class=\"v v-{escape(word)}\">{SYMBOLS.get(word, '')} {escape(text)}</td>"


def _findings(findings: list[dict[str, str]]) -> str:
    """Tenant policy and migration readiness findings, one table (the topic in a column)."""
    if not findings:
        return "<h2 id=\"findings\">Findings</h2><p>No findings.</p>"
    rows = "".join(f"<tr class=\"sev-{escape(f['severity'])}\"><td class=\"v\">{escape(f['severity'].upper())}"
                   f"</td><td>{escape(TOPICS.get(f.get('topic', 'policy'), f.get('topic', '')))}</td>"
                   f"<td>{escape(f['finding'])}</td><td>{escape(f['detail'])}</td></tr>" for f in findings)
    return ("<h2 id=\"findings\">Findings</h2><table id=\"findings-table\"><thead><tr>"
            f"<th>severity</th><th>topic</th><th>finding</th><th>detail</th></tr></thead><tbody>{rows}</tbody></table>")


def _facts(facts: dict[str, Any] | None) -> str:
    """Which facts of the register the run confirmed, contradicted or did not exercise."""
    if not facts:
        return ""
    counts = facts["counts"]
    head = (f"Facts observed on {facts['subject']}: {counts['confirmed']} confirmed, "
            f"{counts['contradicted']} contradicted, {counts['not-exercised']} not exercised")
    order = {"contradicted": 0, "confirmed": 1, "not-exercised": 2}
    rows = "".join(_fact_row(f) for f in sorted(facts["facts"], key=lambda f: (order.get(f["outcome"], 3), f["id"])))
    return (f"<h2 id=\"facts\">Facts</h2><p>{escape(head)}. Deviations (a real tenant refusing in another "
            "documented way than the reference infers) are listed with each check.</p><table id=\"facts-table\">"
            "<thead><tr><th>fact</th><th>outcome</th><th>confidence</th><th>statement and source</th>"
            f"<th>checks</th></tr></thead><tbody>{rows}</tbody></table>")


def _fact_row(fact: dict[str, Any]) -> str:
    security = " (security)" if fact["security"] else ""
    checks = ", ".join(fact["contradicted_by"] or fact["confirmed_by"])
    cells = [escape(fact["id"]), escape(fact["outcome"]), escape(fact["confidence"] + security),
             f"{escape(fact['statement'])}<br><small>{escape(fact['source'])}</small>", escape(checks)]
    return f"<tr class=\"fact-{escape(fact['outcome'])}\">" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"


def _staleness(cassettes: dict[str, Any]) -> str:
    if not cassettes["staleness_checked"]:
        return "<p>Cassettes were recorded during this run.</p>"
    if not cassettes["stale"]:
        return f"<p>Every cassette was recorded within the last {cassettes['max_age_days']} days.</p>"
    items = "".join(f"<li><code>{escape(p)}</code></li>" for p in cassettes["stale"])
    return (f"<div class=\"warn\" id=\"stale\"><strong>Warning: {len(cassettes['stale'])} stale cassette(s)"
            f"</strong>, recorded more than {cassettes['max_age_days']} days ago; real tenants change, so "
            f"re-record them.<ul>{items}</ul></div>")


def _check(check: dict[str, Any], evidence: dict[str, Any], reports_dir: Path) -> str:
    cassette, verdict = check["cassette"], check["verdict"]
    rows = [("check", check["nodeid"]), ("auth method", check["auth_method"]), ("endpoint", check["endpoint"]),
            ("expected", check["expected"] or "-"),
            ("observed statuses", ", ".join(map(str, check["observed_statuses"])) or "-"),
            ("verdict", f"{SYMBOLS[verdict]} {verdict}"), ("reason", check["reason"] or "-"),
            ("schema", f"{check['schema']['verdict']} ({check['schema']['validated']} body(ies) validated)"),
            ("facts", ", ".join(check.get("facts") or []) or "-"),
            *(("deviation", f"{d['message']}; observed body ({d['content_type'] or 'no type'}): "
                            f"{d['body'] or '(empty)'}") for d in check.get("deviations") or []),
            *(("expiry probe", "; ".join(f"{k}: {v}" for k, v in p.items())) for p in
              [(check.get("details") or {}).get("expiry_probe")] if isinstance(p, dict))]
    items = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows)
    anchor = "check-" + re.sub(r"[^A-Za-z0-9_-]+", "-", check["check_id"]).strip("-")
    badge = f"<span class=\"v v-{escape(verdict)}\">{SYMBOLS[verdict]} {escape(verdict)}</span>"
    title = f"{badge} {escape(check['check_id'])}"
    return (f"<section class=\"check\" id=\"{escape(anchor)}\"><h3>{title}</h3>"
            f"<dl>{items}{_cassette_row(cassette, evidence)}</dl>{_violations(check['schema']['violations'])}"
            f"{_interactions(cassette, evidence, reports_dir)}</section>")


def _cassette_row(cassette: dict[str, Any] | None, evidence: dict[str, Any]) -> str:
    if cassette is None:
        return "<dt>cassette</dt><dd>none recorded for this check</dd>"
    href = quote(f"{evidence['cassettes']['base']}/{cassette['path']}")
    state = ("verified against MANIFEST.json" if cassette["verified"] else
             "NOT verified: not in MANIFEST.json" if cassette["manifest_sha256"] is None else
             "NOT verified: differs from MANIFEST.json")
    stale = "; STALE" if cassette["stale"] else ""
    return (f"<dt>cassette</dt><dd><a href=\"{escape(href)}\">{escape(cassette['path'])}</a><br>"
            f"<code>sha256 {escape(str(cassette['sha256']))}</code> ({escape(state)}{stale})<br>"
            f"recorded {escape(str(cassette['recorded_at']))} by zdconform "
            f"{escape(str(cassette['zdconform_version']))}</dd>")


def _violations(violations: list[dict[str, Any]]) -> str:
    if not violations:
        return ""
    items = "".join(f"<li>interaction {escape(str(v['interaction']))}, schema <code>{escape(str(v['schema']))}"
                    f"</code>: <code>{escape(v['path'])}</code> {escape(v['message'])} (keyword "
                    f"<code>{escape(v['keyword'])}</code>)</li>" for v in violations)
    return f"<p><strong>Schema violations</strong></p><ul class=\"violations\">{items}</ul>"


def cassette_file(evidence: dict[str, Any], cassette: dict[str, Any], reports_dir: Path) -> Path:
    """Where the record's cassette is on disk, seen from the folder holding evidence.json."""
    return Path(os.path.normpath(Path(reports_dir) / evidence["cassettes"]["base"] / cassette["path"]))


def _interactions(cassette: dict[str, Any] | None, evidence: dict[str, Any], reports_dir: Path) -> str:
    if cassette is None:
        return ""
    path = cassette_file(evidence, cassette, reports_dir)
    if not _is_the_recorded(path, cassette.get("sha256")):  # never a file the evidence does not vouch for
        return ("<p class=\"warn\">The cassette is not here as recorded (missing, or not the file whose "
                "SHA-256 the evidence names): its interactions are not shown.</p>")
    try:
        recorded = read_interactions(path)
    except Exception as exc:  # noqa: BLE001 - the page still renders, saying why
        return f"<p class=\"warn\">The cassette cannot be read here ({escape(type(exc).__name__)}).</p>"
    return "".join(_interaction(i) for i in recorded)


def _is_the_recorded(path: Path, sha256: Any) -> bool:
    """Whether `path` is a regular file, no bigger than a cassette may be, with the SHA-256 the evidence
    recorded: a page embeds only the cassette its evidence names, wherever `cassettes.base` points (an
    edited evidence.json cannot make `zdconform report` read another file)."""
    try:
        return (isinstance(sha256, str) and path.is_file() and path.stat().st_size <= CASSETTE_LIMIT
                and sha256_file(path) == sha256)
    except OSError:
        return False


def _interaction(item: dict[str, Any]) -> str:
    req, resp = item["request"], item["response"]
    title = f"#{item['index']} {item['method']} {item['path']} → {item['status']}"
    request = _message(f"{req['method']} {req['uri']}", req)
    response = _message(f"{resp['status']} {resp['message']}", resp)
    return (f"<details><summary>{escape(title)}</summary><p>Request</p><pre>{escape(request)}</pre>"
            f"<p>Response</p><pre>{escape(response)}</pre></details>")


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


def _table(rows: list[tuple[str, str]], attrs: str = "") -> str:
    cells = "".join(f"<tr><th scope=\"row\">{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table{attrs}><tbody>{cells}</tbody></table>"
