"""Wildcards and ``%regex%`` in monitoring patterns are matched without backtracking (issue 16).

Each case builds the pattern that made ``re`` take minutes (``***...***x``, ``%.*.*.*...x%``)
and asserts the verdict; the suite's own run time is the guard (no wall-clock limits in tests).
"""

from __future__ import annotations

import pytest

from kmslint.monitoring.event_pattern import event_pattern_matches, wildcard_matches
from kmslint.monitoring.filter_pattern import FilterPatternError, filter_pattern_matches, parse_filter_pattern
from kmslint.monitoring.logs_regex import MAX_STATES, LogsRegexError, compile_logs_regex

N = 20_000
LONG = "a" * N


def test_eventbridge_wildcard_of_many_stars() -> None:
    pattern = "*" * N + "x"
    assert not wildcard_matches(pattern, LONG)
    assert wildcard_matches(pattern, LONG + "x")
    event = {"detail": {"eventName": LONG}}
    assert not event_pattern_matches({"detail": {"eventName": [{"wildcard": pattern}]}}, event)


def test_eventbridge_wildcard_alternating_stars() -> None:
    pattern = "*a" * (N // 2) + "*b"
    assert not wildcard_matches(pattern, LONG)
    assert wildcard_matches(pattern, LONG + "b")


def test_eventbridge_escaped_star_stays_literal_in_long_patterns() -> None:
    pattern = "*" * 1000 + "\\*" + "*" * 1000
    assert wildcard_matches(pattern, "a" * 500 + "*" + "a" * 500)
    assert not wildcard_matches(pattern, LONG)


def test_filter_value_with_many_stars() -> None:
    pattern = '{ $.eventName = "' + "*" * N + 'x" }'
    assert not filter_pattern_matches(pattern, {"eventName": LONG})
    # Inner stars are literal in CloudWatch: only the leading one is a wildcard.
    assert filter_pattern_matches(pattern, {"eventName": "a" + "*" * (N - 1) + "x"})


@pytest.mark.parametrize("repeat", [10, 100, 1000])
def test_regex_of_many_dot_stars(repeat: int) -> None:
    body = ".*" * repeat + "x"
    assert not compile_logs_regex(body).search(LONG)
    assert compile_logs_regex(body).search(LONG + "x")
    assert not filter_pattern_matches("{ $.eventName = %" + body + "% }", {"eventName": LONG})
    assert filter_pattern_matches("%" + body + "%", {"eventName": LONG + "x"})


def test_regex_of_distinct_stars_is_bounded_not_refused() -> None:
    body = "a*b*" * 200 + "x"
    assert not compile_logs_regex(body).search("ab" * 2000)
    assert compile_logs_regex(body).search("ab" * 20 + "x")


@pytest.mark.parametrize("body", ["a{2000}", "a{1,5000}", "(ab)", "a!", "é"])
def test_regex_kmslint_cannot_match_safely_is_refused(body: str) -> None:
    with pytest.raises(LogsRegexError):
        compile_logs_regex(body)


def test_refused_regex_is_an_error_strictly_and_unknown_when_tolerant() -> None:
    text = "{ $.eventSource = kms.amazonaws.com && $.eventName = %a{" + str(MAX_STATES + 1) + "}% }"
    with pytest.raises(FilterPatternError):
        parse_filter_pattern(text)
    parsed = parse_filter_pattern(text, tolerant=True)
    assert parsed.tri({"eventSource": "kms.amazonaws.com", "eventName": "DisableKey"}) is None
    assert parsed.tri({"eventSource": "ec2.amazonaws.com", "eventName": "DisableKey"}) is False


@pytest.mark.parametrize(
    ("body", "text", "found"),
    [
        ("^[DS]", "DisableKey", True),
        ("^[DS]", "EnableKey", False),
        ("Key$", "DisableKeyRotation", False),
        ("colou?r", "color", True),
        ("a{3,5}", "xaay", False),
        ("a{3,5}", "xaaay", True),
        ("[Ee]rror|[Ff]ail", "Fail now", True),
        ("\\d{1,3}\\.\\d{1,3}", "ip 10.2", True),
        ("[^a-z]", "abc", False),
        ("^a$", "ab", False),
    ],
)
def test_regex_syntax(body: str, text: str, found: bool) -> None:
    assert compile_logs_regex(body).search(text) is found
