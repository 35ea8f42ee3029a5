"""Malformed credentials as recipes: what the authentication fuzzing sends, described without a secret.

A `Recipe` is what Hypothesis draws: a family (the auth method it mutates, or `header` for scheme
variants and smuggling), a kind of mutation, a position or count, a character and an endpoint:
public values only, so its text (`Bearer oauth_token[:-3]`) can be printed, recorded and shrunk.
`build(recipe, secrets)` turns it into the `Probe` actually sent, with the run's real credentials;
every value it derives from a secret is listed in `Probe.secrets`, for the run to redact. A recipe
that would leave the credential as it is (the upper case of a secret without lower-case letters) or
needs a credential the run lacks builds nothing (None): whether it is sent depends on the secret, so
Hypothesis is never told (no `assume`), and a replay draws the same examples whatever its stand-in
values are. What a
tenant must do with each probe (`REFUSE`, `EITHER`, `FINDING`) and the fact that says so are fixed
by the kind (docs/facts.md: F-57 to F-61).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hypothesis import strategies as st

__all__ = ["CHARS", "ENDPOINTS", "EXPECTATIONS", "FAMILIES", "NEEDS", "Probe", "Recipe", "build", "corpus", "recipes"]

FAMILIES = ("oauth_token", "api_token", "password", "header")
ENDPOINTS = ("users", "clients", "create_token")
# Characters appended, inserted or swapped in: ASCII, Latin-1, beyond Latin-1, controls (never CR or LF:
# no HTTP library sends them), an emoji. Simplest first: Hypothesis shrinks towards the first.
CHARS = ("x", "0", "=", "%", "\x00", "\x7f", "é", "€", "😀")
MIN_KEPT = 8  # a prefix or suffix keeps this many characters: a shorter one would redact common text

# The secret each family mutates, and the variables a run needs for it.
NEEDS = {"oauth_token": ("oauth_token",), "api_token": ("email", "api_token"), "password": ("email", "password"),
         "header": ("oauth_token", "email", "api_token")}
REFUSE, EITHER, FINDING = "refuse", "either", "finding"
PUBLIC_KINDS = ("empty", "jwt")  # built from no secret
SECRET_KINDS = ("prefix", "suffix", "drop-first", "swapcase", "upper", "replace", "insert", "repeat")
BASIC_KINDS = (*SECRET_KINDS, "trailing-space", "extra-colon", "no-colon", "bad-base64", "unknown-login")
KINDS = {
    "oauth_token": (*SECRET_KINDS, "empty", "jwt", "expired-mutated", "spaces-around"),
    "api_token": (*BASIC_KINDS, "token-suffix"),
    "password": (*BASIC_KINDS, "other-user-password"),
    "header": ("scheme-case", "two-fields-invalid-first", "two-fields-valid-first", "unknown-scheme",
               "query-token", "body-token"),
}
# (what a correct tenant does, the fact it rests on) for each kind; a kind not named here is REFUSE, F-57.
EXPECTATIONS: Mapping[str, tuple[str, str]] = {
    "spaces-around": (EITHER, "F-59"), "token-suffix": (EITHER, "F-59"), "scheme-case": (EITHER, "F-59"),
    "two-fields-invalid-first": (REFUSE, "F-60"), "two-fields-valid-first": (EITHER, "F-60"),
    "unknown-scheme": (FINDING, "F-61"), "query-token": (FINDING, "F-61"), "body-token": (FINDING, "F-61"),
}


@dataclass(frozen=True)
class Recipe:
    """One malformed credential, in public terms."""

    family: str
    kind: str
    n: int = 1
    char: str = "x"
    endpoint: str = "users"

    @property
    def expectation(self) -> tuple[str, str]:
        return EXPECTATIONS.get(self.kind, (REFUSE, "F-57"))

    @property
    def code(self) -> str:
        """The recipe as `family.kind.n.char-index.endpoint`: what a recording keeps, `parse` reads back."""
        return f"{self.family}.{self.kind}.{self.n}.{CHARS.index(self.char)}.{self.endpoint}"

    @property
    def order(self) -> tuple[int, int, int, int]:
        """Simplest first, as Hypothesis shrinks: the minimal example of several is the least."""
        return (KINDS[self.family].index(self.kind), self.n, CHARS.index(self.char), ENDPOINTS.index(self.endpoint))

    @classmethod
    def parse(cls, code: str) -> Recipe | None:
        """The recipe `code` names, or None for anything else."""
        family, kind, n, char, endpoint = (code.split(".") + [""] * 5)[:5]
        if family not in KINDS or kind not in KINDS[family] or endpoint not in ENDPOINTS or not n.isdigit() \
                or not char.isdigit() or int(char) >= len(CHARS):
            return None
        return cls(family, kind, int(n), CHARS[int(char)], endpoint)

    def __str__(self) -> str:
        return f"{_describe(self)} -> {self.endpoint}"

    __repr__ = __str__  # Hypothesis shows the drawn example by its repr: the recipe, never a value


@dataclass(frozen=True)
class Probe:
    """What one recipe sends: Authorization value (None: no header), query and form fields."""

    recipe: Recipe
    authorization: str | None
    params: Mapping[str, str]
    form: Mapping[str, str]
    secrets: tuple[str, ...]


def recipes(family: str) -> st.SearchStrategy[Recipe]:
    """Every recipe of `family`, simplest first (what Hypothesis shrinks towards)."""
    from hypothesis import strategies as st  # a live run's drawing alone needs Hypothesis (~150 ms to import)

    return st.builds(Recipe, st.just(family), st.sampled_from(KINDS[family]), st.integers(1, 64),
                     st.sampled_from(CHARS), st.sampled_from(ENDPOINTS)).map(_polite)


def _polite(recipe: Recipe) -> Recipe:
    """A probe a correct tenant may grant never goes to Create Token: fuzzing mints no token by design
    (one that must be refused and is granted mints one, which the run revokes)."""
    if recipe.endpoint == "create_token" and recipe.expectation[0] != REFUSE:
        return replace(recipe, endpoint="users")
    return recipe


def _mutation(recipe: Recipe, name: str) -> str:
    n, c = recipe.n, recipe.char
    return {
        "prefix": f"{name}[:-{n}]", "suffix": f"{name} + {c!r}", "drop-first": f"{name}[{n}:]",
        "swapcase": f"{name}.swapcase()", "upper": f"{name}.upper()",
        "replace": f"{name} with character {n} replaced by {c!r}", "insert": f"{name} with {c!r} inserted at {n}",
        "repeat": f"{name} * {n + 1}", "trailing-space": f"{name} + ' '",
    }.get(recipe.kind, name)


# The corpus's character for a kind that takes one: beyond Latin-1 where it lands in the header itself.
_CORPUS_CHARS = {"suffix": "€", "insert": "\x00", "replace": "%", "bad-base64": "€", "unknown-login": "é",
                 "extra-colon": "x"}


def corpus(family: str) -> list[Recipe]:
    """One recipe of each kind of `family`, tried before Hypothesis draws any: the simplest of each (a
    one-character cut, a character beyond Latin-1, ...), rotated over the endpoints."""
    return [_polite(Recipe(family, kind, 1, _CORPUS_CHARS.get(kind, "x"), ENDPOINTS[i % len(ENDPOINTS)]))
            for i, kind in enumerate(KINDS[family])]


def _describe(recipe: Recipe) -> str:
    kind, family, n, c = recipe.kind, recipe.family, recipe.n, recipe.char
    secret = _mutation(recipe, family)
    login = "email/token" if family == "api_token" else "email"
    return {
        "empty": f"Bearer + {n % 4} space(s), no token", "jwt": f"Bearer <JWT-looking string #{n}>",
        "expired-mutated": f"Bearer expired_oauth_token[:-{n}]", "spaces-around": f"Bearer + {1 + n % 3} spaces + "
        "oauth_token + ' '", "extra-colon": f"Basic b64({login}:{family}:{c!r})", "no-colon":
        f"Basic b64({login} + {family}) (no colon)", "bad-base64": f"Basic b64({login}:{family}) with {c!r} at {n}",
        "unknown-login": f"Basic b64(email with {c!r} inserted at {n}{'/token' if family == 'api_token' else ''}"
        f":{family})", "token-suffix": f"Basic b64(email{_SUFFIXES[n % len(_SUFFIXES)]}:api_token)",
        "other-user-password": "Basic b64(email:agent_password)",
        "scheme-case": f"{_SCHEMES[n % len(_SCHEMES)]} oauth_token (or b64(email/token:api_token))",
        "two-fields-invalid-first": f"Authorization: Bearer oauth_token[:-{1 + n % 8}], Bearer oauth_token",
        "two-fields-valid-first": f"Authorization: Bearer oauth_token, Bearer oauth_token[:-{1 + n % 8}]",
        "unknown-scheme": f"{_UNKNOWN[n % len(_UNKNOWN)]} oauth_token",
        "query-token": "no Authorization, ?access_token=oauth_token", "body-token":
        "no Authorization, form field access_token=oauth_token",
    }.get(kind, f"Bearer {secret}" if family == "oauth_token" else f"Basic b64({login}:{secret})")


_SUFFIXES = ("/TOKEN", "/Token", "/token/", " /token", "/token ")
_SCHEMES = ("bearer", "BEARER", "BeArEr", "basic", "BASIC")
_UNKNOWN = ("Token", "OAuth", "Bearer-", "JWT")


class _Nothing(Exception):
    """The recipe leaves the credential unchanged, or needs one the run lacks: nothing to send."""


def _require(condition: bool) -> None:
    if not condition:
        raise _Nothing


def mutate(recipe: Recipe, secret: str) -> str:
    """`secret` changed as `recipe` says; `_Nothing` when that leaves it as it is."""
    n, c, kind = recipe.n, recipe.char, recipe.kind
    cut = min(n, max(1, len(secret) - MIN_KEPT))
    i, j = n % (len(secret) + 1), n % max(1, len(secret))
    mutated: Callable[[], str] = {
        "prefix": lambda: secret[:-cut], "suffix": lambda: secret + c,
        "drop-first": lambda: secret[cut:], "swapcase": secret.swapcase, "upper": secret.upper,
        "replace": lambda: secret[:j] + c + secret[j + 1:],
        "insert": lambda: secret[:i] + c + secret[i:], "repeat": lambda: secret * (n + 1),
        "trailing-space": lambda: secret + " ",
    }[kind]
    value = mutated()
    _require(value != secret)
    return value


def _basic(userpass: str) -> str:
    return "Basic " + base64.b64encode(userpass.encode("utf-8")).decode("ascii")


def _wire(value: str) -> str:
    """A header value whose Latin-1 encoding (what http.client sends) is the UTF-8 of `value`."""
    return value.encode("utf-8").decode("latin-1")


def build(recipe: Recipe, secrets: Mapping[str, str]) -> Probe | None:
    """The probe `recipe` describes, from the run's credentials (`email`, `api_token`, `password`,
    `oauth_token`, and where known `agent_password`, `expired_oauth_token`); None if it sends nothing."""
    made: list[str] = []

    def keep(*values: str) -> None:  # values derived from a secret; shorter ones would redact common text
        made.extend(v for v in values if len(v.strip()) >= MIN_KEPT)

    try:
        authorization, params, form = _authorization(recipe, secrets, keep), {}, {}
    except _Nothing:
        return None
    if recipe.kind == "query-token":
        params = {"access_token": secrets["oauth_token"]}
    elif recipe.kind == "body-token":
        form = {"access_token": secrets["oauth_token"]}
    if authorization is not None and recipe.kind not in PUBLIC_KINDS:
        keep(authorization, authorization.partition(" ")[2])
    return Probe(recipe, authorization, params, form, tuple(dict.fromkeys(made)))


def _authorization(recipe: Recipe, secrets: Mapping[str, str], keep: Callable[..., None]) -> str | None:
    kind, family, n = recipe.kind, recipe.family, recipe.n
    if family == "header":
        return _header_family(recipe, secrets, keep)
    if family == "oauth_token":
        return _bearer(recipe, secrets, keep)
    email, secret = secrets["email"], secrets[family]
    login = f"{email}/token" if family == "api_token" else email
    if kind in SECRET_KINDS or kind == "trailing-space":
        value = mutate(recipe, secret)
        keep(value)
        return _basic(f"{login}:{value}")
    if kind == "other-user-password":
        _require(bool(secrets.get("agent_password")) and secrets.get("agent_password") != secret)
        return _basic(f"{email}:{secrets['agent_password']}")
    if kind == "token-suffix":
        return _basic(f"{email}{_SUFFIXES[n % len(_SUFFIXES)]}:{secret}")
    if kind == "unknown-login":
        at = n % (len(email) + 1)
        return _basic(f"{email[:at]}{recipe.char}{email[at:]}{login[len(email):]}:{secret}")
    if kind == "extra-colon":
        keep(f"{secret}:{recipe.char}")
        return _basic(f"{login}:{secret}:{recipe.char}")
    if kind == "no-colon":
        keep(login + secret)
        return _basic(login + secret)
    encoded = _basic(f"{login}:{secret}")  # bad-base64: one character of the base64 replaced
    at = len("Basic ") + n % (len(encoded) - len("Basic "))
    return _wire(encoded[:at] + recipe.char + encoded[at + 1:])


def _bearer(recipe: Recipe, secrets: Mapping[str, str], keep: Callable[..., None]) -> str:
    kind, n, token = recipe.kind, recipe.n, secrets["oauth_token"]
    if kind == "empty":
        return "Bearer" + " " * (n % 4)
    if kind == "jwt":
        header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
        claims = base64.urlsafe_b64encode(f'{{"sub":{n},"scope":"read write"}}'.encode()).rstrip(b"=").decode()
        return f"Bearer {header}.{claims}.{'x' * (n % 43 + 1)}"
    if kind == "expired-mutated":
        expired = secrets.get("expired_oauth_token") or ""
        _require(len(expired) > MIN_KEPT)
        value = expired[:-min(n, len(expired) - MIN_KEPT)]
        keep(value)
        return f"Bearer {value}"
    if kind == "spaces-around":
        return f"Bearer{' ' * (2 + n % 3)}{token} "
    value = mutate(recipe, token)
    keep(value)
    return _wire(f"Bearer {value}")


def _header_family(recipe: Recipe, secrets: Mapping[str, str], keep: Callable[..., None]) -> str | None:
    kind, n, token = recipe.kind, recipe.n, secrets["oauth_token"]
    cut = token[:-min(1 + n % 8, max(1, len(token) - MIN_KEPT))]
    keep(cut)
    if kind == "scheme-case":
        scheme = _SCHEMES[n % len(_SCHEMES)]
        if scheme.lower() == "basic":
            return f"{scheme} {_basic(secrets['email'] + '/token:' + secrets['api_token']).partition(' ')[2]}"
        return f"{scheme} {token}"
    if kind == "two-fields-invalid-first":  # two fields, as RFC 9110 §5.3 combines them (vcrpy sends one line)
        return f"Bearer {cut}, Bearer {token}"
    if kind == "two-fields-valid-first":
        return f"Bearer {token}, Bearer {cut}"
    if kind == "unknown-scheme":
        return f"{_UNKNOWN[n % len(_UNKNOWN)]} {token}"
    return None  # query-token, body-token: the credential goes elsewhere
