"""No key hides (issue 17): the prefilter and file classification see what the parsers see.

Escapes the parsers decode (``\\u005f`` in a Terraform label, ``\\u004b`` in JSON, ``\\x4B`` in a YAML
double-quoted string) and files whose telling part starts after the first 64 KB are found with the
prefilter on, exactly as with ``--no-prefilter``. Symbolic links out of the root are never read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import plan_samples as ps
from kmslint.config import Config
from kmslint.discover import classify
from kmslint.engine.rules import load_rules
from kmslint.findings import ScanResult
from kmslint.focus import focus_for
from kmslint.loaders.sniff import template_matters, unescaped
from kmslint.loaders.terraform.prefilter import first_declaration
from kmslint.scan import ScanOptions, run_scan

RULES = load_rules()


def scan(root: Path, prefilter: bool = True, paths: tuple[Path, ...] = ()) -> ScanResult:
    opts = ScanOptions(paths or (root,), root, Config(select=("KMS003", "KMS005")), prefilter=prefilter)
    return run_scan(opts, RULES)[0]


def found(result: ScanResult) -> set[tuple[str, str, int]]:
    return {(f.location.path, f.rule_id, f.location.line) for f in result.findings}


CASES = {
    "escaped-label/main.tf": 'resource "aws\\u005fkms_key" "k" {\n  enable_key_rotation = false\n}\n',
    "escaped-long/main.tf": 'resource "aws_kms\\U0000005fkey" "k" {\n  enable_key_rotation = false\n}\n',
    "escaped.json": json.dumps(
        {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"K": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": False}}}},
        indent=1,
    ).replace("AWSTemplateFormatVersion", "Description").replace("KMS::Key", "\\u004bMS::Key"),
    "escaped.yaml": 'Resources:\n  K:\n    Type: "AWS::\\x4BMS::Key"\n    Properties:\n      EnableKeyRotation: false\n',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_type_named_through_escapes_is_scanned_with_the_prefilter(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CASES[name], encoding="utf-8")
    with_prefilter = found(scan(tmp_path))
    assert any(rule == "KMS003" for _, rule, _ in with_prefilter), with_prefilter
    assert with_prefilter == found(scan(tmp_path, prefilter=False))


def test_a_template_whose_resources_start_after_64_kb_is_scanned(tmp_path: Path) -> None:
    padding = "".join(f"  P{i}:\n    Type: String\n    Default: {'x' * 60}\n" for i in range(1200))
    (tmp_path / "late.yaml").write_text(
        f"Parameters:\n{padding}Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: false\n", encoding="utf-8"
    )
    assert (tmp_path / "late.yaml").stat().st_size > 64 * 1024
    assert classify(tmp_path / "late.yaml") == "cloudformation"
    assert ("late.yaml", "KMS003", 3606) in found(scan(tmp_path))


def test_a_plan_whose_variables_come_first_is_scanned(tmp_path: Path) -> None:
    changes = [ps.change("aws_kms_key.k", "aws_kms_key", ["create"], after=ps.key_values(enable_key_rotation=False))]
    doc = {"format_version": "1.2", "variables": {f"v{i}": {"value": "x" * 100} for i in range(1000)}, **ps.plan(changes)}
    doc["format_version"] = "1.2"
    (tmp_path / "plan.json").write_text(ps.text(doc), encoding="utf-8")
    assert (tmp_path / "plan.json").read_text().index('"resource_changes"') > 64 * 1024
    assert classify(tmp_path / "plan.json") == "plan"


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["AWS::KMS::Key", "AWS::Logs::MetricFilter", "aws_kms_key"]), st.data())
def test_any_escaped_spelling_of_a_type_name_is_recognised(name: str, data: st.DataObject) -> None:
    escaped = "".join(
        data.draw(st.sampled_from([c, f"\\u{ord(c):04x}", f"\\u{ord(c):04X}", f"\\x{ord(c):02x}", f"\\U{ord(c):08x}"])) for c in name
    )
    assert unescaped(escaped) == name
    if name.startswith("AWS::"):
        assert template_matters(f'{{"Resources": {{"K": {{"Type": "{escaped}"}}}}}}')
    else:
        assert first_declaration(f'resource "{escaped}" "k" {{}}\n') == (1, 11)


# --- symbolic links out of the root -------------------------------------------------------------------


def test_a_focus_scan_never_opens_a_sibling_linked_out_of_the_root(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (outside / "secret.tf").write_text('resource "aws_kms_key" "outside" {\n  enable_key_rotation = false\n}\n')
    (repo / "main.tf").write_text('resource "aws_kms_key" "k" {\n  enable_key_rotation = true\n}\n')
    (repo / "leak.tf").symlink_to(outside / "secret.tf")
    (repo / "environ.tf").symlink_to("/proc/self/environ")
    focus = focus_for((repo / "main.tf",), repo)
    assert [p.name for p in focus.load_paths] == ["main.tf", "main.tf"]


def test_a_named_file_linked_out_of_the_root_is_reported_not_read(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    outside.mkdir()
    (outside / "secret.tf").write_text('resource "aws_kms_key" "outside" {\n  enable_key_rotation = false\n}\n')
    (repo / "leak.tf").symlink_to(outside / "secret.tf")
    result = scan(repo, paths=(repo / "leak.tf",))
    messages = [f.message for f in result.findings]
    assert len(messages) == 1 and "outside the scan root: not followed" in messages[0]


def test_a_module_directory_linked_out_of_the_root_is_not_read(tmp_path: Path) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    repo.mkdir()
    (outside / "kms").mkdir(parents=True)
    (outside / "kms" / "main.tf").write_text('resource "aws_kms_key" "outside" {\n  enable_key_rotation = false\n}\n')
    (repo / "mod").symlink_to(outside / "kms", target_is_directory=True)
    (repo / "main.tf").write_text('module "k" {\n  source = "./mod"\n}\nresource "aws_kms_key" "k" {\n  enable_key_rotation = false\n}\n')
    assert found(scan(repo)) == {("main.tf", "KMS003", 5)}
