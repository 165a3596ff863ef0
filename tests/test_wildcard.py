"""The one wildcard matcher: agrees with a regular-expression reference and stays fast on hostile patterns."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from kmslint.wildcard import ascii_lower, glob_match


def _reference(pattern: str, text: str, any_char: str | None) -> bool:
    parts = []
    for ch in pattern:
        if ch == "*":
            parts.append(".*")
        elif any_char is not None and ch == any_char:
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.fullmatch("".join(parts), text, re.DOTALL) is not None


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab*?", max_size=8), st.text(alphabet="ab?*", max_size=10), st.sampled_from(["?", None]))
def test_agrees_with_regex_reference(pattern: str, text: str, any_char: str | None) -> None:
    assert glob_match(pattern, text, any_char=any_char) == _reference(pattern, text, any_char)


def test_iam_examples() -> None:
    assert glob_match("kms:*", "kms:ScheduleKeyDeletion")
    assert glob_match("kms:Schedule*", "kms:schedulekeydeletion", fold_case=True)
    assert not glob_match("kms:Schedule*", "kms:schedulekeydeletion")
    assert glob_match("kms:?chedule*", "kms:ScheduleKeyDeletion")
    assert not glob_match("kms:Delete*", "kms:ScheduleKeyDeletion", fold_case=True)
    assert glob_match("*", "")
    assert not glob_match("a*b*a", "ab")


def test_case_folding_is_ascii_only() -> None:
    # U+212A KELVIN SIGN lower-cases to "k" under Unicode rules; IAM does not treat it as K.
    assert not glob_match("\u212ams:*", "kms:ScheduleKeyDeletion", fold_case=True)
    assert ascii_lower("KMS:\u212a\u00c9") == "kms:\u212a\u00c9"


def test_many_stars_do_not_backtrack() -> None:
    # A regular expression built from this pattern backtracks for minutes; the matcher answers at once.
    pattern = "kms:" + "*" * 40 + "x"
    assert not glob_match(pattern, "kms:" + "a" * 100_000)
    assert glob_match(pattern, "kms:" + "a" * 100_000 + "x")
    assert not glob_match("*a?" * 30 + "x", "a" * 5_000)
