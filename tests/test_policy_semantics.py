"""Key policies as IAM evaluates them: who a condition pins (KMS012), which Deny is an MFA guard
(KMS001), which window guard counts (KMS014), and ASCII-only case folding."""

from __future__ import annotations

from typing import Any

import pytest

from kmslint.model import Location, policy_from_json
from kmslint.model.policy import Condition, Principal, Statement, action_matches
from kmslint.model.policy_text import display_value, has_policy_variable, is_root_arn

HEADER = Location("p.json", 1, 1)
ROOT: dict[str, Any] = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}


def stmt(**raw: Any) -> Statement:
    base: dict[str, Any] = {"Effect": "Allow", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}
    base.update(raw)
    return policy_from_json({"Statement": [base]}, HEADER).statements[0]


@pytest.mark.parametrize(
    "op, key, values",
    [
        ("StringEquals", "kms:CallerAccount", ("111122223333",)),
        ("StringEquals", "aws:PrincipalAccount", ("111122223333",)),
        ("StringEquals", "aws:PrincipalOrgID", ("o-a1b2c3d4e5",)),
        ("ArnLike", "aws:PrincipalArn", ("arn:aws:iam::111122223333:role/*",)),
        ("StringLike", "aws:PrincipalArn", ("arn:aws:iam::${data.aws_caller_identity.current.account_id}:role/x",)),
        ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", ("o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*",)),
        ("ForAnyValue:StringEquals", "aws:PrincipalOrgPaths", ("o-a1b2c3d4e5/r-ab12/",)),
        # Source keys are present only in requests from service principals: a positive test on
        # one admits only services acting for the named account or organisation.
        ("StringEquals", "aws:SourceAccount", ("111122223333",)),
        ("StringEquals", "aws:SourceOrgID", ("o-a1b2c3d4e5",)),
        ("ArnLike", "aws:SourceArn", ("arn:aws:cloudtrail:*:111122223333:trail/*",)),
        ("ArnEquals", "aws:SourceArn", ("arn:aws:s3:::my-bucket",)),
        ("stringequals", "KMS:CALLERACCOUNT", ("${AWS::AccountId}",)),
    ],
)
def test_conditions_that_pin_the_caller(op: str, key: str, values: tuple[str, ...]) -> None:
    assert Condition(op, key, values).pins_caller()


@pytest.mark.parametrize(
    "op, key, values, why",
    [
        ("StringEqualsIfExists", "aws:PrincipalOrgID", ("o-a1b2c3d4e5",), "absent"),
        ("ForAllValues:StringEquals", "aws:PrincipalAccount", ("111122223333",), "absent"),
        ("ForAllValues:StringLike", "aws:PrincipalOrgPaths", ("o-a1b2c3d4e5/*",), "absent"),
        ("StringLike", "aws:PrincipalArn", ("arn:aws:iam::*:role/Reader",), "not fixed"),
        ("ArnLike", "aws:PrincipalArn", ("arn:aws:iam::1111222233?3:role/Reader",), "not fixed"),
        ("StringEquals", "aws:PrincipalAccount", ("${aws:PrincipalAccount}",), "not fixed"),
        ("StringLike", "kms:CallerAccount", ("*",), "not fixed"),
        ("StringLike", "aws:PrincipalOrgPaths", ("o-*/*",), "not fixed"),
        ("StringNotEquals", "kms:CallerAccount", ("111122223333",), "does not name"),
        ("StringEquals", "kms:ViaService", ("s3.eu-west-1.amazonaws.com",), "does not identify"),
        ("Null", "aws:PrincipalOrgID", ("false",), "does not name"),
    ],
)
def test_conditions_that_do_not_pin_the_caller(op: str, key: str, values: tuple[str, ...], why: str) -> None:
    cond = Condition(op, key, values)
    assert not cond.pins_caller()
    assert why in (cond.pin_problem() or "")


def test_allow_with_notprincipal_is_public_unless_pinned() -> None:
    assert stmt(Principal=None, NotPrincipal={"AWS": "arn:aws:iam::111122223333:role/x"}).is_public
    pinned = stmt(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})
    assert not pinned.is_public
    assert stmt(Condition={"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}).is_public


def test_account_roots() -> None:
    assert Principal("AWS", "111122223333").is_account_root
    assert Principal("AWS", "arn:${AWS::Partition}:iam::${AWS::AccountId}:root").is_account_root
    assert Principal("AWS", "${data.aws_caller_identity.current.account_id}").is_account_root
    assert Principal("AWS", "ARN:aws:IAM::111122223333:root").is_account_root
    assert not Principal("AWS", "arn:aws:iam::*:root").is_account_root
    assert not Principal("AWS", "${aws_iam_role.admin.arn}").is_account_root
    assert is_root_arn("arn:aws-cn:iam::111122223333:root") and not is_root_arn("arn:aws:sts::111122223333:root")


def test_policy_variables_and_deploy_time_values_are_told_apart() -> None:
    assert has_policy_variable("arn:aws:iam::${aws:PrincipalAccount}:root")
    assert has_policy_variable("${*}")
    assert not has_policy_variable("${AWS::AccountId}")
    assert not has_policy_variable("${data.aws_caller_identity.current.account_id}")


def test_module_addresses_display_as_the_module_wrote_them() -> None:
    shown = display_value('arn:aws:iam::${module.kms["a.b"].module.inner.data.aws_caller_identity.current.account_id}:root')
    assert shown == "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
    assert display_value("${AWS::AccountId}") == "${AWS::AccountId}"


GUARD = {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:ScheduleKeyDeletion", "Resource": "*"}


@pytest.mark.parametrize(
    "condition",
    [
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}, "Bool": {"aws:ViaAWSService": "false"}},
        {"Null": {"aws:MultiFactorAuthAge": "true"}},
        {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}},
    ],
)
def test_documented_mfa_guards(condition: dict[str, Any]) -> None:
    p = policy_from_json({"Statement": [ROOT, dict(GUARD, Condition=condition)]}, HEADER)
    assert p.mfa_guard("kms:ScheduleKeyDeletion") is not None
    assert p.requires_mfa_for("kms:ScheduleKeyDeletion") is True


@pytest.mark.parametrize(
    "raw, defects",
    [
        ({"Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}, ("weak",)),
        ({"Condition": {"NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"}}}, ("weak",)),
        ({"Principal": {"AWS": "arn:aws:iam::111122223333:role/admin"}, "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}, ("principals",)),
        ({"Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}, "StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}, ("conditions",)),
    ],
)
def test_weak_mfa_denies_say_what_is_wrong(raw: dict[str, Any], defects: tuple[str, ...]) -> None:
    p = policy_from_json({"Statement": [ROOT, dict(GUARD, **raw)]}, HEADER)
    assert p.mfa_guard("kms:ScheduleKeyDeletion") is None
    assert p.mfa_denies()[0].mfa_guard_defects() == defects


def test_allow_side_mfa_forms() -> None:
    assert stmt(Condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}).requires_mfa
    assert stmt(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}).requires_mfa
    # True also for requests signed with long-term access keys, which carry no MFA key.
    loose = stmt(Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "true"}})
    assert not loose.requires_mfa and loose.admits_access_keys
    assert not stmt(Condition={"NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}).requires_mfa


def test_an_unknown_aws_principal_keeps_the_statement_known() -> None:
    from kmslint.model import UNKNOWN

    raw = dict(ROOT, Principal={"AWS": UNKNOWN})
    s = policy_from_json({"Statement": [raw]}, HEADER, unknown_statements=[0]).statements[0]
    assert s.known and s.principal_unresolved and not s.to_account_root
    raw = {**ROOT, "Action": UNKNOWN}
    assert not policy_from_json({"Statement": [raw]}, HEADER, unknown_statements=[0]).statements[0].known


@pytest.mark.parametrize(
    "condition, floor, narrowed",
    [
        ({"NumericLessThan": {"kms:ScheduleKeyDeletionPendingWindowInDays": "14"}}, 14, False),
        ({"NumericLessThanEquals": {"kms:ScheduleKeyDeletionPendingWindowInDays": "13"}}, 14, False),
        ({"NumericLessThan": {"kms:ScheduleKeyDeletionPendingWindowInDays": "14"}, "StringEquals": {"aws:PrincipalTag/team": "x"}}, 14, True),
    ],
)
def test_window_guards(condition: dict[str, Any], floor: int, narrowed: bool) -> None:
    s = policy_from_json({"Statement": [dict(GUARD, Condition=condition)]}, HEADER).statements[0]
    assert s.window_floor() == floor and s.window_narrowed() is narrowed


def test_allow_side_window_floor() -> None:
    s = stmt(Action="kms:ScheduleKeyDeletion", Condition={"NumericGreaterThanEquals": {"kms:ScheduleKeyDeletionPendingWindowInDays": "14"}})
    assert s.allowed_window_floor() == 14


def test_matching_is_ascii_case_insensitive_only() -> None:
    assert action_matches("KMS:schedule*", "kms:ScheduleKeyDeletion")
    assert not action_matches("\u212ams:ScheduleKeyDeletion", "kms:ScheduleKeyDeletion")  # Kelvin sign
    assert not action_matches("kms:ScheduleKeyDeletion", "\u212ams:ScheduleKeyDeletion")
    kelvin = Condition("StringEquals", "\u212ams:CallerAccount", ("111122223333",))
    assert not kelvin.pins_caller()
    deny = {"Effect": "Deny", "Principal": "*", "Action": "kms:ScheduleKeyDeletion"}
    s = policy_from_json({"Statement": [dict(deny, Condition={"NumericLessThan": {"\u212ams:ScheduleKeyDeletionPendingWindowInDays": "14"}})]}, HEADER)
    assert s.statements[0].window_floor() is None


def test_hostile_action_patterns_match_in_linear_time() -> None:
    # A backtracking regular expression takes minutes on this; the matcher does one pass.
    pattern = "kms:" + "*" * 5000 + "x"
    assert not action_matches(pattern, "kms:" + "a" * 20000)
    s = stmt(Action=pattern)
    assert not s.covers("kms:ScheduleKeyDeletion")


def _messages(statements: list[dict[str, Any]], key: Any = None, unknown: tuple[int, ...] = ()) -> list[tuple[int, str]]:
    from kmslint.engine.api import Hit, PolicySubject
    from kmslint.model import Inventory
    from kmslint.predicates.policy import destructive_without_mfa

    locations = [Location("p.json", i + 2, 1) for i in range(len(statements))]
    p = policy_from_json({"Statement": statements}, HEADER, locations, unknown_statements=unknown)
    subject = PolicySubject("p", "p", p, HEADER, key)
    params = {"actions": ["kms:ScheduleKeyDeletion", "kms:DeleteImportedKeyMaterial", "kms:PutKeyPolicy"]}
    return [(o.location.line, o.message) for o in destructive_without_mfa(subject, params, Inventory()) if isinstance(o, Hit)]


def test_owner_statement_gets_the_separate_deny_never_an_mfa_condition() -> None:
    owner = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/owner"}, "Action": "kms:*", "Resource": "*"}
    [(line, message)] = _messages([owner])
    assert line == 2
    assert '"Effect": "Deny", "Principal": {"AWS": "*"}' in message and '"kms:PutKeyPolicy"' in message
    assert "BoolIfExists" in message and "a separate Deny" in message
    assert '"Bool": {"aws:MultiFactorAuthPresent": "true"}' not in message


def test_public_statement_is_left_to_kms012() -> None:
    assert _messages([{"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}]) == []


def test_weak_deny_says_exactly_what_is_wrong() -> None:
    weak = dict(GUARD, Action=["kms:ScheduleKeyDeletion", "kms:DeleteImportedKeyMaterial"], Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})
    [(line, message)] = _messages([ROOT, weak])
    assert line == 3
    assert "it uses Bool aws:MultiFactorAuthPresent" in message and "use BoolIfExists instead of Bool" in message
    assert "the MFA guard can be removed without MFA" in message and "add kms:PutKeyPolicy to its Action" in message
    assert "Add this Deny" not in message


def test_a_full_guard_without_put_key_policy_has_its_own_message() -> None:
    guard = dict(GUARD, Action=["kms:ScheduleKeyDeletion", "kms:DeleteImportedKeyMaterial"], Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})
    [(line, message)] = _messages([ROOT, guard])
    assert line == 3 and "the MFA guard can be removed without MFA" in message
    assert "Bool" not in message.split("Fix it:")[1]


def test_delete_imported_key_material_only_for_keys_that_may_import() -> None:
    from kmslint.model import UNKNOWN, Key, Value

    guard = dict(GUARD, Action=["kms:ScheduleKeyDeletion", "kms:PutKeyPolicy"], Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})
    aws_kms = Key("k", "aws_kms_key", "key", "u", HEADER)
    imported = Key("k", "aws_kms_external_key", "external", "u", HEADER)
    unknown = Key("k", "aws_kms_key", "key", "u", HEADER, attrs={"origin": Value(UNKNOWN, HEADER)})
    assert _messages([ROOT, guard], aws_kms) == []
    assert "kms:DeleteImportedKeyMaterial" in _messages([ROOT, guard], imported)[0][1]
    assert "kms:DeleteImportedKeyMaterial" in _messages([ROOT, guard], unknown)[0][1]


def test_an_unknown_aws_principal_still_needs_mfa() -> None:
    from kmslint.model import UNKNOWN

    grant = {"Effect": "Allow", "Principal": {"AWS": UNKNOWN}, "Action": "kms:*", "Resource": "*"}
    p = policy_from_json({"Statement": [grant]}, HEADER, unknown_statements=[0])
    assert p.requires_mfa_for("kms:ScheduleKeyDeletion") is False
    [(line, message)] = _messages([grant], unknown=(0,))
    assert line == 2 and "an AWS principal set at deploy time" in message


def test_messages_show_principals_as_the_module_wrote_them() -> None:
    from pathlib import Path

    from kmslint.config import load_config
    from kmslint.engine.rules import load_rules
    from kmslint.scan import ScanOptions, run_scan

    case = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "policy_iam_semantics"
    result, _ = run_scan(ScanOptions((case,), case, load_config(case)), load_rules())
    messages = [f.message for f in result.findings if f.rule_id == "KMS001"]
    root = [m for m in messages if "to the account root" in m]
    assert root and "(arn:aws:iam::${data.aws_caller_identity.current.account_id}:root)" in root[0]
    assert not any("${module." in m for m in messages)


def test_an_unresolved_statement_that_may_be_the_guard_leaves_kms001_undecided() -> None:
    from kmslint.model import UNKNOWN

    maybe_guard: dict[str, Any] = {**GUARD, "Action": UNKNOWN}
    assert _messages([ROOT, maybe_guard], unknown=(1,)) == []
    unknown_allow: dict[str, Any] = {**ROOT, "Sid": "Other", "Action": UNKNOWN}
    assert [line for line, _ in _messages([ROOT, unknown_allow], unknown=(1,))] == [2]
