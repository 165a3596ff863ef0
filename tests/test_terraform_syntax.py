"""Terraform syntax read as Terraform reads it (issue 13): heredoc markers, duplicate addresses,
``optional()`` attributes, JSON syntax."""

from __future__ import annotations

from pathlib import Path
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


def _scan_tree(tmp_path: Path, files: dict[str, str], var_files: tuple[Path, ...] = ()) -> list[tuple[str, str, int]]:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    result, _ = run_scan(ScanOptions((tmp_path,), tmp_path, var_files=var_files, select=("KMS002",)), load_rules())
    return [(f.location.path, f.rule_id, f.location.line) for f in result.findings]


KEY_JSON = '{\n  "//": "generated",\n  "variable": {"w": {"default": 30}},\n  "resource": {"aws_kms_key": {"k": {"deletion_window_in_days": "${var.w}"}}}\n}\n'


def test_tfvars_json_files_apply_in_terraforms_order(tmp_path: Path) -> None:
    files = {"main.tf.json": KEY_JSON, "terraform.tfvars.json": '{"w": 3}\n', "b.auto.tfvars.json": '{\n  "w": 5\n}\n'}
    assert _scan_tree(tmp_path, files) == [("b.auto.tfvars.json", "KMS002", 2)]


def test_a_var_file_in_json_is_read(tmp_path: Path) -> None:
    (tmp_path / "vars").mkdir()
    (tmp_path / "vars" / "prod.tfvars.json").write_text('{"w": 1}')
    got = _scan_tree(tmp_path, {"main.tf": 'variable "w" {}\nresource "aws_kms_key" "k" {\n  deletion_window_in_days = var.w\n}\n'}, (tmp_path / "vars" / "prod.tfvars.json",))
    assert got == [("vars/prod.tfvars.json", "KMS002", 1)]


def test_a_json_string_that_is_one_interpolation_keeps_its_value(tmp_path: Path) -> None:
    files = {
        "main.tf.json": '{"locals": {"windows": [3, 30]}, "resource": {"aws_kms_key": {"k": {"deletion_window_in_days": "${local.windows[0]}"}}}}',
    }
    assert _scan_tree(tmp_path, files) == [("main.tf.json", "KMS002", 1)]


def test_broken_terraform_json_is_kms000_at_the_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text('{\n  "resource": {"aws_kms_key": {"k": {}}},\n}\n')
    result, _ = run_scan(ScanOptions((tmp_path,), tmp_path), load_rules())
    errors = [(f.location.path, f.location.line, "JSON syntax error" in f.message) for f in result.findings if f.rule_id == "KMS000"]
    assert errors == [("main.tf.json", 3, True)]
