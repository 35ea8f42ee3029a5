"""Authentication fuzzing: many malformed credentials per auth method, each refused as the facts say.

`fuzz_family(zd, family)` lets Hypothesis draw `fuzz_recipes.Recipe`s for one family from the run's
seed (`--zd-fuzz-seed`), at most `--zd-fuzz-examples` of them (0 turns the family off), and sends
each as a probe to List Users, List OAuth Clients or Create Token, after a corpus of one of each kind.
Every probe carries its label in the `X-Zdconform-Probe` header (the seed, the recipe's code and
text: never a value), which the replay index matches. A replay plays the recorded probes again from
their labels, in order, each its own answer, and judges them as the live run did: offline, and the
same whatever Hypothesis version replays it (no drawing).

Every answer is judged once drawing ends: a granted probe the facts say must be refused fails the
check (security, F-57 or F-60) naming the least such probe (`Recipe.order`, the order Hypothesis
shrinks in: it shrinks each failure, and what it tries is sent and judged too); a 5xx is a
robustness finding (F-58), named the same way. Shrinking adds at most `SHRINK_REQUESTS` requests;
beyond them nothing is sent. A probe a correct tenant may accept or refuse (F-59, F-60) is recorded
either way; one outside the documented Authorization header (F-61) is a finding when accepted.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from ..exceptions import ConformanceFailure
from ..http.auth import ZendeskAuth
from ..recording.interactions import try_read_interactions
from ..recording.matching import PROBE_HEADER, label_in
from .endpoints import CLIENTS_PATH, USERS_PATH
from .fuzz_recipes import EITHER, NEEDS, REFUSE, Probe, Recipe, build, corpus, recipes
from .negative import needs

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


def recorded_labels(cassette: str) -> list[str]:
    """The labels (`seed=N; code; recipe`, in `PROBE_HEADER`) of the probes a recording holds, in order."""
    interactions, _ = try_read_interactions(Path(cassette)) if cassette else ([], False)
    labels = [label_in(interaction.get("request", {}).get("headers")) for interaction in interactions]
    return [label for label in labels if label]


def recorded_seed(labels: list[str]) -> int | None:
    """The seed the recorded probes were drawn from, if any."""
    for label in labels:
        head = label.partition(";")[0]
        if head.startswith("seed=") and head[5:].isdigit():
            return int(head[5:])
    return None


def label_of(seed_value: int, recipe: Recipe) -> str:
    """A probe's label: its seed, its recipe's code and text, ASCII (a header value), never a secret."""
    return f"seed={seed_value}; {recipe.code}; {recipe}".encode("ascii", "backslashreplace").decode()


def _recipe_of(label: str) -> Recipe | None:
    parts = label.split("; ", 2)
    return Recipe.parse(parts[1]) if len(parts) == 3 else None


def _secrets(zd: Conformance, family: str) -> dict[str, str]:
    """The credentials `family` mutates, or skip naming the variables to set."""
    admin = needs(zd, *NEEDS[family])
    values = {key: str(getattr(admin, key)) for key in ("email", "api_token", "password", "oauth_token")
              if getattr(admin, key)}
    agent, expired = zd.run.credentials.get("agent"), zd.run.credentials.get("expired")
    if agent is not None and agent.password:
        values["agent_password"] = str(agent.password)
    if expired is not None and expired.oauth_token:
        values["expired_oauth_token"] = str(expired.oauth_token)
    return values


@contextlib.contextmanager
def _no_local_constants() -> Iterator[None]:
    """Hypothesis mixes constants from the source of the modules it deems local (the user's project, an
    editable install) into what it draws, and caches them in `.hypothesis/` in the working folder: off
    while fuzzing, so that a seed draws the same examples wherever it runs and nothing is written."""
    try:
        from hypothesis.internal.conjecture import providers
        from hypothesis.internal.constants_ast import Constants
    except ImportError:  # pragma: no cover - another Hypothesis: its own behaviour
        yield
        return
    original, empty = getattr(providers, "_get_local_constants", None), Constants()
    if original is None:  # pragma: no cover
        yield
        return
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = original


class Fuzzer:
    """One family's probes: each recipe sent once (shrinking asks again for many), remembered with its answer."""

    def __init__(self, zd: Conformance, family: str, seed_value: int, examples: int) -> None:
        self.zd, self.family, self.seed, self.examples = zd, family, seed_value, examples
        self.values = _secrets(zd, family)
        self.corpus = corpus(family)
        self.sent: dict[str, tuple[Recipe, int]] = {}  # label -> (recipe, status), in the order sent

    def probe(self, recipe: Recipe) -> None:
        """Send `recipe` (once) and raise on what must shrink: a refusal granted, a 5xx."""
        label = label_of(self.seed, recipe)
        if label not in self.sent:
            if len(self.sent) >= len(self.corpus) + self.examples + SHRINK_REQUESTS:
                return  # beyond the budget: not sent
            probe = build(recipe, self.values)
            if probe is None:
                return  # nothing to send with these credentials
            self.sent[label] = (recipe, self._send(probe, label))
        status = self.sent[label][1]
        if status >= 500 or (status < 400 and recipe.expectation[0] == REFUSE):
            raise _Shrink(label)

    def replay(self, labels: list[str]) -> None:
        """Play the recorded probes again, in order, from their labels: no drawing, so what a replay checks
        is exactly what was recorded, whatever Hypothesis version replays it."""
        for label in labels:
            recipe = _recipe_of(label)
            if recipe is not None and label not in self.sent:
                probe = build(recipe, self.values) or Probe(recipe, None, {}, {}, ())  # stand-ins may build none
                self.sent[label] = (recipe, self._send(probe, label))

    def _send(self, probe: Probe, label: str) -> int:
        for value in probe.secrets if self.zd.run.target.is_live else ():  # a replay's stand-ins are no secret
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

    def draw(self) -> None:
        """The corpus, then examples drawn from the seed; Hypothesis shrinks what fails."""
        from hypothesis import HealthCheck, Phase, Verbosity, example, given, seed, settings  # a replay draws none

        @settings(max_examples=self.examples, database=None, deadline=None, derandomize=False,
                  phases=(Phase.explicit, Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
                  verbosity=Verbosity.quiet, report_multiple_bugs=True, print_blob=False)
        @seed(self.seed)
        @given(recipes(self.family))
        def probe(recipe: Recipe) -> None:
            self.probe(recipe)

        for recipe in reversed(self.corpus):  # @example runs them in the order applied, outermost first
            probe = example(recipe)(probe)
        with _no_local_constants():
            try:
                probe()
            except (_Shrink, ExceptionGroup):
                pass  # what failed is judged from every answer (`judge`), the same way in a replay

    def judge(self) -> dict[str, Any]:
        """Every answer judged: the minimal granted refusal and 5xx (least `Recipe.order`), what a correct
        tenant may accept, the findings."""
        granted: list[tuple[Recipe, int]] = []
        errors: list[tuple[Recipe, int]] = []
        accepted: set[tuple[str, str]] = set()
        findings: set[tuple[str, str]] = set()
        for recipe, status in self.sent.values():
            expectation, fact = recipe.expectation
            if status >= 500:
                errors.append((recipe, status))
            elif status < 400 and expectation == REFUSE:
                granted.append((recipe, status))
            elif status < 400:
                (accepted if expectation == EITHER else findings).add((str(recipe), fact))
        worst = min(granted, key=lambda item: item[0].order) if granted else None
        error = min(errors, key=lambda item: item[0].order) if errors else None
        return {"seed": self.seed, "examples": self.examples, "corpus": len(self.corpus), "requests": len(self.sent),
                "statuses": dict(sorted(Counter(str(s) for _, s in self.sent.values()).items())),
                "accepted": sorted(text for text, _ in accepted), "findings": sorted(text for text, _ in findings),
                "granted": [f"{worst[0]} ({worst[1]})"] if worst else [], "granted_count": len(granted),
                "granted_fact": worst[0].expectation[1] if worst else None,
                "server_errors": [f"{error[0]} ({error[1]})"] if error else [], "server_error_count": len(errors),
                "facts": sorted({"F-57", "F-58", *(f for _, f in accepted), *(f for _, f in findings),
                                 *(r.expectation[1] for r, _ in granted)})}


class _Shrink(Exception):
    """A probe that failed: Hypothesis shrinks towards a simpler one."""


def fuzz_family(zd: Conformance, family: str) -> dict[str, Any]:
    """Fuzz one family (see the module's docstring); what it found, as the check's record holds it."""
    options = zd.run.options
    if options.fuzz_examples == 0:
        pytest.skip("authentication fuzzing is off (`--zd-fuzz-examples 0`)")
    zd.notes.method = family  # its matrix row: the auth method, or `header` (the header's own form), never "-"
    zd.notes.expected = "refused"  # every mutation refused, but those the facts let a tenant accept
    if zd.run.target.kind == "replay":  # the probes that were recorded, judged again
        labels = recorded_labels(zd.notes.cassette)
        fuzzer = Fuzzer(zd, family, recorded_seed(labels) or 0, options.fuzz_examples)
        fuzzer.replay(labels)
    else:
        fuzzer = Fuzzer(zd, family, options.fuzz_seed, options.fuzz_examples)
        fuzzer.draw()
    summary = fuzzer.judge()
    facts = summary.pop("facts")
    zd.record["fuzz"] = summary
    zd.rests_on(*facts)
    if summary["granted"]:
        zd.notes.contradicted.append(summary["granted_fact"])
        raise ConformanceFailure(_granted_message(summary, fuzzer))
    return summary


def _granted_message(summary: dict[str, Any], fuzzer: Fuzzer) -> str:
    what = "Authorization header" if fuzzer.family == "header" else f"{fuzzer.family} credential"
    more = summary["granted_count"] - 1
    return (f"zdconform: the tenant granted access to a malformed {what} that must be refused. Minimal example: "
            f"`{summary['granted'][0]}` [fact {summary['granted_fact']}]" + (f", and {more} more" if more else "")
            + f". Security violation (high): a credential that is not the real one opens the account. Found among "
            f"{summary['requests']} requests (a corpus of one probe of each kind, then examples drawn from seed "
            f"{fuzzer.seed}); `--zd-fuzz-seed {fuzzer.seed}` draws the same again.")
