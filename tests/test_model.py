"""Derived facts live in the model, once: defaults, rotation support, policy grants, MFA."""

from __future__ import annotations

from typing import Any

import pytest

from kmslint.model import UNKNOWN, Key, Location, Presence, Value, policy_from_json
from kmslint.model.policy import Condition, Principal, action_matches

HEADER = Location("main.tf", 1, 1)


def key(kind: str = "key", **attrs: Any) -> Key:
    return Key("aws_kms_key.k", "aws_kms_key", kind, ".", HEADER, {n: Value(v, Location("main.tf", 2, 3)) for n, v in attrs.items()})


def test_absent_attributes_take_aws_defaults_at_the_header() -> None:
    k = key()
    assert k.get("deletion_window").value == 30
    assert k.get("deletion_window").presence is Presence.DEFAULT
    assert k.get("deletion_window").location == HEADER
    assert k.get("rotation").value is False
    assert k.is_enabled is True
    assert k.get("multi_region").value is False
    assert k.effective_policy.is_default


def test_external_keys_default_to_external_origin() -> None:
    assert key("external").get("origin").value == "EXTERNAL"
    assert key("external").rotation_supported is False


@pytest.mark.parametrize(
    "attrs, expected",
    [
        ({}, True),
        ({"spec": "HMAC_256", "usage": "GENERATE_VERIFY_MAC"}, False),
        ({"spec": "RSA_2048", "usage": "ENCRYPT_DECRYPT"}, False),
        ({"origin": "EXTERNAL"}, False),
        ({"custom_key_store": True}, False),
        ({"origin": "AWS_CLOUDHSM"}, False),
        ({"spec": UNKNOWN}, UNKNOWN),
    ],
)
def test_rotation_supported(attrs: dict[str, Any], expected: object) -> None:
    assert key(**attrs).rotation_supported is expected


def test_replicas_follow_their_primary_for_rotation() -> None:
    replica = key("replica")
    assert replica.rotation_supported is True
    assert replica.rotation_required is False


def test_rotation_requested_points_at_the_period_when_only_a_period_is_set() -> None:
    k = Key("k", "aws_kms_key", "key", ".", HEADER, {"rotation_period": Value(180, Location("main.tf", 9, 3))})
    assert k.rotation_requested.value is True
    assert k.rotation_requested.location.line == 9


@pytest.mark.parametrize(
    "pattern, action, matches",
    [
        ("kms:*", "kms:ScheduleKeyDeletion", True),
        ("*", "kms:ScheduleKeyDeletion", True),
        ("KMS:schedule*", "kms:ScheduleKeyDeletion", True),
        ("kms:Schedule?eyDeletion", "kms:ScheduleKeyDeletion", True),
        ("kms:Decrypt", "kms:ScheduleKeyDeletion", False),
        ("kms:Schedule", "kms:ScheduleKeyDeletion", False),
    ],
)
def test_action_matching(pattern: str, action: str, matches: bool) -> None:
    assert action_matches(pattern, action) is matches


def policy(*statements: dict[str, Any]) -> Any:
    return policy_from_json({"Statement": list(statements)}, HEADER)


ROOT = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}
GUARD = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": ["kms:ScheduleKeyDeletion"],
    "Resource": "*",
    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
}


def test_root_statement_is_delegation_not_public() -> None:
    s = policy(ROOT).statements[0]
    assert s.to_account_root and not s.everyone


def test_notaction_allow_grants_what_it_does_not_list() -> None:
    s = policy({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:role/x"}, "NotAction": "kms:Decrypt"}).statements[0]
    assert s.grants("kms:ScheduleKeyDeletion")
    assert not s.grants("kms:Decrypt")


def test_boolifexists_deny_is_a_full_mfa_guard_and_plain_bool_is_not() -> None:
    assert policy(ROOT, GUARD).requires_mfa_for("kms:ScheduleKeyDeletion") is True
    weak = dict(GUARD, Condition={"Bool": {"aws:MultiFactorAuthPresent": ["false"]}})
    p = policy(ROOT, weak)
    assert p.requires_mfa_for("kms:ScheduleKeyDeletion") is False
    assert p.mfa_denies()[0].mfa_guard_defects() == ("weak",)


def test_a_deny_with_extra_conditions_is_not_a_guard() -> None:
    narrowed = dict(GUARD, Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}, "StringEquals": {"aws:RequestedRegion": "eu-west-1"}})
    p = policy(ROOT, narrowed)
    assert p.mfa_guard("kms:ScheduleKeyDeletion") is None
    assert p.mfa_denies()[0].mfa_guard_defects() == ("conditions",)


def test_condition_values_true_forms_are_equal() -> None:
    for v in ("true", True, ["true"]):
        s = policy(dict(ROOT, Condition={"Bool": {"aws:MultiFactorAuthPresent": v}})).statements[0]
        assert s.requires_mfa


def test_pinning_conditions() -> None:
    assert Condition("StringEquals", "kms:CallerAccount", ("111122223333",)).pins_caller()
    assert not Condition("StringNotEquals", "kms:CallerAccount", ("111122223333",)).pins_caller()
    assert not Condition("StringLike", "aws:PrincipalArn", ("*",)).pins_caller()
    assert not Condition("StringEquals", "kms:ViaService", ("s3.eu-west-1.amazonaws.com",)).pins_caller()


def test_principal_normalisation() -> None:
    s = policy({"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt"}).statements[0]
    assert s.principals == (Principal("AWS", "*"),)
    assert Principal("AWS", "111122223333").is_account_root
    assert Principal("AWS", "arn:aws-us-gov:iam::111122223333:root").is_account_root
    assert not Principal("AWS", "arn:aws:iam::111122223333:role/root").is_account_root


def test_statement_may_be_an_object_and_malformed_parts_are_unknown() -> None:
    p = policy_from_json({"Statement": ROOT}, HEADER)
    assert len(p.statements) == 1 and p.statements[0].known
    bad = policy({"Effect": "Allow", "Principal": {"AWS": {"x": 1}}, "Action": "kms:*"})
    assert not bad.statements[0].known
    assert not policy_from_json({"Statement": "oops"}, HEADER).known


def test_window_floor() -> None:
    s = policy({"Effect": "Deny", "Principal": "*", "Action": "kms:ScheduleKeyDeletion", "Condition": {"NumericLessThan": {"kms:ScheduleKeyDeletionPendingWindowInDays": "30"}}}).statements[0]
    assert s.window_floor() == 30


def test_placeholders_in_action_or_effect_make_a_statement_unknown_but_not_in_principals() -> None:
    unknown_action = policy(dict(ROOT, Action="kms:${?}")).statements[0]
    assert not unknown_action.known
    computed_root = policy(dict(ROOT, Principal={"AWS": "arn:${data.p.partition}:iam::${?}:root"})).statements[0]
    assert computed_root.known and computed_root.to_account_root


def test_rules_on_a_custom_event_bus_cannot_see_aws_events() -> None:
    from kmslint.model import EventRule

    def rule(bus: object) -> EventRule:
        return EventRule("r", ".", HEADER, Value("r", HEADER), Value({}, HEADER), bus=Value(bus, HEADER))

    assert rule("default").sees_aws_events is True
    assert rule("arn:aws:events:eu-west-1:111122223333:event-bus/default").sees_aws_events is True
    assert rule("partner-bus").sees_aws_events is False
    assert rule(UNKNOWN).sees_aws_events is UNKNOWN


def test_planned_changes_know_which_keys_they_are_about() -> None:
    from kmslint.model import PlannedChange

    def change(rtype: str) -> PlannedChange:
        return PlannedChange(f"{rtype}.x", "plan.json", HEADER, rtype, ("delete",))

    assert change("aws_kms_key").is_primary_key and not change("aws_kms_key").is_replica_key
    assert change("aws_kms_external_key").is_primary_key
    assert change("aws_kms_replica_external_key").is_replica_key
    assert change("aws_s3_bucket").key_kind is None
    assert not change("aws_s3_bucket").is_primary_key and not change("aws_s3_bucket").is_replica_key
