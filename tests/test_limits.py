"""kmslint.limits: size and nesting bounds that keep hostile input away from the parsers."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmslint.limits import MAX_NESTING_DEPTH, check_depth, check_size, nesting_violation, size_violation, too_deep, too_large


def test_file_at_the_limit_passes_and_one_byte_over_fails(tmp_path: Path) -> None:
    f = tmp_path / "main.tf"
    f.write_bytes(b"x" * 1000)
    assert size_violation(f, max_bytes=1000) is None
    f.write_bytes(b"x" * 1001)
    found = size_violation(f, max_bytes=1000)
    assert found is not None and (found.line, found.column) == (1, 1)
    assert "limit" in found.reason


def test_size_message_states_size_and_limit(tmp_path: Path) -> None:
    f = tmp_path / "big.json"
    f.write_bytes(b" " * (3 * 1024 * 1024))
    assert check_size(f, max_bytes=1024 * 1024) == "file is 3.0 MB, over the 1.0 MB limit for one file; it was not parsed"


def test_a_missing_file_is_not_a_size_problem(tmp_path: Path) -> None:
    assert check_size(tmp_path / "gone.tf") is None


@pytest.mark.parametrize("opener,closer", [("[", "]"), ("{", "}"), ('{"a":', "}")])
def test_depth_at_the_limit_passes_and_one_deeper_fails(opener: str, closer: str) -> None:
    assert check_depth(opener * 5 + closer * 5, max_depth=5) is None
    assert check_depth(opener * 6 + closer * 6, max_depth=5) is not None


def test_depth_violation_points_at_the_first_bracket_too_deep() -> None:
    text = "a = 1\n  x: [[[\n   [[ ]]]]]\n"
    found = nesting_violation(text, max_depth=4)
    assert found is not None
    assert (found.line, found.column) == (3, 5)  # the 5th opener is the second '[' on line 3


def test_depth_counts_crlf_and_cr_as_line_breaks() -> None:
    found = nesting_violation("a\r\nb\rc\n[[[", max_depth=2)
    assert found is not None and (found.line, found.column) == (4, 3)


def test_siblings_do_not_add_up() -> None:
    text = "[" + ",".join(["[[[]]]"] * 500) + "]"
    assert check_depth(text, max_depth=4) is None


def test_stray_closers_do_not_hide_depth() -> None:
    assert check_depth("]]]]]]]]]]" + "[" * 6, max_depth=5) is not None


def test_parentheses_are_not_counted() -> None:
    assert check_depth("(" * 500, max_depth=5) is None


def test_default_limit_leaves_room_for_real_files() -> None:
    cdk_like = '{"Fn::Join": ["", [' * 10 + '"x"' + "]]}" * 10  # 30 levels: generated templates
    assert check_depth(cdk_like) is None
    assert check_depth("[" * (MAX_NESTING_DEPTH + 1)) is not None


def test_parse_errors_carry_the_file_and_the_position(tmp_path: Path) -> None:
    f = tmp_path / "t.json"
    f.write_bytes(b"[" * 20)
    big = too_large("sub/t.json", f, max_bytes=10)
    assert big is not None and (big.location.path, big.location.line) == ("sub/t.json", 1)
    deep = too_deep("sub/t.json", "{\n" + "[" * 20, max_depth=10)
    assert deep is not None and (deep.location.path, deep.location.line, deep.location.column) == ("sub/t.json", 2, 10)
    assert too_large("t.json", f) is None and too_deep("t.json", "[]") is None


def test_brackets_inside_double_quoted_strings_do_not_count() -> None:
    """WAF regexes, prose: 150 unbalanced '[' in strings must not keep a template from being scanned."""
    rules = ", ".join('{"RegexString": "^[a-z"}' for _ in range(150))
    template = '{"Resources": {"Set": {"Type": "AWS::WAFv2::RegexPatternSet", "Properties": {"RegularExpressionList": [' + rules + "]}}}}"
    assert check_depth(template) is None
    assert check_depth('{"a": "x\\"[[[[[[[[\\"y"}', max_depth=3) is None  # an escaped quote does not end the string


def test_structure_around_strings_still_counts() -> None:
    assert check_depth('{"a": [{"b": [{"c": "]]]]"}]}]}', max_depth=4) is not None
    assert check_depth("Pattern: '{\"s\": [[[[[1]]]]]}'", max_depth=5) is not None  # JSON in a YAML single-quoted string
