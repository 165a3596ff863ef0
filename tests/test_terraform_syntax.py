"""Terraform syntax read as Terraform reads it (issue 13): heredoc markers, duplicate addresses,
``optional()`` attributes, JSON syntax."""

from __future__ import annotations

import pytest

from kmslint.loaders.terraform.hcl import HclSyntaxError, Lit, parse


@pytest.mark.parametrize(
    "source",
    ["<<EOT\nhello\nEOT\n", "<<EOT\nhello\nEOT  \n", "<<EOT\nhello\n\t EOT \t\n", "<<-EOT\n  hello\n  EOT\t\n", "<<EOT\r\nhello\r\n  EOT \r\n"],
)
def test_a_heredoc_ends_at_its_marker_with_blanks_around_it(source: str) -> None:
    body = parse(f"a = {source}b = 1\n", "t.tf")
    a = body.attributes["a"].expr
    assert isinstance(a, Lit) and a.value == "hello\n"
    assert set(body.attributes) == {"a", "b"}


def test_a_heredoc_does_not_end_at_a_line_that_only_starts_with_the_marker() -> None:
    a = parse("a = <<EOT\nEOTX\nEOT\n", "t.tf").attributes["a"].expr
    assert isinstance(a, Lit) and a.value == "EOTX\n"


def test_an_unterminated_heredoc_is_a_syntax_error() -> None:
    with pytest.raises(HclSyntaxError):
        parse("a = <<EOT\nhello\nEOT x\n", "t.tf")
