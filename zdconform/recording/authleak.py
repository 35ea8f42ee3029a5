"""Authorization values left unredacted in a text: Basic credentials and Bearer tokens.

`AUTH_LEAK` is the pattern; `auth_matches` finds what `AUTH_LEAK.finditer` finds, trying the
pattern only where a match can start (a report of hundreds of kilobytes in milliseconds);
`looks_like_credential` tells a credential from a word ("Basic authentication").
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator

__all__ = ["AUTH_LEAK", "auth_matches", "looks_like_credential"]

# An Authorization value that was not redacted: Basic base64, or a Bearer token of 16+ chars.
AUTH_LEAK = re.compile(r"(?i)\b(?:(basic)\s+(?!REDACTED\b)[A-Za-z0-9+/]{8,}={0,2}"
                       r"|(bearer)\s+(?!REDACTED\b)[A-Za-z0-9._~+/-]{16,}=*)")
# Where an AUTH_LEAK match can start: under (?i), b, a and e match no other character
# (tests/test_scrub.py checks it over every code point).
_START = re.compile(r"[bB][aAeE]")


def auth_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of `AUTH_LEAK.finditer(text)`, the same ones in the same order."""
    end = 0
    for start in (candidate.start() for candidate in _START.finditer(text)):
        if start >= end and (found := AUTH_LEAK.match(text, start)):  # `\b` still sees text[start - 1]
            end = found.end()
            yield found


def looks_like_credential(match: re.Match[str]) -> bool:
    """An `AUTH_LEAK` match that is a credential, not a word ("Basic authentication"):
    Basic must decode to `user:secret`; a Bearer token has a digit or is 24+ characters."""
    scheme, value = (match.group(1) or match.group(2)), match.group(0).split(None, 1)[1]
    if scheme.lower() == "bearer":
        return any(c.isdigit() for c in value) or len(value) >= 24
    try:
        return b":" in base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except ValueError:
        return False
