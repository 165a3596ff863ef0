"""A plan scanned with the HCL of its directory: one finding per problem, located in the HCL."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from kmslint.config import Config
from kmslint.engine.rules import load_rules
from kmslint.findings import Finding
from kmslint.loaders.plan.pair import paired_units
from kmslint.model import UNKNOWN, Inventory
from kmslint.scan import ScanOptions, run_scan
from plan_samples import ACCOUNT, change, configuration, key_values, line_of, plan, refs, text

POLICY_TF = '''
locals {
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Principal = { AWS = "arn:aws:iam::111122223333:root" }, Action = "kms:*", Resource = "*" },
      {
        Effect    = "Deny"
        Principal = { AWS = "*" }
        Action    = ["kms:ScheduleKeyDeletion", "kms:DeleteImportedKeyMaterial", "kms:PutKeyPolicy"]
        Resource  = "*"
        Condition = { BoolIfExists = { "aws:MultiFactorAuthPresent" = "false" } }
      },
    ]
  })
}
'''

MAIN_TF = '''variable "window" {
  type = number
}

resource "aws_kms_key" "k" {
  enable_key_rotation     = true
  deletion_window_in_days = var.window
  policy                  = local.policy
}

resource "aws_kms_alias" "k" {
  name          = "alias/k"
  target_key_id = aws_kms_key.k.key_id
}

module "logs" {
  source = "terraform-aws-modules/kms/aws"
}
'''

CONFIG = Config(ignore=("KMS006", "KMS007", "KMS014"))

# The policy POLICY_TF declares, as the plan records it.
MFA_POLICY = json.dumps({
    "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": ["kms:ScheduleKeyDeletion", "kms:DeleteImportedKeyMaterial", "kms:PutKeyPolicy"],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
    ]
})


def write(root: Path, files: dict[str, str]) -> None:
    for name, content in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)


def scan(root: Path, *paths: str) -> tuple[list[Finding], Inventory]:
    targets = tuple(root / p for p in paths) or (root,)
    result, inv = run_scan(ScanOptions(targets, root, CONFIG), load_rules())
    assert not result.errors, result.errors
    return list(result.findings), inv


def key_plan(window: int = 3, logs_rotation: bool = False) -> dict:
    return plan(
        [
            change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values(deletion_window_in_days=window, policy=MFA_POLICY)),
            change("aws_kms_alias.k", "aws_kms_alias", ["no-op"], {"name": "alias/k", "target_key_id": "k-id", "target_key_arn": key_values()["arn"]}),
            change("module.logs.aws_kms_key.this[0]", "aws_kms_key", ["no-op"], key_values("logs-id", enable_key_rotation=logs_rotation, multi_region=False)),
            change("module.logs.aws_kms_alias.this[0]", "aws_kms_alias", ["no-op"], {"name": "alias/logs", "target_key_id": "logs-id"}),
        ],
        config=configuration({"aws_kms_key.k": {"deletion_window_in_days": refs("var.window")}, "aws_kms_alias.k": {"target_key_id": refs("aws_kms_key.k.key_id", "aws_kms_key.k")}}),
    )


def test_plan_alone_and_plan_with_hcl_report_each_problem_once(tmp_path: Path) -> None:
    source = text(key_plan())
    write(tmp_path, {"main.tf": MAIN_TF, "policy.tf": POLICY_TF, "plan.json": source})
    alone, _ = scan(tmp_path, "plan.json")
    both, _ = scan(tmp_path)
    hcl_only = {"KMS008"}  # lifecycle blocks are only in HCL
    assert Counter(f.rule_id for f in alone) == Counter(f.rule_id for f in both if f.rule_id not in hcl_only)
    assert {(f.rule_id, f.location.path, f.location.line) for f in both} == {
        ("KMS002", "main.tf", 7),  # var.window: the plan knows 3, the fix goes to the HCL argument
        ("KMS008", "main.tf", 5),
        ("KMS003", "plan.json", line_of(source, "module.logs.aws_kms_key.this[0]")),  # only the plan sees the module
        ("KMS001", "plan.json", line_of(source, "module.logs.aws_kms_key.this[0]")),
    }
    assert {(f.rule_id, f.location.path) for f in alone} == {("KMS002", "plan.json"), ("KMS003", "plan.json"), ("KMS001", "plan.json")}


def test_hcl_values_the_hcl_cannot_resolve_come_from_the_plan_at_the_hcl_location(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MAIN_TF, "policy.tf": POLICY_TF, "plan.json": text(key_plan(window=21))})
    _, inv = scan(tmp_path)
    key = inv.key(".", "aws_kms_key.k")
    assert key is not None and key.source_format == "terraform"
    window = key.get("deletion_window")
    assert (window.value, window.location.path, window.location.line, window.note) == (21, "main.tf", 7, "value from the Terraform plan")


def test_instances_that_disagree_leave_the_hcl_value_unknown(tmp_path: Path) -> None:
    hcl = 'variable "w" {}\nresource "aws_kms_key" "k" {\n  count = 2\n  deletion_window_in_days = var.w\n}\n'
    doc = plan([change(f"aws_kms_key.k[{i}]", "aws_kms_key", ["no-op"], key_values(deletion_window_in_days=7 + i)) for i in range(2)])
    write(tmp_path, {"main.tf": hcl, "plan.json": text(doc)})
    _, inv = scan(tmp_path)
    assert [(k.address, k.unit, k.get("deletion_window").value) for k in inv.keys] == [("aws_kms_key.k", ".", UNKNOWN)]


def test_a_key_only_the_plan_has_joins_the_hcl_unit_and_stays_in_the_plan(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MAIN_TF, "policy.tf": POLICY_TF, "plan.json": text(key_plan())})
    _, inv = scan(tmp_path)
    by_address = {k.address: k for k in inv.keys}
    logs = by_address["module.logs.aws_kms_key.this[0]"]
    assert (logs.unit, logs.location.path, logs.source_format, logs.aliases) == (".", "plan.json", "plan", ("module.logs.aws_kms_alias.this[0]",))
    assert sorted(by_address) == ["aws_kms_key.k", "module.logs.aws_kms_key.this[0]"]


def test_planned_changes_keep_their_plan_and_point_at_the_hcl_resource(tmp_path: Path) -> None:
    source = text(key_plan())
    write(tmp_path, {"main.tf": MAIN_TF, "policy.tf": POLICY_TF, "plan.json": source})
    _, inv = scan(tmp_path)
    where = {c.address: (c.unit, c.location.path, c.location.line) for c in inv.planned_changes}
    assert where["aws_kms_key.k"] == ("plan.json", "main.tf", 5)
    assert where["module.logs.aws_kms_key.this[0]"] == ("plan.json", "plan.json", line_of(source, "module.logs.aws_kms_key.this[0]"))
    assert where["aws_kms_alias.k"] == ("plan.json", "plan.json", line_of(source, "aws_kms_alias.k"))


def test_a_plan_pairs_with_the_hcl_of_its_own_directory_only(tmp_path: Path) -> None:
    write(tmp_path, {"env/main.tf": MAIN_TF, "env/policy.tf": POLICY_TF, "env/plan.json": text(key_plan()), "plans/prod.json": text(key_plan())})
    _, inv = scan(tmp_path)
    assert paired_units(inv) == {"env/plan.json": "env"}
    units = sorted((k.address, k.unit) for k in inv.keys)
    assert units == [
        ("aws_kms_key.k", "env"),
        ("aws_kms_key.k", "plans/prod.json"),
        ("module.logs.aws_kms_key.this[0]", "env"),
        ("module.logs.aws_kms_key.this[0]", "plans/prod.json"),
    ]


def test_an_unresolved_hcl_policy_is_replaced_by_the_plans_located_in_the_hcl(tmp_path: Path) -> None:
    hcl = 'variable "policy" {}\nresource "aws_kms_key" "k" {\n  enable_key_rotation = true\n  policy = var.policy\n}\n'
    write(tmp_path, {"main.tf": hcl, "plan.json": text(plan([change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values())]))})
    findings, inv = scan(tmp_path)
    (key,) = inv.keys
    assert key.policy is not None and key.policy.known
    assert {(s.location.path, s.location.line) for s in key.policy.statements} == {("main.tf", 4)}
    assert ("KMS001", "main.tf", 4) in {(f.rule_id, f.location.path, f.location.line) for f in findings}


def test_unknown_monitoring_values_are_filled_from_the_plan(tmp_path: Path) -> None:
    hcl = 'variable "topic" {}\nresource "aws_cloudwatch_metric_alarm" "a" {\n  metric_name = "KmsDeletes"\n  namespace = "CIS"\n  alarm_actions = var.topic\n}\n'
    doc = plan([change("aws_cloudwatch_metric_alarm.a", "aws_cloudwatch_metric_alarm", ["no-op"], {"metric_name": "KmsDeletes", "namespace": "CIS", "alarm_actions": ["arn:aws:sns:us-east-1:1:t"]})])
    write(tmp_path, {"main.tf": hcl, "plan.json": text(doc)})
    _, inv = scan(tmp_path)
    (alarm,) = inv.alarms
    assert (alarm.unit, alarm.actions.value, alarm.actions.location.path) == (".", ("arn:aws:sns:us-east-1:1:t",), "main.tf")


def test_without_plans_the_inventory_is_unchanged(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": MAIN_TF})
    _, inv = scan(tmp_path)
    assert paired_units(inv) == {} and [k.source_format for k in inv.keys] == ["terraform"]



# --- the scan's input limits and plans (kmslint/limits.py, wired in scan.py) -------------------------


def _plan_with(tmp_path: Path, extra: list[dict]) -> None:
    doc = plan([change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values(enable_key_rotation=False))] + extra)
    write(tmp_path, {"plan.json": text(doc)})


def _rules_found(tmp_path: Path) -> set[str]:
    result, _ = run_scan(ScanOptions((tmp_path / "plan.json",), tmp_path, Config(select=("KMS003",))), load_rules())
    return {f.rule_id for f in result.findings}


def test_unbalanced_brackets_inside_plan_strings_do_not_stop_the_plan(tmp_path: Path) -> None:
    regexes = [change(f"aws_wafv2_regex_pattern_set.p{i}", "aws_wafv2_regex_pattern_set", ["no-op"], {"regular_expression": [{"regex_string": "^[a-z"}]}) for i in range(60)]
    _plan_with(tmp_path, regexes)
    assert _rules_found(tmp_path) == {"KMS003"}


def test_a_plan_over_10_mb_is_scanned(tmp_path: Path) -> None:
    buckets = [change(f"aws_s3_bucket.b{i}", "aws_s3_bucket", ["no-op"], {"bucket": f"b{i}", "tags": {"owner": "x" * 200}}) for i in range(30_000)]
    _plan_with(tmp_path, buckets)
    assert (tmp_path / "plan.json").stat().st_size > 10 * 1024 * 1024
    assert _rules_found(tmp_path) == {"KMS003"}
