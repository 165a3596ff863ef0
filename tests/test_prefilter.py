"""The Terraform prefilter keeps every directory that can contribute a finding, and only those
plus the modules they call (issue 8). Identical findings with and without it on every fixture are
checked in test_speedups.py; these cases pin down the module-call graph it reasons about."""

from __future__ import annotations

from pathlib import Path

from kmslint.loaders.terraform.prefilter import relevant_directories

KEY = 'resource "aws_kms_key" "k" {}\n'
VPC = 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'


def tree(root: Path, files: dict[str, str]) -> dict[Path, list[Path]]:
    by_dir: dict[Path, list[Path]] = {}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        by_dir.setdefault(path.parent, []).append(path)
    return by_dir


def kept(root: Path, by_dir: dict[Path, list[Path]], keep: tuple[Path, ...] = ()) -> set[str]:
    return {d.relative_to(root).as_posix() for d in relevant_directories(by_dir, root, keep)}


def call(name: str, source: str) -> str:
    return f'module "{name}" {{\n  source = "{source}"\n}}\n'


def test_a_directory_that_declares_a_key_or_monitoring_is_kept(tmp_path: Path) -> None:
    by_dir = tree(
        tmp_path,
        {
            "kms/main.tf": KEY,
            "alarms/main.tf": 'resource "aws_cloudwatch_metric_alarm" "a" {}\n',
            "vpc/main.tf": VPC,
        },
    )
    assert kept(tmp_path, by_dir) == {"kms", "alarms"}


def test_callers_of_a_key_module_are_kept_to_any_depth(tmp_path: Path) -> None:
    by_dir = tree(
        tmp_path,
        {
            "modules/kms/main.tf": KEY,
            "modules/wrapper/main.tf": call("k", "../kms"),
            "envs/prod/main.tf": call("w", "../../modules/wrapper"),
            "envs/dev/main.tf": 'module "w" { source = "../../modules/wrapper" }\n',  # a one-line block
        },
    )
    assert kept(tmp_path, by_dir) == {"modules/kms", "modules/wrapper", "envs/prod", "envs/dev"}


def test_calls_into_local_modules_without_keys_are_skipped(tmp_path: Path) -> None:
    by_dir = tree(
        tmp_path,
        {
            "modules/net/main.tf": VPC,
            "app/main.tf": call("n", "../modules/net"),
            "uploads/main.tf": 'resource "aws_s3_object" "o" {\n  source = "./file.zip"\n}\n',
        },
    )
    assert kept(tmp_path, by_dir) == set()


def test_registry_git_and_missing_local_calls_are_parsed_to_be_followed_or_listed(tmp_path: Path) -> None:
    """The loader follows them through modules.json or lists them as not checked: never silent."""
    by_dir = tree(
        tmp_path,
        {
            "registry/main.tf": call("k", "terraform-aws-modules/kms/aws"),
            "git/main.tf": call("k", "git::https://example.com/kms.git"),
            "missing/main.tf": call("k", "../nowhere"),
            "modules/net/main.tf": VPC,
        },
    )
    assert kept(tmp_path, by_dir) == {"registry", "git", "missing"}


def test_a_module_called_by_a_kept_directory_is_parsed_with_it(tmp_path: Path) -> None:
    by_dir = tree(
        tmp_path,
        {
            "app/main.tf": KEY + call("settings", "../modules/settings"),
            "modules/settings/outputs.tf": 'output "days" {\n  value = 30\n}\n',
        },
    )
    assert kept(tmp_path, by_dir) == {"app", "modules/settings"}


def test_a_call_cycle_does_not_hide_a_key_behind_it(tmp_path: Path) -> None:
    # a -> b -> a is a cycle; b also calls c, which declares a key: a and b both matter.
    by_dir = tree(
        tmp_path,
        {
            "a/main.tf": call("b", "../b"),
            "b/main.tf": call("a", "../a") + call("c", "../c"),
            "c/main.tf": KEY,
            "d/main.tf": call("e", "../e"),
            "e/main.tf": call("d", "../d"),
        },
    )
    assert kept(tmp_path, by_dir) == {"a", "b", "c"}


def test_a_call_into_an_undiscovered_directory_is_kept(tmp_path: Path) -> None:
    # Discovery did not list excluded/ (an exclude glob, say); the loader will still read it.
    by_dir = tree(tmp_path, {"app/main.tf": call("k", "../excluded")})
    (tmp_path / "excluded").mkdir()
    (tmp_path / "excluded" / "main.tf").write_text(KEY)
    assert kept(tmp_path, by_dir) == {"app"}


def test_unreadable_text_and_plan_directories_are_kept(tmp_path: Path) -> None:
    by_dir = tree(tmp_path, {"broken/main.tf": "", "planned/main.tf": call("k", "terraform-aws-modules/kms/aws")})
    (tmp_path / "broken" / "main.tf").write_bytes(b"\xff\xfe\x00garbage")
    assert kept(tmp_path, by_dir, keep=(tmp_path / "planned",)) == {"broken", "planned"}
