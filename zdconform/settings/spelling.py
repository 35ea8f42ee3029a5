"""Near misses: the closest option, variable or target to what a user typed.

Every "did you mean" of zdconform comes from here, so that a misspelt command-line option, a
misspelt `ZENDESK_*` variable and a tenant URL typed without its scheme are answered alike.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

__all__ = ["RUN_ALIASES", "closest", "did_you_mean", "misspelt_option", "target_hint", "unknown_option"]

# `zdconform run`'s own options and the `--zd-*` pytest option each stands for
RUN_ALIASES = {"--target": "--zd-target", "--profile": "--zd-profile", "--reports": "--zd-reports",
               "--fleet": "--zd-fleet", "--fleet-shard": "--zd-fleet-shard", "--require-live": "--zd-require-live",
               "--strict": "--zd-strict", "--fail-on-finding": "--zd-fail-on-finding"}

# A host name with a dot and no scheme, or a misspelt one: what a user types for a tenant
# (`acme.zendesk.com`, `acme.zendesk.com/api/v2`, `htps://acme.zendesk.com`, `https:/acme.zendesk.com`)
_BARE_HOST = re.compile(r"^(?:[A-Za-z]{3,6}:/{0,3})?([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?::\d+)?)(?:/.*)?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def closest(word: str, choices: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The choice nearest to `word` (case ignored), or None when none is near enough."""
    choices = list(choices)
    lowered = {choice.lower(): choice for choice in choices}
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[found[0]] if found else None


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.75) -> str:
    """` Did you mean X?` for the closest choice, or "" when none is near enough."""
    found = closest(word, choices, cutoff)
    return f" Did you mean `{found}`?" if found else ""


def misspelt_option(arg: str, known: Iterable[str]) -> str | None:
    """The known option `arg` (`--targt`, `--targt=x`) was most likely meant as, or None: an exact
    option, an argument that is no long option, and one near no known option are not misspelt."""
    if not arg.startswith("--") or len(arg) < 4:
        return None
    name = arg.split("=", 1)[0]
    known = list(known)
    if name in known:
        return None
    return closest(name, known, cutoff=0.8)


def target_hint(value: str) -> str:
    """For a target that is no target: the form the user most likely meant, as a sentence, or ""."""
    text = value.strip()
    word = closest(text, ("replay", "emulator"), cutoff=0.7)
    if word:
        return f" Did you mean `{word}`?"
    host = _BARE_HOST.match(text)
    if host:
        return f" Did you mean `https://{host.group(1)}`? (a tenant's base URL: https:// and the host, no path)"
    if _SUBDOMAIN.match(text):
        return f" Did you mean `https://{text}.zendesk.com`? (a tenant's URL starts with https://)"
    return ""


def unknown_option(args: Iterable[str], known: Iterable[str], aliases: dict[str, str] | None = None, *,
                   where: str) -> str | None:
    """One sentence for the first of `args` (options no parser took) that is a near miss of a `known`
    option, or one of `aliases` (another command's spelling of an option), naming it as typed; else None."""
    known = list(known)
    for arg in args:
        name = arg.split("=", 1)[0]
        meant = (aliases or {}).get(name) or misspelt_option(arg, known)
        if meant:
            return f"`{name}` is not an option of {where}. Did you mean `{meant}`?"
    return None
