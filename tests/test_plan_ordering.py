"""KMS005 (c): a plan must not delete a multi-Region primary while a replica of it survives."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Optional

import pytest

from kmslint.config import Config
from kmslint.engine.api import Hit, Undecided
from kmslint.engine.engine import run_rule
from kmslint.engine.rules import load_rules, rules_by_id
from kmslint.loaders.plan import load_plan
from kmslint.model import Inventory
from kmslint.predicates import PREDICATES
from kmslint.predicates.plan import Deletion, earliest_loss, ordering_outcomes
from kmslint.scan import ScanOptions, run_scan
from plan_samples import PRIMARY_ARN, arn, change, configuration, key_values, line_of, plan, refs, replica_values, text

DESTROY = ["delete"]
KEEP = ["no-op"]


def primary(actions: list[str] = DESTROY, address: str = "aws_kms_key.p", window: Optional[int] = 14) -> dict:
    after = key_values(key_id="new") if "create" in actions else None
    return change(address, "aws_kms_key", actions, key_values(deletion_window_in_days=window), after)


def replica(address: str, actions: list[str] = KEEP, region: str = "eu-west-1", window: Optional[int] = 21, primary_arn: str = PRIMARY_ARN) -> dict:
    return change(address, "aws_kms_replica_key", actions, replica_values(primary_arn, region, deletion_window_in_days=window))


def load(changes: list[dict], rel: str = "plan.json", **kw: object) -> tuple[Inventory, str]:
    source = text(plan(changes, **kw))  # type: ignore[arg-type]
    inv = load_plan(rel, source)
    assert not inv.parse_errors
    return inv, source


def outcomes(inv: Inventory, today: Optional[date] = None) -> list[object]:
    return [o for k in inv.keys for o in ordering_outcomes(k, inv, today)]


def hits(inv: Inventory, today: Optional[date] = None) -> list[Hit]:
    return [o for o in outcomes(inv, today) if isinstance(o, Hit)]


def test_the_predicate_is_registered_and_the_rule_uses_it() -> None:
    assert "plan.replica_ordering" in PREDICATES
    rule = rules_by_id(load_rules())["KMS005"]
    assert "plan.replica_ordering" in [c.predicate for c in rule.checks] and rule.target == "key"


def test_destroying_a_primary_whose_replica_stays_is_one_error_at_the_primarys_change() -> None:
    inv, source = load([primary(), replica("aws_kms_replica_key.eu")])
    (hit,) = hits(inv)
    assert (hit.location.path, hit.location.line) == ("plan.json", line_of(source, "aws_kms_key.p"))
    assert hit.resource == "aws_kms_key.p" and hit.level is None
    assert "destroys the multi-Region primary key aws_kms_key.p" in hit.message
    assert "replica aws_kms_replica_key.eu is not deleted" in hit.message
    assert "delete the replicas first" in hit.message and "UpdatePrimaryRegion" in hit.message
    # 2025-03-01 (the plan's timestamp) + 21 days (replica) + 14 days (primary)
    assert "unrecoverable from 2025-04-05 at the earliest (2025-03-01 + 21 days replica window + 14 days primary window)" in hit.message


def test_the_plans_timestamp_wins_over_today() -> None:
    inv, _ = load([primary(), replica("aws_kms_replica_key.eu")])
    (hit,) = hits(inv, today=date(2030, 1, 1))
    assert "from 2025-04-05" in hit.message


def test_without_a_timestamp_the_date_counts_from_today() -> None:
    inv, _ = load([primary(window=None), replica("aws_kms_replica_key.eu", window=None)], timestamp=None)
    (hit,) = hits(inv, today=date(2024, 12, 31))
    assert "unrecoverable from 2025-03-01 at the earliest (2024-12-31 + 30 days replica window + 30 days primary window)" in hit.message


@pytest.mark.parametrize("actions", [["delete", "create"], ["create", "delete"]])
def test_replacing_a_primary_whose_replica_stays_is_an_error(actions: list[str]) -> None:
    inv, _ = load([primary(actions), replica("aws_kms_replica_key.eu")])
    (hit,) = hits(inv)
    assert "replaces (destroys and re-creates) the multi-Region primary key aws_kms_key.p" in hit.message


def test_replicas_deleted_in_the_same_plan_are_clean() -> None:
    inv, _ = load([primary(), replica("aws_kms_replica_key.eu", DESTROY), replica("aws_kms_replica_key.ap", ["delete", "create"], "ap-southeast-2")])
    assert outcomes(inv) == []


def test_replicas_of_another_primary_are_not_blockers() -> None:
    other = arn("us-east-1", "mrk-other")
    inv, _ = load([primary(), replica("aws_kms_replica_key.eu", primary_arn=other)])
    assert outcomes(inv) == []


def test_a_primary_that_is_kept_is_clean() -> None:
    inv, _ = load([primary(KEEP), replica("aws_kms_replica_key.eu")])
    assert outcomes(inv) == []


def test_several_surviving_replicas_make_one_finding_naming_them_all() -> None:
    inv, _ = load([
        primary(),
        replica("aws_kms_replica_key.eu", window=7),
        replica("aws_kms_replica_key.ap", ["update"], "ap-southeast-2", window=30),
        replica("aws_kms_replica_key.sa", DESTROY, "sa-east-1"),
    ])
    (hit,) = hits(inv)
    assert "replicas aws_kms_replica_key.ap, aws_kms_replica_key.eu are not deleted" in hit.message
    assert "aws_kms_replica_key.sa" not in hit.message
    assert "(2025-03-01 + 30 days replica window + 14 days primary window)" in hit.message


def test_the_rule_reports_it_once_through_the_engine() -> None:
    inv, _ = load([primary(), replica("aws_kms_replica_key.eu"), replica("aws_kms_replica_key.ap", region="ap-southeast-2")])
    rule = rules_by_id(load_rules())["KMS005"]
    findings, errors, _ = run_rule(rule, rule.level, {}, inv)
    assert errors == []
    errors_found = [f for f in findings if f.level == "error"]
    assert [(f.rule_id, f.resource) for f in errors_found] == [("KMS005", "aws_kms_key.p")]


def test_a_replica_matched_by_configuration_reference_counts_when_its_arn_is_unknown() -> None:
    unknown_arn = {k: v for k, v in replica_values().items() if k != "primary_key_arn"}
    replica_change = change("aws_kms_replica_key.eu", "aws_kms_replica_key", ["update"], unknown_arn, unknown_arn, {"primary_key_arn": True})
    config = configuration({"aws_kms_key.p": {}, "aws_kms_replica_key.eu": {"primary_key_arn": refs("aws_kms_key.p.arn", "aws_kms_key.p")}})
    inv, _ = load([primary(), replica_change], config=config)
    (hit,) = hits(inv)
    assert "replica aws_kms_replica_key.eu" in hit.message


def test_a_replica_that_cannot_be_placed_is_undecided_not_a_hit() -> None:
    unknown_arn = {k: v for k, v in replica_values().items() if k != "primary_key_arn"}
    replica_change = change("aws_kms_replica_key.eu", "aws_kms_replica_key", ["update"], unknown_arn, unknown_arn, {"primary_key_arn": True})
    inv, _ = load([primary(), replica_change], config=configuration({"aws_kms_replica_key.eu": {"primary_key_arn": refs("var.arn")}}))
    found = outcomes(inv)
    assert [type(o) for o in found] == [Undecided]
    assert "cannot tell whether aws_kms_replica_key.eu is a replica of aws_kms_key.p" in found[0].detail  # type: ignore[attr-defined]


def test_a_forgotten_replica_still_blocks_and_another_key_reports_it() -> None:
    inv, _ = load([
        primary(),
        replica("aws_kms_replica_key.eu", ["forget"]),
        change("aws_kms_key.other", "aws_kms_key", KEEP, key_values("other", multi_region=False)),
    ])
    (hit,) = hits(inv)
    assert "aws_kms_replica_key.eu (forgotten by Terraform, still in AWS)" in hit.message
    assert [k.address for k in inv.keys] == ["aws_kms_key.other"]


def test_module_instances_pair_by_arn() -> None:
    inv, source = load([
        primary(address="module.primary[0].aws_kms_key.this[0]"),
        replica("module.replica.aws_kms_replica_key.this[0]"),
    ])
    (hit,) = hits(inv)
    assert hit.location.line == line_of(source, "module.primary[0].aws_kms_key.this[0]")
    assert "replica module.replica.aws_kms_replica_key.this[0] is not deleted" in hit.message


def test_two_plans_are_judged_apart() -> None:
    a, _ = load([primary(), replica("aws_kms_replica_key.eu")], rel="a.json")
    b, _ = load([primary(), replica("aws_kms_replica_key.eu", DESTROY)], rel="b.json")
    both = a.merge(b)
    assert [h.location.path for h in hits(both)] == ["a.json"]


def test_earliest_loss_adds_the_longest_replica_window_to_the_primarys() -> None:
    inv, _ = load([primary(window=10), replica("aws_kms_replica_key.eu", window=7), replica("aws_kms_replica_key.ap", region="ap-southeast-2", window=25)])
    changes = {c.address: c for c in inv.planned_changes}
    deletion = Deletion("plan.json", changes["aws_kms_key.p"], (changes["aws_kms_replica_key.eu"], changes["aws_kms_replica_key.ap"]))
    assert earliest_loss(deletion, date(2025, 1, 1)) == (date(2025, 2, 5), 25, 10)


def test_with_its_hcl_the_finding_points_at_the_hcl_primary(tmp_path: Path) -> None:
    hcl = (
        'variable "primary_arn" {}\n'
        'resource "aws_kms_key" "p" {\n  multi_region = true\n}\n'
        'resource "aws_kms_replica_key" "eu" {\n  primary_key_arn = var.primary_arn\n}\n'
    )
    doc = plan([primary(["delete", "create"]), replica("aws_kms_replica_key.eu")])
    (tmp_path / "main.tf").write_text(hcl)
    (tmp_path / "plan.json").write_text(text(doc))
    config = Config(select=("KMS005",))
    together, _ = run_scan(ScanOptions((tmp_path,), tmp_path, config), load_rules())
    alone, _ = run_scan(ScanOptions((tmp_path / "plan.json",), tmp_path, config), load_rules())
    located = lambda result: sorted((f.level, f.location.path, f.location.line) for f in result.findings)  # noqa: E731
    # The plan pairs the replica with its primary by ARN: no "cannot check" note beside the real finding.
    assert located(together) == [("error", "main.tf", 2)]
    assert located(alone) == [("error", "plan.json", line_of(text(doc), "aws_kms_key.p"))]
