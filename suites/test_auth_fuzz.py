"""Malformed credentials, fuzzed: for each auth method, many mutations of the real credential, each
refused as the facts say (docs/facts.md F-57 to F-61).

Hypothesis draws `--zd-fuzz-examples` recipes per family (default 12; 0 turns the check off) from
`--zd-fuzz-seed` (default 0), and sends each to List Users, List OAuth Clients or Create Token:

- `oauth_token`: Bearer with a prefix, suffix, changed case or character, inserted character (controls,
  Latin-1, beyond Latin-1, emoji), a repeated copy of the real token; no token; a JWT-looking string; a
  mutated expired token; spaces around the real one (F-59: may be accepted);
- `api_token` and `password`: Basic with the same mutations of the secret, trailing whitespace, an extra
  colon, no colon, broken base64, an unknown login, another user's password; the `/token` suffix's case
  and spacing with the real token (F-59: may be accepted);
- `header`: the scheme's case (F-59), two Authorization fields (an invalid one first must be refused;
  a valid one first may be judged, F-60), an unknown scheme, the token in the query string or a form
  field (F-61: a finding when accepted).

A granted probe that must be refused fails the check (security, high), with the minimal example that
Hypothesis shrinks it to; a 5xx is a robustness finding (F-58). Each probe's recipe, never its value,
is recorded in its request (`X-Zdconform-Probe`), with the seed: a replay draws the same examples and
matches each to its recorded answer. Sending a CR or LF inside a header is not tried: no HTTP library
the suite runs on sends one.
"""

from __future__ import annotations

import pytest

from zdconform.conformance.fuzz import fuzz_family
from zdconform.conformance.fuzz_recipes import FAMILIES


@pytest.mark.zd_check("auth_fuzz")
@pytest.mark.parametrize("family", FAMILIES)
def test_malformed_credentials_are_refused(zd, family):
    fuzz_family(zd, family)
