"""One wildcard matcher for every pattern kmslint evaluates: IAM actions and condition keys
(``*`` and ``?``), EventBridge ``wildcard`` / ``prefix`` / ``suffix`` and CloudWatch ``*`` values (``*``).

Written here rather than translated to a regular expression: ``re`` backtracks, so a pattern like
``kms:**************x`` took minutes. This matcher splits the pattern at its stars and places each
literal segment at its leftmost possible position, which is optimal for ``*`` globs, so the work is
at most ``len(pattern) * len(text)`` character comparisons and usually one C-level ``str.find`` a
segment. Case folding is ASCII only, as IAM's is: ``re.IGNORECASE`` on ``str`` patterns would let
``\\u212a`` (the Kelvin sign) match ``k``.
"""

from __future__ import annotations

from typing import Optional

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ascii_lower(s: str) -> str:
    """Lower-case ASCII letters only; every other character stays as it is."""
    return s.translate(_ASCII_LOWER)


def glob_match(pattern: str, text: str, *, fold_case: bool = False, any_char: Optional[str] = "?") -> bool:
    """Does ``text`` match ``pattern``, where ``*`` is any run of characters (also none) and
    ``any_char`` (``?`` for IAM; None where the syntax has no single-character wildcard) is one?"""
    if fold_case:
        pattern, text = ascii_lower(pattern), ascii_lower(text)
    segments = pattern.split("*")
    if len(segments) == 1:
        return len(pattern) == len(text) and _matches_at(pattern, text, 0, any_char)
    first, middle, last = segments[0], segments[1:-1], segments[-1]
    if len(first) + len(last) > len(text):
        return False
    end = len(text) - len(last)
    if not (_matches_at(first, text, 0, any_char) and _matches_at(last, text, end, any_char)):
        return False
    pos = len(first)
    for seg in middle:
        if seg:
            found = _find(seg, text, pos, end, any_char)
            if found < 0:
                return False
            pos = found + len(seg)
    return True


def _matches_at(seg: str, text: str, start: int, any_char: Optional[str]) -> bool:
    """``seg`` (no stars) matches ``text`` at ``start`` exactly, ``any_char`` matching one character."""
    if any_char is None or any_char not in seg:
        return text.startswith(seg, start)
    if start + len(seg) > len(text):
        return False
    return all(p == any_char or p == text[start + i] for i, p in enumerate(seg))


def _find(seg: str, text: str, start: int, end: int, any_char: Optional[str]) -> int:
    """The leftmost index >= ``start`` where ``seg`` matches and ends by ``end``, or -1."""
    if any_char is None or any_char not in seg:
        return text.find(seg, start, end)
    for i in range(start, end - len(seg) + 1):
        if _matches_at(seg, text, i, any_char):
            return i
    return -1
