"""kmslint parses HCL with python-hcl2's grammar but without lark's ``propagate_positions`` (which
costs 35-40 % of parse time) and reads a node's span from its first and last token instead. These
tests hold that shortcut to what lark itself computes, and keep the grammar cache honest."""

from __future__ import annotations

from pathlib import Path

import hcl2
from lark import Tree
from lark.exceptions import LarkError

from kmslint.loaders.terraform.hcl_lark import _edge_token
from kmslint_script import fresh_python

ROOT = Path(__file__).resolve().parent.parent
TF_FILES = sorted(p for p in (ROOT / "fixtures").rglob("*.tf*") if p.suffix in (".tf", ".tfvars") and "bad" not in p.parts)


def test_token_spans_equal_lark_positions_on_every_fixture() -> None:
    checked = 0
    for path in TF_FILES:
        try:
            tree = hcl2.parses_to_tree(path.read_text("utf-8-sig"))  # python-hcl2's parser: positions on
        except LarkError:
            continue  # the KMS000 fixtures
        for node in tree.iter_subtrees():
            assert isinstance(node, Tree)
            first, last = _edge_token(node, first=True), _edge_token(node, first=False)
            if getattr(node.meta, "empty", True):
                assert first is None, (path, node.data)
                continue
            assert first is not None and last is not None
            expected = (node.meta.line, node.meta.column, node.meta.end_line, node.meta.end_column)
            assert (first.line, first.column, last.end_line, last.end_column) == expected, (path, node.data)
            checked += 1
    assert len(TF_FILES) > 30 and checked > 5_000, (len(TF_FILES), checked)  # the check saw real input


SCAN = "import sys; from kmslint.cli import main; sys.exit(main(['scan', '.', '--format', 'json']))"


def test_the_grammar_cache_is_written_once_and_a_damaged_one_is_rebuilt(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_kms_key" "k" {\n  is_enabled = false\n}\n')
    env = {"XDG_CACHE_HOME": str(tmp_path / "cache")}
    first = fresh_python(SCAN, tmp_path, env)
    cached = list((tmp_path / "cache" / "kmslint").glob("hcl2-parser-*.pickle"))
    assert first.returncode == 1 and len(cached) == 1 and cached[0].stat().st_size > 10_000, first.stderr
    cached[0].write_bytes(b"not a pickle")
    (tmp_path / "cache" / "kmslint" / "parsed-v1.sqlite").unlink()  # else the parse is cached: no parser is loaded
    second = fresh_python(SCAN, tmp_path, env)
    assert (second.returncode, second.stdout, second.stderr) == (1, first.stdout, "")
    assert cached[0].stat().st_size > 10_000  # rebuilt and saved again
    assert not list((tmp_path / "cache" / "kmslint").glob("*.tmp"))


def test_without_a_cache_nothing_is_written_and_the_result_is_the_same(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_kms_key" "k" {\n  is_enabled = false\n}\n')
    cached = fresh_python(SCAN, tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "cache")})
    uncached = fresh_python(SCAN, tmp_path, {"XDG_CACHE_HOME": str(tmp_path / "other"), "KMSLINT_NO_CACHE": "1"})
    assert (uncached.returncode, uncached.stdout, uncached.stderr) == (cached.returncode, cached.stdout, "")
    assert not (tmp_path / "other").exists()
