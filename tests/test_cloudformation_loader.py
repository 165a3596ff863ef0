"""The CloudFormation loader: positions, intrinsic resolution, Fn::If variants, parse errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kmslint.loaders.cfn.conditions import feasible_branches
from kmslint.loaders.cfn.resolve import Template
from kmslint.loaders.cloudformation import load_template
from kmslint.model import UNKNOWN, Inventory, Key, Location, Presence, PrimaryRef

REPO = Path(__file__).resolve().parent.parent
HEADER = 'AWSTemplateFormatVersion: "2010-09-09"\n'


def load(body: str, rel: str = "t.yaml") -> Inventory:
    return load_template(rel, HEADER + textwrap.dedent(body))


def only_key(inv: Inventory, address: str) -> Key:
    keys = [k for k in inv.keys if k.address == address]
    assert len(keys) == 1, keys
    return keys[0]


# --- the model the loader produces ---------------------------------------------------------


def test_key_header_properties_and_defaults() -> None:
    inv = load(
        """
        Resources:
          Key:
            Type: AWS::KMS::Key
            Properties:
              EnableKeyRotation: true
              PendingWindowInDays: 14
              KeySpec: SYMMETRIC_DEFAULT
        """
    )
    key = only_key(inv, "Key")
    assert (key.kind, key.resource_type, key.unit, key.source_format) == ("key", "AWS::KMS::Key", "t.yaml", "cloudformation")
    assert key.location == Location("t.yaml", 4, 3, 4, 6)
    # ints and booleans carry no mark: they are located at their key
    assert key.attrs["rotation"].value is True and key.attrs["rotation"].location.line == 7
    assert key.attrs["rotation"].location.column == 7
    assert key.attrs["deletion_window"].value == 14 and key.attrs["deletion_window"].location.line == 8
    assert key.attrs["spec"].value == "SYMMETRIC_DEFAULT"
    # absent properties are not recorded; the model supplies AWS's defaults at the header
    assert "enabled" not in key.attrs and key.get("enabled").value is True
    assert key.get("enabled").presence is Presence.DEFAULT and key.get("enabled").location == key.location
    assert key.policy is None
    assert inv.units == ("t.yaml",)


def test_string_booleans_and_numbers_are_coerced() -> None:
    key = only_key(
        load(
            """
            Resources:
              Key:
                Type: AWS::KMS::Key
                Properties: {EnableKeyRotation: "TRUE", Enabled: "false", PendingWindowInDays: "9", MultiRegion: maybe}
            """
        ),
        "Key",
    )
    assert key.attrs["rotation"].value is True
    assert key.attrs["enabled"].value is False
    assert key.attrs["deletion_window"].value == 9
    assert key.attrs["multi_region"].value is UNKNOWN  # never guess a malformed value


def test_json_template_positions_are_one_based() -> None:
    text = json.dumps(
        {"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": False}}}}, indent=2
    )
    key = only_key(load_template("cdk.out/S.template.json", text), "Key")
    assert key.location.line == 3 and key.location.column == 5
    assert key.attrs["rotation"].location.line == 6
    assert key.attrs["rotation"].location.column == 9


def test_crlf_line_endings_keep_line_numbers() -> None:
    text = HEADER + "Resources:\r\n  Key:\r\n    Type: AWS::KMS::Key\r\n    Properties:\r\n      Enabled: false\r\n"
    key = only_key(load_template("t.yaml", text), "Key")
    assert key.location.line == 3
    assert key.attrs["enabled"].location.line == 6


def test_replica_kinds_and_primary_references() -> None:
    inv = load(
        """
        Parameters:
          Arn: {Type: String}
          ArnWithDefault: {Type: String, Default: "arn:aws:kms:us-east-1:111122223333:key/mrk-1"}
        Resources:
          Primary: {Type: AWS::KMS::Key, Properties: {MultiRegion: true}}
          Topic: {Type: AWS::SNS::Topic}
          ByGetAtt:
            Type: AWS::KMS::ReplicaKey
            Properties: {PrimaryKeyArn: !GetAtt Primary.Arn, KeyPolicy: {Statement: []}, Enabled: false}
          ByLongForm:
            Type: AWS::KMS::ReplicaKey
            Properties: {PrimaryKeyArn: {"Fn::GetAtt": [Primary, Arn]}, KeyPolicy: {Statement: []}}
          ByParameter:
            Type: AWS::KMS::ReplicaKey
            Properties: {PrimaryKeyArn: !Ref Arn, KeyPolicy: {Statement: []}}
          ByDefault:
            Type: AWS::KMS::ReplicaKey
            Properties: {PrimaryKeyArn: !Ref ArnWithDefault, KeyPolicy: {Statement: []}}
          ByNonKey:
            Type: AWS::KMS::ReplicaKey
            Properties: {PrimaryKeyArn: !GetAtt Topic.Arn, KeyPolicy: {Statement: []}}
        """
    )
    assert only_key(inv, "ByGetAtt").kind == "replica"
    assert only_key(inv, "ByGetAtt").get("primary").value == PrimaryRef("resource", "Primary")
    assert only_key(inv, "ByLongForm").get("primary").value == PrimaryRef("resource", "Primary")
    assert only_key(inv, "ByParameter").get("primary").value == PrimaryRef("literal", "!Ref Arn")
    assert only_key(inv, "ByDefault").get("primary").value == PrimaryRef("literal", "arn:aws:kms:us-east-1:111122223333:key/mrk-1")
    assert only_key(inv, "ByNonKey").get("primary").value == PrimaryRef("literal", "${Topic.Arn}")
    assert only_key(inv, "ByGetAtt").attrs["enabled"].value is False
    # a replica declares no spec: KeySpec is not read from it
    assert "spec" not in only_key(inv, "ByGetAtt").attrs


def test_external_origin_is_a_key_with_origin_external() -> None:
    key = only_key(load("Resources:\n  K: {Type: AWS::KMS::Key, Properties: {Origin: EXTERNAL}}\n"), "K")
    assert key.kind == "key" and key.get("origin").value == "EXTERNAL"
    assert key.is_external and key.rotation_supported is False


@pytest.mark.parametrize(
    "rtype, policies, expected, line, note",
    [
        ("AWS::KMS::Key", "DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain", True, 5, ""),
        ("AWS::KMS::Key", "DeletionPolicy: RetainExceptOnCreate\n    UpdateReplacePolicy: Retain", True, 5, ""),
        ("AWS::KMS::Key", "DeletionPolicy: Retain", True, 5, ""),  # a key is never replaced: Retain is enough
        ("AWS::KMS::Key", "DeletionPolicy: Retain\n    UpdateReplacePolicy: Delete", True, 5, ""),
        ("AWS::KMS::Key", "DeletionPolicy: Snapshot\n    UpdateReplacePolicy: Retain", False, 5, ""),
        ("AWS::KMS::Key", "UpdateReplacePolicy: Retain", False, 3, ""),  # absent DeletionPolicy: the header
        ("AWS::KMS::ReplicaKey", "DeletionPolicy: Retain\n    UpdateReplacePolicy: Retain", True, 5, ""),
        ("AWS::KMS::ReplicaKey", "DeletionPolicy: Retain", False, 5, "UpdateReplacePolicy: Retain missing"),
        ("AWS::KMS::ReplicaKey", "UpdateReplacePolicy: Retain", False, 3, "DeletionPolicy: Retain missing"),
    ],
)
def test_deletion_protection(rtype: str, policies: str, expected: bool, line: int, note: str) -> None:
    key = only_key(load(f"Resources:\n  K:\n    Type: {rtype}\n    {policies}\n"), "K")
    value = key.get("deletion_protection")
    assert (value.value, value.location.line, value.note) == (expected, line, note)


def test_deletion_protection_unknown_when_update_policy_is_unresolvable() -> None:
    inv = load(
        """
        Parameters: {P: {Type: String}}
        Resources:
          K:
            Type: AWS::KMS::ReplicaKey
            DeletionPolicy: Retain
            UpdateReplacePolicy: !Ref P
        """
    )
    assert only_key(inv, "K").get("deletion_protection").value is UNKNOWN


# --- intrinsic functions -------------------------------------------------------------------


def test_ref_to_parameters() -> None:
    inv = load(
        """
        Parameters:
          Window: {Type: Number, Default: 12}
          Unknown: {Type: Number}
          FromSsm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /kms/window}
        Resources:
          A: {Type: AWS::KMS::Key, Properties: {PendingWindowInDays: !Ref Window}}
          B: {Type: AWS::KMS::Key, Properties: {PendingWindowInDays: !Ref Unknown}}
          C: {Type: AWS::KMS::Key, Properties: {PendingWindowInDays: !Ref FromSsm}}
        """
    )
    a, b, c = (only_key(inv, n).attrs["deletion_window"] for n in "ABC")
    assert a.value == 12 and a.location.line == 8  # located at the property, not the parameter
    assert b.value is UNKNOWN and "no Default" in b.note
    assert c.value is UNKNOWN and "SSM" in c.note  # an SSM parameter's Default is its name, not its value


def test_dynamic_references_and_imports_are_unknown() -> None:
    inv = load(
        """
        Resources:
          A: {Type: AWS::KMS::Key, Properties: {PendingWindowInDays: "{{resolve:ssm:/kms/window}}"}}
          B: {Type: AWS::KMS::Key, Properties: {EnableKeyRotation: !ImportValue shared-rotation}}
        """
    )
    assert only_key(inv, "A").attrs["deletion_window"].value is UNKNOWN
    assert only_key(inv, "B").attrs["rotation"].value is UNKNOWN


def test_novalue_removes_the_property() -> None:
    key = only_key(load("Resources:\n  K: {Type: AWS::KMS::Key, Properties: {EnableKeyRotation: !Ref AWS::NoValue}}\n"), "K")
    assert "rotation" not in key.attrs and key.get("rotation").value is False


def test_select_split_join_and_find_in_map() -> None:
    inv = load(
        """
        Parameters:
          Windows: {Type: CommaDelimitedList, Default: "9, 21"}
        Mappings:
          Env: {prod: {Window: 30, Spec: SYMMETRIC_DEFAULT}}
        Resources:
          A: {Type: AWS::KMS::Key, Properties: {PendingWindowInDays: !Select [1, !Ref Windows]}}
          B: {Type: AWS::KMS::Key, Properties: {PendingWindowInDays: !Select [0, !Split [",", "8,9"]]}}
          C: {Type: AWS::KMS::Key, Properties: {PendingWindowInDays: !FindInMap [Env, prod, Window]}}
          D: {Type: AWS::KMS::Key, Properties: {KeySpec: !Join ["_", [SYMMETRIC, DEFAULT]]}}
          E: {Type: AWS::KMS::Key, Properties: {PendingWindowInDays: !FindInMap [Env, !Ref AWS::Region, Window]}}
        """
    )
    assert only_key(inv, "A").attrs["deletion_window"].value == 21
    assert only_key(inv, "B").attrs["deletion_window"].value == 8
    assert only_key(inv, "C").attrs["deletion_window"].value == 30
    assert only_key(inv, "D").attrs["spec"].value == "SYMMETRIC_DEFAULT"
    assert only_key(inv, "E").attrs["deletion_window"].value is UNKNOWN


def test_root_principal_with_pseudo_parameters_is_the_account_root() -> None:
    key = only_key(
        load(
            """
            Resources:
              K:
                Type: AWS::KMS::Key
                Properties:
                  KeyPolicy:
                    Version: 2012-10-17
                    Statement:
                      - Effect: Allow
                        Principal: {AWS: !Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}
                        Action: kms:*
                        Resource: "*"
                      - Effect: Allow
                        Principal:
                          AWS: !Join ["", ["arn:", !Ref AWS::Partition, ":iam::", !Ref AWS::AccountId, ":root"]]
                        Action: kms:Encrypt
                        Resource: "*"
            """
        ),
        "K",
    )
    assert key.policy is not None and key.policy.known
    first, second = key.policy.statements
    assert first.known and first.to_account_root and first.location.line == 10
    assert second.known and second.to_account_root and second.location.line == 14


def test_sub_escapes_and_variable_map() -> None:
    inv = load(
        """
        Resources:
          K:
            Type: AWS::KMS::Key
            Properties:
              KeyPolicy:
                Fn::Sub:
                  - '{"Statement": [{"Sid": "${!Literal}", "Effect": "Allow", "Principal": {"AWS": "${Who}"}, "Action": "kms:Decrypt", "Resource": "*"}]}'
                  - Who: "*"
        """
    )
    statement = only_key(inv, "K").policy.statements[0]  # type: ignore[union-attr]
    assert statement.sid == "${Literal}"
    assert statement.everyone


def test_sub_policy_in_a_literal_block_locates_each_statement() -> None:
    inv = load(
        """
        Parameters:
          Partner: {Type: String}
        Resources:
          K:
            Type: AWS::KMS::Key
            Properties:
              KeyPolicy: !Sub |
                {
                  "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::${AWS::AccountId}:root"}, "Action": "kms:*", "Resource": "*"},

                    {"Effect": "Allow", "Principal": {"AWS": "${Partner}"}, "Action": "kms:Decrypt", "Resource": "*"}
                  ]
                }
        """
    )
    key = only_key(inv, "K")
    assert key.policy is not None and key.policy.location.line == 9
    root, partner = key.policy.statements
    assert (root.location.line, root.location.column) == (12, 13)
    assert root.known and root.to_account_root
    assert partner.location.line == 14
    # ${Partner} has no value: the principal is some AWS principal, never guessed to be a known one
    assert partner.principal_unresolved and not partner.to_account_root and not partner.everyone


def test_policy_as_json_string_and_invalid_json_string() -> None:
    inv = load(
        """
        Resources:
          Good:
            Type: AWS::KMS::Key
            Properties:
              KeyPolicy: '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}}'
          Bad:
            Type: AWS::KMS::Key
            Properties:
              KeyPolicy: '{"Statement": [}'
        """
    )
    good = only_key(inv, "Good").policy
    assert good is not None and good.statements[0].everyone and good.statements[0].location.line == 7
    bad = only_key(inv, "Bad").policy
    assert bad is not None and not bad.known and bad.location.line == 11
    assert bad.parse_error.startswith("it is not valid JSON")  # AWS will reject it: KMS000 at the policy (scan.py)
    assert inv.parse_errors == ()  # the file itself parses


def test_unresolvable_policy_is_unknown_not_absent() -> None:
    inv = load("Parameters: {P: {Type: String}}\nResources:\n  K: {Type: AWS::KMS::Key, Properties: {KeyPolicy: !Ref P}}\n")
    policy = only_key(inv, "K").policy
    assert policy is not None and policy.known is False and not policy.parse_error
    (unchecked,) = inv.unchecked
    assert unchecked.location.line == 4 and "parameter P has no Default" in unchecked.reason


# --- aliases -------------------------------------------------------------------------------


def test_aliases_resolve_to_keys() -> None:
    inv = load(
        """
        Resources:
          A: {Type: AWS::KMS::Key}
          B: {Type: AWS::KMS::Key}
          C: {Type: AWS::KMS::Key}
          AliasA: {Type: AWS::KMS::Alias, Properties: {AliasName: alias/a, TargetKeyId: !Ref A}}
          AliasB: {Type: AWS::KMS::Alias, Properties: {AliasName: alias/b, TargetKeyId: !GetAtt B.Arn}}
          Elsewhere: {Type: AWS::KMS::Alias, Properties: {AliasName: alias/x, TargetKeyId: !ImportValue other-key}}
        """
    )
    assert only_key(inv, "A").aliases == ("AliasA",)
    assert only_key(inv, "B").aliases == ("AliasB",)
    assert only_key(inv, "C").has_alias is False and not only_key(inv, "C").alias_unknown
    targets = {a.address: a.target for a in inv.aliases}
    assert targets["AliasA"].value == "A" and targets["AliasA"].location.line == 7
    assert targets["Elsewhere"].value == "!ImportValue other-key"
    assert {a.address: a.name.value for a in inv.aliases}["AliasB"] == "alias/b"


def test_alias_with_unresolvable_target_makes_every_key_alias_unknown() -> None:
    inv = load(
        """
        Resources:
          A: {Type: AWS::KMS::Key}
          Mystery: {Type: AWS::KMS::Alias, Properties: {AliasName: alias/m, TargetKeyId: !Sub "${NotDeclared}"}}
        """
    )
    key = only_key(inv, "A")
    assert key.alias_unknown and key.has_alias is UNKNOWN


def test_alias_under_fn_if_counts_for_both_keys() -> None:
    inv = load(
        """
        Parameters: {Blue: {Type: String, AllowedValues: ["true", "false"]}}
        Conditions: {IsBlue: !Equals [!Ref Blue, "true"]}
        Resources:
          B: {Type: AWS::KMS::Key}
          G: {Type: AWS::KMS::Key}
          Live: {Type: AWS::KMS::Alias, Properties: {AliasName: alias/live, TargetKeyId: !If [IsBlue, !Ref B, !Ref G]}}
        """
    )
    assert only_key(inv, "B").aliases == ("Live",) and only_key(inv, "G").aliases == ("Live",)
    assert inv.aliases[0].target.value is UNKNOWN  # two possible keys: Alias.target cannot name one


# --- Fn::If ----------------------------------------------------------------------------------

CONDITIONS = """
Parameters:
  Env: {Type: String, AllowedValues: [prod, dev, test]}
  Hmac: {Type: String, AllowedValues: ["true", "false"]}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsNotProd: !Not [!Condition IsProd]
  IsDev: !Equals [!Ref Env, dev]
  WantHmac: !Equals [!Ref Hmac, "true"]
"""


def test_fn_if_gives_a_merged_key_then_one_variant_per_branch() -> None:
    inv = load(CONDITIONS + "Resources:\n  K: {Type: AWS::KMS::Key, Properties: {EnableKeyRotation: !If [IsProd, true, false]}}\n")
    merged, *variants = [k for k in inv.keys if k.address == "K"]
    assert merged.attrs["rotation"].value is UNKNOWN and "IsProd" in merged.attrs["rotation"].note
    assert inv.key("t.yaml", "K") is merged  # cross-resource lookups see the merged view
    assert {(v.attrs["rotation"].value, v.attrs["rotation"].note) for v in variants} == {
        (True, "when IsProd is true"),
        (False, "when IsProd is false"),
    }


def test_fn_if_never_combines_branches_that_cannot_occur_together() -> None:
    inv = load(
        CONDITIONS
        + """
Resources:
  K:
    Type: AWS::KMS::Key
    Properties:
      KeySpec: !If [WantHmac, HMAC_256, SYMMETRIC_DEFAULT]
      EnableKeyRotation: !If [WantHmac, false, !If [IsProd, true, !If [IsNotProd, true, false]]]
"""
    )
    seen = {(k.get("spec").value, k.get("rotation").value) for k in inv.keys[1:]}
    assert seen == {("HMAC_256", False), ("SYMMETRIC_DEFAULT", True)}


def test_fn_if_respects_the_resource_condition() -> None:
    inv = load(
        CONDITIONS
        + "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Condition: IsProd\n    Properties: {EnableKeyRotation: !If [IsProd, true, false]}\n"
    )
    assert [k.get("rotation").value for k in inv.keys] == [True]


def test_fn_if_with_equal_branches_is_one_known_key() -> None:
    inv = load(CONDITIONS + "Resources:\n  K: {Type: AWS::KMS::Key, Properties: {PendingWindowInDays: !If [IsDev, 30, 30]}}\n")
    assert [k.get("deletion_window").value for k in inv.keys] == [30]


def test_fn_if_statement_with_novalue_exists_in_one_variant_only() -> None:
    inv = load(
        CONDITIONS
        + """
Resources:
  K:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - !If [IsDev, {Effect: Allow, Principal: "*", Action: "kms:*", Resource: "*"}, !Ref AWS::NoValue]
"""
    )
    counts = sorted(len(k.policy.statements) for k in inv.keys[1:] if k.policy)
    assert counts == [0, 1]
    merged = inv.keys[0].policy
    assert merged is not None and not merged.statements[0].known


def test_too_many_conditions_fall_back_to_the_merged_key() -> None:
    names = [f"C{i}" for i in range(6)]
    conds = "\n".join(f"  {n}: !Equals [!Ref P{i}, x]" for i, n in enumerate(names))
    params = "\n".join(f"  P{i}: {{Type: String}}" for i in range(6))
    props = "\n".join(f"      Tags{i}: !If [{n}, a, b]" for i, n in enumerate(names))
    inv = load(f"Parameters:\n{params}\nConditions:\n{conds}\nResources:\n  K:\n    Type: AWS::KMS::Key\n    Properties:\n{props}\n      EnableKeyRotation: !If [C0, true, false]\n")
    assert len(inv.keys) == 1 and inv.keys[0].attrs["rotation"].value is UNKNOWN


def test_feasible_branches_know_negation_and_exclusive_values() -> None:
    parameters = {"Env": {"Type": "String", "AllowedValues": ["prod", "dev", "test"], "Default": "dev"}}
    conditions = {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "IsNotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "IsDev": {"Fn::Equals": ["dev", {"Ref": "Env"}]},
    }
    tpl = Template("t.yaml", "", parameters, {}, conditions, {})
    branches = feasible_branches(tpl, ["IsProd", "IsNotProd", "IsDev"])
    assert branches is not None
    rows = {(b.conditions["IsProd"], b.conditions["IsNotProd"], b.conditions["IsDev"]): b.parameters["Env"] for b in branches}
    assert rows == {(True, False, False): "prod", (False, True, True): "dev", (False, True, False): "test"}


def test_feasible_branches_leave_a_parameter_unknown_when_the_branch_allows_several_values() -> None:
    parameters = {"Spec": {"Type": "String", "Default": "SYMMETRIC_DEFAULT"}}
    conditions = {"IsSymmetric": {"Fn::Equals": [{"Ref": "Spec"}, "SYMMETRIC_DEFAULT"]}}
    tpl = Template("t.yaml", "", parameters, {}, conditions, {})
    branches = {b.conditions["IsSymmetric"]: b.parameters["Spec"] for b in feasible_branches(tpl, ["IsSymmetric"]) or []}
    assert branches == {True: "SYMMETRIC_DEFAULT", False: UNKNOWN}


def test_feasible_branches_treat_unreadable_conditions_as_free() -> None:
    conditions = {"HasX": {"Fn::Equals": [{"Fn::Select": [0, {"Ref": "List"}]}, "x"]}, "Odd": {"Fn::Bogus": []}}
    tpl = Template("t.yaml", "", {"List": {"Type": "CommaDelimitedList", "Default": "x,y"}}, {}, conditions, {})
    branches = feasible_branches(tpl, ["HasX"]) or []
    assert [b.conditions for b in branches] == [{"HasX": True}, {"HasX": False}]
    assert all(b.parameters == {"List": UNKNOWN} for b in branches)  # never its Default inside a branch
    assert len(feasible_branches(tpl, ["Odd", "HasX"]) or []) == 4


def test_a_parameter_tested_by_a_condition_follows_the_branch_not_its_default() -> None:
    # widdix/aws-cf-templates security/kms-key.yaml: rotation is on exactly when the key is symmetric.
    inv = load(
        """
        Parameters:
          KeySpec: {Type: String, AllowedValues: [SYMMETRIC_DEFAULT, RSA_2048, ECC_NIST_P256], Default: SYMMETRIC_DEFAULT}
        Conditions:
          HasSymmetricKey: !Equals [!Ref KeySpec, SYMMETRIC_DEFAULT]
        Resources:
          Key:
            Type: AWS::KMS::Key
            Properties:
              EnableKeyRotation: !If [HasSymmetricKey, true, false]
              KeySpec: !Ref KeySpec
        """
    )
    variants = {(k.get("spec").value, k.get("rotation").value) for k in inv.keys[1:]}
    assert variants == {("SYMMETRIC_DEFAULT", True), (UNKNOWN, False)}
    assert all(k.rotation_required is not True or k.get("rotation").value is not False for k in inv.keys)


# --- monitoring ----------------------------------------------------------------------------


def test_monitoring_resources() -> None:
    inv = load(
        """
        Resources:
          Filter:
            Type: AWS::Logs::MetricFilter
            Properties:
              LogGroupName: trail
              FilterPattern: '{ $.eventSource = kms.amazonaws.com }'
              MetricTransformations: [{MetricName: M, MetricNamespace: NS, MetricValue: "1"}]
          Alarm:
            Type: AWS::CloudWatch::Alarm
            Properties: {MetricName: M, Namespace: NS, AlarmActions: [!Ref Topic], ActionsEnabled: false}
          MathAlarm:
            Type: AWS::CloudWatch::Alarm
            Properties:
              Metrics: [{Id: m1, MetricStat: {Metric: {MetricName: M2, Namespace: NS2}, Period: 60, Stat: Sum}}]
          Topic: {Type: AWS::SNS::Topic}
          Rule:
            Type: AWS::Events::Rule
            Properties:
              State: DISABLED
              EventPattern: '{"source": ["aws.kms"]}'
              Targets: [{Id: a, Arn: !Ref Topic}, {Id: b, Arn: !Ref Topic}]
          Scheduled: {Type: AWS::Events::Rule, Properties: {ScheduleExpression: rate(1 day)}}
        """
    )
    (mf,) = inv.metric_filters
    assert (mf.pattern.value, mf.metric_name.value, mf.namespace.value) == ("{ $.eventSource = kms.amazonaws.com }", "M", "NS")
    alarms = {a.address: a for a in inv.alarms}
    assert alarms["Alarm"].actions.value == ("${Topic}",) and alarms["Alarm"].actions_enabled.value is False
    assert (alarms["MathAlarm"].metric_name.value, alarms["MathAlarm"].namespace.value) == ("M2", "NS2")
    assert alarms["MathAlarm"].actions.value == () and alarms["MathAlarm"].actions_enabled.value is True
    (rule,) = inv.event_rules  # a scheduled rule matches no event and is left out
    assert rule.pattern.value == {"source": ["aws.kms"]} and rule.enabled.value is False and rule.inline_targets == 2
    assert rule.name.value == "Rule"


# --- suppressions in Metadata ----------------------------------------------------------------


def test_metadata_ignores_cover_the_whole_resource() -> None:
    inv = load(
        """
        Resources:
          K:
            Type: AWS::KMS::Key
            Metadata:
              kmslint:
                ignore:
                  - {id: kms008, reason: the account is closed with the stack}
                  - id: [KMS003, KMS011]
            Properties:
              KeyPolicy: !Sub |
                {"Statement": []}

          Next: {Type: AWS::SNS::Topic}
        """
    )
    assert [(i.rule_id, i.reason) for i in inv.ignores] == [
        ("KMS008", "the account is closed with the stack"),
        ("KMS003", ""),
        ("KMS011", ""),
    ]
    first = inv.ignores[0]
    assert (first.path, first.start_line, first.end_line) == ("t.yaml", 4, 13)
    assert first.location.line == 9


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, line, words",
    [
        (HEADER + "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Type: AWS::KMS::Alias\n", 5, "duplicate key 'Type' (first at line 4)"),
        (HEADER + "Resources:\n  K:\n\tType: AWS::KMS::Key\n", 4, "tab"),
        ('{\n  "Resources": {\n    "K": {"Type": "AWS::KMS::Key"}\n    "L": {}\n  }\n}\n', 4, "expected ','"),
        (HEADER + "Resources: [a, b]\n", 2, "Resources must be a mapping"),
        (HEADER + "Resources:\n  K: just a string\n", 3, "resource K must be a mapping"),
        ("- AWSTemplateFormatVersion\n- Resources\n", 1, "top level must be a mapping"),
        (HEADER + "Resources:\n  K: *undefined\n", 1, "undefined alias"),
    ],
)
def test_parse_errors_have_a_line_and_a_reason(text: str, line: int, words: str) -> None:
    inv = load_template("bad.yaml", text)
    assert inv.keys == ()
    (error,) = inv.parse_errors
    assert error.location.path == "bad.yaml" and error.location.line == line
    assert words in error.reason


def test_rain_modules_are_skipped_and_foreach_loops_expanded_not_errors() -> None:
    inv = load(
        """
        Transform: AWS::LanguageExtensions
        Resources:
          Storage:
            Type: !Rain::Module ../modules/bucket.yml
          Fn::ForEach::Keys:
            - Name
            - [A, B]
            - Key${Name}: {Type: AWS::KMS::Key}
          Plain: {Type: AWS::KMS::Key}
        """
    )
    assert inv.parse_errors == ()
    assert [(k.address, k.location.line) for k in inv.keys] == [("KeyA", 10), ("KeyB", 10), ("Plain", 11)]


def test_a_document_without_resources_is_not_a_template() -> None:
    inv = load_template("serverless.yml", "service: x\nresources:\n  Resources:\n    K: {Type: AWS::KMS::Key}\n")
    assert inv == Inventory()


_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5000), st.text(max_size=8))
_names = st.sampled_from(["Type", "Properties", "Ref", "Fn::If", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "KeyPolicy", "Statement",
                          "EnableKeyRotation", "PendingWindowInDays", "TargetKeyId", "PrimaryKeyArn", "DeletionPolicy", "AWS::KMS::Key", "Condition"])
_nodes = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_names, inner, max_size=4), max_leaves=20)
_types = st.sampled_from(["AWS::KMS::Key", "AWS::KMS::ReplicaKey", "AWS::KMS::Alias", "AWS::Logs::MetricFilter", "AWS::CloudWatch::Alarm", "AWS::Events::Rule"])


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["A", "B", "C"]), st.fixed_dictionaries({"Type": _types}, optional={
    "Properties": _nodes, "DeletionPolicy": _nodes, "UpdateReplacePolicy": _nodes, "Condition": _nodes, "Metadata": _nodes}), max_size=3),
    st.dictionaries(st.sampled_from(["C1", "C2"]), _nodes, max_size=2))
def test_arbitrary_template_shapes_never_raise(resources: dict[str, Any], conditions: dict[str, Any]) -> None:
    text = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Conditions": conditions, "Resources": resources})
    inv = load_template("fuzz.json", text)
    assert isinstance(inv, Inventory)


# --- laziness --------------------------------------------------------------------------------


def test_terraform_only_scan_and_policy_files_never_import_cfnlint() -> None:
    probe = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from kmslint.config import Config
        from kmslint.engine.rules import load_rules
        from kmslint.loaders import sniff
        from kmslint.loaders.cloudformation import load_template
        from kmslint.loaders.policy_json import load_policy_file
        from kmslint.scan import ScanOptions, run_scan
        root = Path({str(REPO / 'fixtures')!r})
        run_scan(ScanOptions((root / 'terraform' / 'rotation', root / 'policies'), root, Config()), load_rules())
        assert sniff.looks_like_cloudformation('Resources:\\n  K:\\n    Type: AWS::KMS::Key\\n')
        assert 'cfnlint' not in sys.modules, 'cfnlint imported'
        load_template('t.yaml', 'Resources: {{}}')
        assert 'cfnlint' in sys.modules
        """
    )
    env = {**os.environ, "KMSLINT_NO_CACHE": "1"}  # a template decoded before comes from the warm cache, without cfn-lint
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=False, env=env)
    assert done.returncode == 0, done.stderr
