"""Terraform syntax read as Terraform reads it (issue 13): heredoc markers, duplicate addresses,
``optional()`` attributes, JSON syntax."""

from __future__ import annotations

from typing import Any

import pytest

from kmslint.config import load_config
from kmslint.engine.rules import load_rules
from kmslint.loaders.terraform.hcl import HclSyntaxError, Lit, parse
from kmslint.loaders.terraform.vartypes import conform
from kmslint.model.values import UNKNOWN
from kmslint.scan import ScanOptions, run_scan
from test_fixtures import FIXTURES


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


def _type(text: str) -> Any:
    return parse(f"t = {text}\n", "t.tf").attributes["t"].expr


def test_optional_object_attributes_are_filled_and_undeclared_ones_dropped() -> None:
    t = _type('list(object({ a = string, b = optional(string), c = optional(list(string), ["x"]) }))')
    value = conform([{"a": "1", "z": 9}, {"a": "2", "c": ["y"]}], t, lambda e: [str(i.value) for i in e.items])  # type: ignore[attr-defined]
    assert value == [{"a": "1", "b": None, "c": ["x"]}, {"a": "2", "b": None, "c": ["y"]}]


def test_a_missing_required_attribute_leaves_the_value_as_written() -> None:
    t = _type("object({ a = string, b = string })")
    assert conform({"a": "1"}, t, lambda e: None) == {"a": "1"}
    assert conform(UNKNOWN, t, lambda e: None) is UNKNOWN


def test_a_public_statement_through_optional_attributes_is_found_and_a_dynamic_condition_pins_the_other() -> None:
    case = FIXTURES / "terraform" / "optional_attrs"
    result, _ = run_scan(ScanOptions((case,), case, load_config(case)), load_rules())
    public = [f for f in result.findings if f.rule_id == "KMS012"]
    assert [(f.resource, "pinned" in f.message) for f in public] == [("module.public.aws_kms_key.this", False)]
