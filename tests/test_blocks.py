"""The block splitter (issue 19): where top-level blocks start and end, and when it gives up."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmslint.loaders.terraform.blocks import RawBlock, needed_now, parse_block, split_blocks, split_file
from kmslint.loaders.terraform.hcl import parse
from kmslint.loaders.terraform.module import ModuleDef

TRICKY = '''# a comment with a { brace
resource "aws_s3_bucket" "b" {
  bucket = "x-}-${var.a["}"]}-$${literal}"
  tags   = { Name = "%{ if true }}%{ endif }" } // }
  /* } */
}

variable "v" { default = "{" }
resource "aws_kms_key" "k" {
  policy = <<-POLICY
    { "Statement": [ } ] }
    POLICY   
  description = "after the heredoc"
}
output "o" {
  value = <<EOT
}}}
EOT
}
'''


def test_tricky_blocks_split_where_the_parser_puts_them() -> None:
    blocks = split_blocks(TRICKY)
    assert blocks is not None
    assert [(b.type, b.labels, b.line) for b in blocks] == [
        ("resource", ("aws_s3_bucket", "b"), 2),
        ("variable", ("v",), 8),
        ("resource", ("aws_kms_key", "k"), 9),
        ("output", ("o",), 15),
    ]
    whole = parse(TRICKY, "main.tf").blocks
    for raw, expected in zip(blocks, whole):
        assert parse_block(TRICKY, "main.tf", raw) == expected  # same positions, same values


@pytest.mark.parametrize(
    "text",
    [
        'resource "a" "b" {\n  x = "unterminated\n}\n',
        'resource "a" "b" {\n  x = 1\n',  # unbalanced
        'resource "a" "b" {\n  p = <<EOT\nno end\n}\n',  # unterminated heredoc
        'x = 1\n',  # a top-level attribute
        '/* c */ resource "a" "b" {\n}\n',  # starts mid-line
        'resource "a" "b" {\n}\n/* open',
        'resource "a-${x}" "b" {\n}\n',  # a label with a template
    ],
)
def test_the_splitter_gives_up_when_unsure(text: str) -> None:
    assert split_blocks(text) is None


def test_only_blocks_a_rule_needs_are_parsed_up_front() -> None:
    text = 'resource "aws_s3_bucket" "b" {\n}\nresource "aws_kms_key" "k" {\n}\nmodule "m" {\n  source = "./m"\n}\nvariable "v" {\n}\n'
    split = split_file(text, "main.tf")
    assert split is not None
    assert [(raw.type, block is not None) for raw, block in split.blocks] == [("resource", False), ("resource", True), ("module", True), ("variable", False)]
    assert not needed_now(RawBlock("import", (), 0, 0, 1))
    assert needed_now(RawBlock("provider", ("aws",), 0, 0, 1))
    assert needed_now(RawBlock("variable", (), 0, 0, 1))  # a wrong label count needs its KMS000


def test_a_block_that_fails_to_parse_now_means_the_whole_file_is_parsed() -> None:
    assert split_file('resource "aws_kms_key" "k" {\n  x = = 1\n}\n', "main.tf") is None


def test_a_pending_block_with_a_syntax_error_is_reported_when_read(tmp_path: Path) -> None:
    text = 'variable "v" {\n  default = = 1\n}\nresource "aws_s3_bucket" "b" {\n  x = = 2\n}\n'
    split = split_file(text, "main.tf")
    assert split is not None
    mdef = ModuleDef(tmp_path, ".")
    mdef.add_split(split)
    assert mdef.variables.get("v") is None
    assert [(e.location.path, e.location.line) for e in mdef.late_errors] == [("main.tf", 2)]
    assert mdef.all_resources(lambda t: t.startswith("aws_kms_")) == []  # the bucket is never parsed
    assert len(mdef.late_errors) == 1
