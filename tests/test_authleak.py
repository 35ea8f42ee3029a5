"""`auth_matches` finds what `AUTH_LEAK.finditer` finds, only quicker."""

from __future__ import annotations

import random
import re
import sys

import pytest

from zdconform.recording.authleak import AUTH_LEAK, auth_matches

EVERY_CHARACTER = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


@pytest.mark.parametrize("letter", "bae")
def test_the_first_two_letters_match_no_other_character(letter):
    """The quick finder looks for [bB][aAeE] where the pattern reads them case-insensitively."""
    assert sorted(set(re.findall(f"(?i){letter}", EVERY_CHARACTER))) == sorted({letter, letter.upper()})


PIECES = ["Basic ", "basic  ", "BEARER ", "Bearer\t", "bearer ", "REDACTED", "ZmFrZUBleGFtcGxlLmNvbTpwdw==",
          "52d7ef4ee01e2c2c75bff572f957cd4f12d6225e", "abcdefgh", "x", "_", " ", "\n", "=", "baſic ", "Beaer ",
          "Basic Basic ", "ab", "é", "→", "Bearer Basic 0123456789abcdef0123"]


@pytest.mark.parametrize("seed", range(40))
def test_the_same_matches_as_finditer(seed):
    pick = random.Random(seed)
    text = "".join(pick.choice(PIECES) for _ in range(pick.randint(0, 60)))
    expected = [(m.span(), m.groups()) for m in AUTH_LEAK.finditer(text)]
    assert [(m.span(), m.groups()) for m in auth_matches(text)] == expected


def test_the_same_matches_in_a_report_sized_text():
    text = ("<pre>Authorization: Bearer REDACTED\nx-basic: Basic ZmFrZUBleGFtcGxlLmNvbTpwdw==\n"
            "Bearer 52d7ef4ee01e2c2c75bff572f957cd4f12d6225e; abasic 12345678</pre>\n") * 2000
    expected = [(m.span(), m.groups()) for m in AUTH_LEAK.finditer(text)]
    assert len(expected) == 4000
    assert [(m.span(), m.groups()) for m in auth_matches(text)] == expected
