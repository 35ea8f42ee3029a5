"""Authentication fuzzing: many malformed credentials per auth method, each refused as the facts say.

`fuzz_family(zd, family)` lets Hypothesis draw `fuzz_recipes.Recipe`s for one family from the run's
seed (`--zd-fuzz-seed`), at most `--zd-fuzz-examples` of them (0 turns the family off), and sends
each as a probe to List Users, List OAuth Clients or Create Token. Every probe carries its recipe in
the `X-Zdconform-Probe` header (the seed, its number, the recipe: never a value), which the replay
index matches: a replay regenerates the same examples from the seed recorded there and plays each
its own answer, offline, or stops naming the first one that differs.

A granted probe the facts say must be refused fails the check (security, F-57 or F-60); a 5xx is a
robustness finding (F-58). Both are shrunk to a minimal example; the requests shrinking may send are
bounded (`SHRINK_REQUESTS`): a step beyond them is not sent and counts as refused, so a live tenant
sees at most examples + that many requests per family, and a replay retraces them exactly. A probe a
correct tenant may accept or refuse (F-59, F-60) is recorded either way; one outside the documented
Authorization header (F-61) is a finding when accepted.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, Verbosity, example, given, seed, settings

from ..exceptions import ConformanceFailure
from ..http.auth import ZendeskAuth
from ..recording.interactions import try_read_interactions
from ..recording.matching import PROBE_HEADER
from ..settings import AUTH_METHODS
from .endpoints import CLIENTS_PATH, USERS_PATH
from .fuzz_recipes import EITHER, NEEDS, REFUSE, Probe, Recipe, build, corpus, recipes

if TYPE_CHECKING:
    from requests import PreparedRequest

    from .context import Conformance

__all__ = ["SHRINK_REQUESTS", "ProbeAuth", "fuzz_family", "label_of", "recorded_labels", "recorded_seed"]

SHRINK_REQUESTS = 40  # requests shrinking may add to a family's examples


class ProbeAuth(ZendeskAuth):
    """Sends one probe: its Authorization value (or none), query and form fields, and its label."""

    method = "probe"

    def __init__(self, probe: Probe, label: str) -> None:
        super().__init__(probe.authorization)
        self.probe, self.label = probe, label

    def __call__(self, r: PreparedRequest) -> PreparedRequest:
        r.headers.pop("Authorization", None)
        if self.probe.authorization is not None:
            r.headers["Authorization"] = self.probe.authorization
        r.headers[PROBE_HEADER] = self.label
        if self.probe.params:
            r.prepare_url(r.url, dict(self.probe.params))
        if self.probe.form and r.method == "GET":
            r.prepare_body(dict(self.probe.form), None)
        return r

    def __repr__(self) -> str:
        return f"ProbeAuth({self.label!r})"

    def secrets(self) -> tuple[str, ...]:
        return self.probe.secrets


class Granted(Exception):
    """A probe the facts say must be refused was granted."""


class ServerError(Exception):
    """A probe answered with a 5xx."""


def recorded_labels(cassette: str) -> list[str]:
    """The labels (`seed=N; recipe`, in `PROBE_HEADER`) of the probes a recording holds, in order."""
    interactions, _ = try_read_interactions(Path(cassette)) if cassette else ([], False)
    labels = []
    for interaction in interactions:
        for name, values in (interaction.get("request", {}).get("headers") or {}).items():
            if name.lower() == PROBE_HEADER.lower() and values:
                labels.append(str(values[0] if isinstance(values, list) else values))
    return labels


def recorded_seed(labels: list[str]) -> int | None:
    """The seed the recorded probes were drawn from, if any."""
    for label in labels:
        head = label.partition(";")[0]
        if head.startswith("seed=") and head[5:].isdigit():
            return int(head[5:])
    return None


def label_of(seed_value: int, recipe: Recipe) -> str:
    """A probe's label: its seed and recipe, ASCII (a header value), never a secret."""
    return f"seed={seed_value}; {recipe}".encode("ascii", "backslashreplace").decode()


def _secrets(zd: Conformance, family: str) -> dict[str, str]:
    """The credentials `family` mutates, or skip naming the variables to set."""
    admin = zd.run.credentials.get("admin")
    if admin is None:
        pytest.skip(f"target {zd.run.target.slug} has no admin credentials")
    missing = [admin.source.get(key, key) for key in NEEDS[family] if not getattr(admin, key)]
    if missing:
        pytest.skip(f"not fuzzed: set {' and '.join(missing)} to fuzz {family}")
    values = {key: str(getattr(admin, key)) for key in ("email", "api_token", "password", "oauth_token")
              if getattr(admin, key)}
    agent, expired = zd.run.credentials.get("agent"), zd.run.credentials.get("expired")
    if agent is not None and agent.password:
        values["agent_password"] = str(agent.password)
    if expired is not None and expired.oauth_token:
        values["expired_oauth_token"] = str(expired.oauth_token)
    return values


class Fuzzer:
    """One family's probes: each recipe sent once (shrinking asks again for many), judged, remembered."""

    def __init__(self, zd: Conformance, family: str, seed_value: int, examples: int,
                 recorded: set[str] | None = None) -> None:
        self.zd, self.family, self.seed, self.examples = zd, family, seed_value, examples
        self.recorded = recorded  # a replay: the labels of the probes the recording sent
        self.values = _secrets(zd, family)
        self.corpus = corpus(family)
        self.statuses: dict[str, int] = {}  # recipe -> status, in the order sent
        self.accepted: dict[str, str] = {}  # recipe -> the fact that lets a tenant accept it
        self.findings: dict[str, str] = {}

    def probe(self, recipe: Recipe) -> None:
        text = str(recipe)
        status = self.statuses.get(text)
        if status is None:
            if len(self.statuses) >= len(self.corpus) + self.examples + SHRINK_REQUESTS:
                return  # beyond the budget: not sent, so judged refused (a replay retraces the same)
            label = label_of(self.seed, recipe)
            probe = build(recipe, self.values)
            if self.recorded is not None:  # a replay sends what was recorded (matched by label), nothing else
                if label not in self.recorded:
                    return
                probe = probe or Probe(recipe, None, {}, {}, ())  # its stand-in values may build nothing
            if probe is None:
                return  # nothing to send with these credentials
            status = self.statuses[text] = self._send(probe, label)
        expectation, fact = recipe.expectation
        if status >= 500:
            raise ServerError(text, status)
        if status < 400 and expectation == REFUSE:
            raise Granted(text, status, fact)
        if status < 400:
            (self.accepted if expectation == EITHER else self.findings)[text] = fact

    def _send(self, probe: Probe, label: str) -> int:
        for value in probe.secrets:
            self.zd.run.secrets.add(value, "a credential mutated by the authentication fuzzing")
        auth = ProbeAuth(probe, label)
        endpoint = probe.recipe.endpoint
        response: requests.Response
        if endpoint == "create_token":
            body: dict[str, Any] = {"token": {"client_id": self.zd.configured_client_id(), "scopes": ["read"]}}
            response = self.zd.attempt_create(auth, {**body, **probe.form})  # a token minted is revoked
        else:
            response = self.zd.client.get(USERS_PATH if endpoint == "users" else CLIENTS_PATH,
                                          params={"page[size]": 1}, auth=auth)
        self.zd.notes.statuses.append(response.status_code)
        return response.status_code

    def run(self) -> list[Exception]:
        """Draw, send and judge; the minimal failing examples (Hypothesis shrinks each kind of failure)."""
        @settings(max_examples=self.examples, database=None, deadline=None, derandomize=False,
                  phases=(Phase.explicit, Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
                  verbosity=Verbosity.quiet, report_multiple_bugs=True, print_blob=False)
        @seed(self.seed)
        @given(recipes(self.family))
        def probe(recipe: Recipe) -> None:
            self.probe(recipe)

        for recipe in reversed(self.corpus):  # @example runs them in the order applied, outermost first
            probe = example(recipe)(probe)

        try:
            probe()
        except (Granted, ServerError) as failure:
            return [failure]
        except ExceptionGroup as group:
            return [e for e in group.exceptions if isinstance(e, Granted | ServerError)] or [group]
        return []


def fuzz_family(zd: Conformance, family: str) -> dict[str, Any]:
    """Fuzz one family (see the module's docstring); what it found, as the check's record holds it."""
    options = zd.run.options
    if options.fuzz_examples == 0:
        pytest.skip("authentication fuzzing is off (`--zd-fuzz-examples 0`)")
    seed_value, recorded = options.fuzz_seed, None
    if zd.run.target.kind == "replay":  # the examples that were recorded, from the seed they were drawn from
        labels = recorded_labels(zd.notes.cassette)
        seed_value, recorded = recorded_seed(labels) or seed_value, set(labels)
    zd.notes.method = family if family in AUTH_METHODS else None
    fuzzer = Fuzzer(zd, family, seed_value, options.fuzz_examples, recorded)
    failures = fuzzer.run()
    granted = [f.args for f in failures if isinstance(f, Granted)]
    errors = [f.args for f in failures if isinstance(f, ServerError)]
    summary = {"seed": seed_value, "examples": options.fuzz_examples, "corpus": len(fuzzer.corpus),
               "requests": len(fuzzer.statuses),
               "statuses": dict(sorted(Counter(fuzzer.statuses.values()).items())),
               "accepted": sorted(fuzzer.accepted), "findings": sorted(fuzzer.findings),
               "granted": [text for text, *_ in granted], "server_errors": [f"{t} ({s})" for t, s in errors]}
    zd.record["fuzz"] = summary
    facts = {"F-57", "F-58", *fuzzer.accepted.values(), *fuzzer.findings.values(), *(f for *_, f in granted)}
    zd.rests_on(*sorted(facts))
    if granted:
        zd.notes.contradicted.extend(sorted({fact for *_, fact in granted}))
        raise ConformanceFailure(_granted_message(granted, fuzzer))
    leftovers = [f for f in failures if not isinstance(f, Granted | ServerError)]
    if leftovers:
        raise leftovers[0]
    return summary


def _granted_message(granted: list[tuple[Any, ...]], fuzzer: Fuzzer) -> str:
    shown = "; ".join(f"`{text}` answered {status} [fact {fact}]" for text, status, fact in granted)
    what = "Authorization header" if fuzzer.family == "header" else f"{fuzzer.family} credential"
    return (f"zdconform: the tenant granted access to a malformed {what} that must be refused. Minimal example: "
            f"{shown}. Security violation (high): a credential that is not the real one opens the account. Found "
            f"in {len(fuzzer.statuses)} requests ({len(fuzzer.corpus)} corpus probes, then examples drawn from seed "
            f"{fuzzer.seed}); `--zd-fuzz-seed {fuzzer.seed}` draws the same again.")

