"""Following Terraform module sources: local ones anywhere in the repository, registry/git ones
through ``.terraform/modules/modules.json``, and every call that cannot be followed listed as not
checked (issue 13, items 1, 2 and 8)."""

from __future__ import annotations

import os
from pathlib import Path

from kmslint.config import load_config
from kmslint.engine.rules import load_rules
from kmslint.findings import ScanResult
from kmslint.scan import ScanOptions, run_scan

from test_fixtures import FIXTURES, expectations

OUTSIDE = FIXTURES / "terraform" / "module_outside"


def scan(path: Path, root: Path) -> ScanResult:
    result, _ = run_scan(ScanOptions((path,), root, load_config(path)), load_rules())
    assert not result.errors, result.errors
    return result


def as_case_paths(result: ScanResult, sub: str) -> set[tuple[str, str, int]]:
    """Findings of a scan run from ``sub`` with paths made relative to the fixture case again."""
    return {(os.path.normpath(f"{sub}/{f.location.path}").replace(os.sep, "/"), f.rule_id, f.location.line) for f in result.findings}


def test_a_scan_from_the_working_directory_follows_modules_above_it() -> None:
    sub = OUTSIDE / "envs" / "prod"
    result = scan(sub, sub)
    expect, ok = expectations(OUTSIDE)
    got = as_case_paths(result, "envs/prod")
    assert got == expect
    assert not got & ok
    assert {f.location.path for f in result.findings} == {"main.tf", "../../modules/kms/main.tf"}


def test_module_calls_that_cannot_be_followed_are_listed_as_not_checked() -> None:
    sub = OUTSIDE / "envs" / "prod"
    items = {(u.location.path, u.location.line): u.reason for u in scan(sub, sub).unchecked}
    assert items == {
        ("main.tf", 15): 'module "gone" (local source ../../modules/missing): the directory does not exist, so the module is not checked; fix the source path',
        ("main.tf", 19): 'module "network" (registry source terraform-aws-modules/vpc/aws): not downloaded; run terraform init to check it',
    }


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


KEY_MODULE = 'variable "w" {\n  default = 30\n}\nresource "aws_kms_key" "k" {\n  deletion_window_in_days = var.w\n}\n'


def test_a_local_source_outside_the_git_work_tree_is_not_read(tmp_path: Path) -> None:
    _write(tmp_path, {"repo/.git/HEAD": "", "repo/env/main.tf": 'module "k" {\n  source = "../../shared/kms"\n  w = 3\n}\n', "shared/kms/main.tf": KEY_MODULE})
    env = tmp_path / "repo" / "env"
    result = scan(env, env)
    assert [f.rule_id for f in result.findings] == []
    [item] = result.unchecked
    assert (item.location.path, item.location.line) == ("main.tf", 1)
    assert "outside the repository" in item.reason and 'module "k" (local source ../../shared/kms)' in item.reason


def test_outside_git_the_scanned_tree_is_the_boundary(tmp_path: Path) -> None:
    _write(tmp_path, {"env/main.tf": 'module "k" {\n  source = "../kms"\n  w = 3\n}\n', "kms/main.tf": KEY_MODULE})
    assert [(f.location.path, f.rule_id) for f in scan(tmp_path, tmp_path).findings if f.rule_id == "KMS002"] == [("env/main.tf", "KMS002")]
    env = tmp_path / "env"
    result = scan(env, env)
    assert [f.rule_id for f in result.findings if f.rule_id == "KMS002"] == []
    assert ["outside the repository" in u.reason for u in result.unchecked] == [True]


INIT = FIXTURES / "terraform" / "registry_init"


def test_registry_modules_are_read_through_modules_json_only() -> None:
    """.terraform is never discovered: the downloaded module is read because modules.json names it,
    with the caller's inputs, and its findings point at the user's call."""
    result = scan(INIT, INIT)
    assert result.files_scanned == 1
    assert {f.location.path for f in result.findings} == {"main.tf"}
    assert [(u.location.path, u.location.line, u.reason) for u in result.unchecked] == [
        ("main.tf", 22, 'module "late" (remote source git::https://example.com/kms.git): not in .terraform/modules/modules.json; run terraform init again to check it')
    ]


def test_without_terraform_init_a_registry_call_is_listed_as_not_checked(tmp_path: Path) -> None:
    _write(tmp_path, {"main.tf": 'module "kms" {\n  source  = "terraform-aws-modules/kms/aws"\n  version = "~> 3.0"\n}\n'})
    result = scan(tmp_path, tmp_path)
    assert result.findings == ()
    assert [(u.location.path, u.location.line, u.reason) for u in result.unchecked] == [
        ("main.tf", 1, 'module "kms" (registry source terraform-aws-modules/kms/aws): not downloaded; run terraform init to check it')
    ]


def test_a_suppression_in_a_module_above_the_scanned_directory_is_honoured(tmp_path: Path) -> None:
    module = 'resource "aws_kms_key" "k" {\n  # kmslint:ignore KMS003 -- rotated by hand\n  enable_key_rotation = false\n}\n'
    _write(tmp_path, {".git/HEAD": "", "mod/main.tf": module, "env/main.tf": 'module "k" {\n  source = "../mod"\n}\n'})
    env = tmp_path / "env"
    result, _ = run_scan(ScanOptions((env,), env, select=("KMS003",)), load_rules())
    assert result.findings == ()
    assert [(f.location.path, f.rule_id, f.suppression.justification if f.suppression else "") for f in result.suppressed] == [
        ("../mod/main.tf", "KMS003", "rotated by hand")
    ]


def test_every_root_module_lists_its_own_calls(tmp_path: Path) -> None:
    """Module children are cached per instance: one root's cache must never answer for another's."""
    call = 'module "aft" {{\n  source = "github.com/aws-ia/terraform-aws-control_tower_account_factory"\n  a = {}\n}}\n'
    _write(tmp_path, {f"examples/e{i:02d}/main.tf": call.format(i) for i in range(40)})
    result = scan(tmp_path, tmp_path)
    assert sorted(u.location.path for u in result.unchecked) == [f"examples/e{i:02d}/main.tf" for i in range(40)]


def test_a_downloaded_file_that_cannot_be_parsed_is_not_checked_rather_than_kms000(tmp_path: Path) -> None:
    import shutil

    case = tmp_path / "case"
    shutil.copytree(INIT, case)
    (case / ".terraform" / "modules" / "kms" / "broken.tf").write_text('resource "x" {\n')
    result = scan(case, case)
    assert [f for f in result.findings if f.rule_id == "KMS000"] == []
    assert ("main.tf", 4) in {(u.location.path, u.location.line) for u in result.unchecked if ".terraform/modules/kms/broken.tf:2 cannot be read" in u.reason}
