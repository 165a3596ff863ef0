"""GitHub's primaryLocationLineHash, and reading sources back for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmslint.fingerprints import line_hashes, normalised_line, utf16_units
from kmslint.sources import SourceCache, split_lines

# Expected values published in github/codeql-action's own tests (src/fingerprints.test.ts), so
# kmslint's value equals what upload-sarif would compute for the same file.
GITHUB_VECTORS = [
    ("", ["c129715d7a2bc9a3:1"]),
    (" a\nb\n  \t\tc\n d", ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"]),
    (
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        ["8b7cf3e952e7aeb2:1", "b1ae1287ec4718d9:1", "bff680108adb0fcc:1", "c6805c5e1288b612:1", "b86d3392aea1be30:1", "e6ceba753e1a442:1"],
    ),
]
ENDING_VARIANTS = [
    " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
    " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
    " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
    " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
]
ENDING_HASHES = [
    "e9496ae3ebfced30:1", "fb7c023a8b9ccb3f:1", "ce8ba1a563dcdaca:1", "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1", "c8e28b0b4002a3a0:1", "c129715d7a2bc9a3:1",
]
REPEATED = [
    "a7f2ff13bc495cf2:1", "a7f2ff13bc495cf2:2", "a7f2ff13bc495cf2:3", "a7f2ff13bc495cf2:4",
    "a7f2ff13bc495cf2:5", "a7f2ff13bc495cf2:6", "a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1",
    "55ec222b86bcae53:1", "cc97dc7b1d7d8f7b:1", "c129715d7a2bc9a3:1",
]


def _as_list(text: str) -> list[str]:
    hashes = line_hashes(text)
    assert sorted(hashes) == list(range(1, len(hashes) + 1))
    return [hashes[n] for n in sorted(hashes)]


@pytest.mark.parametrize("text,expected", GITHUB_VECTORS)
def test_line_hashes_match_githubs_published_values(text: str, expected: list[str]) -> None:
    assert _as_list(text) == expected


@pytest.mark.parametrize("text", ENDING_VARIANTS)
def test_lf_cr_and_crlf_hash_alike(text: str) -> None:
    assert _as_list(text) == ENDING_HASHES


def test_identical_lines_are_numbered_like_github() -> None:
    assert _as_list("Lorem ipsum dolor sit amet.\n" * 10) == REPEATED


def test_indentation_does_not_change_the_hash_but_content_does() -> None:
    a = line_hashes("resource \"aws_kms_key\" \"a\" {\n  deletion_window_in_days = 7\n}\n")
    b = line_hashes("resource \"aws_kms_key\" \"a\" {\n\t\tdeletion_window_in_days   =   7\n}\n")
    c = line_hashes("resource \"aws_kms_key\" \"a\" {\n  deletion_window_in_days = 8\n}\n")
    assert a[2] == b[2]
    assert a[2] != c[2]


def test_text_is_walked_in_utf16_code_units_like_javascript() -> None:
    assert utf16_units("a\u00e9\U0001F600") == [0x61, 0xE9, 0xD83D, 0xDE00]


def test_a_byte_order_mark_is_part_of_line_one_as_for_github() -> None:
    assert line_hashes("\ufeffa\nb\n")[1] != line_hashes("a\nb\n")[1]
    assert line_hashes("\ufeffa\nb\n")[2] == line_hashes("a\nb\n")[2]


def test_normalised_line_drops_all_whitespace() -> None:
    assert normalised_line("  enable_key_rotation =\tfalse  ") == "enable_key_rotation=false"


def test_split_lines_counts_crlf_cr_lf_once_and_drops_the_bom() -> None:
    assert split_lines("\ufeffa\r\nb\rc\nd") == ["a", "b", "c", "d"]
    assert split_lines("a\x0cb\u2028c") == ["a\x0cb\u2028c"]  # not line breaks in IaC files


def test_source_cache_reads_lines_and_hashes(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "main.tf").write_bytes(b"\xef\xbb\xbfone\r\ntwo\r\n")
    cache = SourceCache(tmp_path)
    assert cache.line("m/main.tf", 2) == "two"
    assert cache.line("m/main.tf", 9) is None
    assert cache.line_hash("m/main.tf", 2) == line_hashes("\ufeffone\r\ntwo\r\n")[2]


@pytest.mark.parametrize("rel", ["missing.tf", "../outside.tf", "/etc/passwd", "", "m"])
def test_source_cache_degrades_to_none(tmp_path: Path, rel: str) -> None:
    (tmp_path / "m").mkdir()
    cache = SourceCache(tmp_path)
    assert cache.lines(rel) is None
    assert cache.line_hash(rel, 1) is None


def test_bom_crlf_astral_and_invalid_utf8_match_the_upload_action(tmp_path: Path) -> None:
    # Expected values computed by codeql-action's hash() (run under Node with the `long` package)
    # over these exact bytes: BOM, CRLF, a tab, an astral-plane emoji and one invalid byte.
    raw = (
        b'\xef\xbb\xbfresource "aws_kms_key" "k" { # \xf0\x9f\x94\x91\r\n'
        b'  description = "caf\xc3\xa9 \xff"\r\n\tdeletion_window_in_days = 7\r\n}\r\n'
    )
    (tmp_path / "main.tf").write_bytes(raw)
    cache = SourceCache(tmp_path)
    expected = ["aaea4dc5db2b41bd:1", "ce436676382b3788:1", "c94792c9d1765349:1", "32dce9ccfdbc9d3e:1", "c129715d7a2bc9a3:1"]
    assert [cache.line_hash("main.tf", n) for n in range(1, 6)] == expected


_TEXT = st.text(alphabet=st.sampled_from(list("ab{}=\"# \t\r\n\u00e9\U0001F511")), max_size=400)


@given(_TEXT)
@settings(max_examples=200, deadline=None)
def test_one_hash_per_line_as_github_counts_lines(text: str) -> None:
    assert sorted(line_hashes(text)) == list(range(1, len(split_lines(text)) + 1))


@given(_TEXT, st.integers(min_value=0, max_value=400), st.sampled_from([" ", "\t", "  \t "]))
@settings(max_examples=200, deadline=None)
def test_spaces_and_tabs_never_change_any_hash(text: str, at: int, blank: str) -> None:
    at = min(at, len(text))
    if text[at - 1 : at] == "\r" and text[at : at + 1] == "\n":
        return  # splitting a CRLF adds a line: not a whitespace-only edit
    assert line_hashes(text[:at] + blank + text[at:]) == line_hashes(text)
