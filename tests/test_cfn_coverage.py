"""CloudFormation coverage (issue 15): conditions stay polynomial, every key a template deploys is
checked or listed as unchecked, and KMS000 is kept for files that do not parse."""

from __future__ import annotations

import textwrap
from pathlib import Path

from kmslint.config import Config
from kmslint.engine.rules import load_rules
from kmslint.loaders.cfn.conditions import feasible_branches
from kmslint.loaders.cfn.resolve import Template
from kmslint.loaders.cloudformation import load_template
from kmslint.model import UNKNOWN, Inventory
from kmslint.scan import ScanOptions, run_scan

HEADER = 'AWSTemplateFormatVersion: "2010-09-09"\n'
DEPTH = 40


def load(body: str, rel: str = "t.yaml") -> Inventory:
    return load_template(rel, HEADER + textwrap.dedent(body))


def _chained_conditions(depth: int) -> dict[str, object]:
    conditions: dict[str, object] = {"C0": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}}
    for i in range(1, depth + 1):
        conditions[f"C{i}"] = {"Fn::Or": [{"Condition": f"C{i - 1}"}, {"Condition": f"C{i - 1}"}]}
    return conditions


# --- conditions and parameters are evaluated once each (memoized) ------------------------------


def test_conditions_built_from_conditions_forty_deep_are_evaluated() -> None:
    params = {"Env": {"Type": "String", "AllowedValues": ["prod", "dev"]}}
    tpl = Template("t.yaml", "", params, {}, _chained_conditions(DEPTH), {})
    branches = feasible_branches(tpl, [f"C{DEPTH}", "C0"]) or []
    assert sorted((b.conditions["C0"], b.conditions[f"C{DEPTH}"], b.parameters["Env"]) for b in branches) == [
        (False, False, "dev"),
        (True, True, "prod"),
    ]


def test_a_key_using_a_deep_condition_gets_one_variant_per_branch() -> None:
    conds = "\n".join(f"  C{i}: !Or [!Condition C{i - 1}, !Condition C{i - 1}]" for i in range(1, DEPTH + 1))
    inv = load(
        f"Parameters:\n  Env: {{Type: String, AllowedValues: [prod, dev]}}\nConditions:\n  C0: !Equals [!Ref Env, prod]\n{conds}\n"
        f"Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties: {{EnableKeyRotation: !If [C{DEPTH}, true, false]}}\n"
    )
    assert sorted((k.get("rotation").value, k.get("rotation").note) for k in inv.keys[1:]) == [
        (False, f"when C{DEPTH} is false"),
        (True, f"when C{DEPTH} is true"),
    ]


def test_condition_cycles_are_unreadable_not_endless() -> None:
    conditions = {"A": {"Fn::Not": [{"Condition": "B"}]}, "B": {"Fn::Or": [{"Condition": "A"}, {"Condition": "A"}]}}
    tpl = Template("t.yaml", "", {}, {}, conditions, {})
    assert sorted(tuple(b.conditions.values()) for b in feasible_branches(tpl, ["A", "B"]) or []) == [
        (False, False),
        (False, True),
        (True, False),
        (True, True),
    ]


def test_if_defaults_nested_through_parameters_resolve_once_each() -> None:
    params = "\n".join(
        f"  P{i}:\n    Type: String\n    Default: !If [C0, !Ref P{i - 1}, !Ref P{i - 1}]" for i in range(1, DEPTH + 1)
    )
    inv = load(
        f"Parameters:\n  Env: {{Type: String, Default: dev}}\n  P0: {{Type: Number, Default: 3}}\n{params}\n"
        f"Conditions:\n  C0: !Equals [!Ref Env, prod]\n"
        f"Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties: {{PendingWindowInDays: !Ref P{DEPTH}}}\n"
    )
    assert [k.get("deletion_window").value for k in inv.keys] == [3]


def test_a_parameter_default_that_refers_to_itself_is_unknown() -> None:
    inv = load(
        "Parameters:\n  A: {Type: String, Default: !Ref B}\n  B: {Type: String, Default: !Ref A}\n"
        "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties: {PendingWindowInDays: !Ref A}\n"
    )
    window = inv.keys[0].get("deletion_window")
    assert window.value is UNKNOWN and "refers to itself" in window.note


# --- policies kmslint cannot see are unchecked, not parse errors --------------------------------


def test_policies_from_macros_includes_imports_and_bare_parameters_are_unchecked() -> None:
    inv = load(
        """
        Parameters: {PolicyJson: {Type: String}}
        Resources:
          Macro: {Type: AWS::KMS::Key, Properties: {KeyPolicy: {Fn::Transform: {Name: PolicyMacro}}}}
          Include: {Type: AWS::KMS::Key, Properties: {KeyPolicy: {Fn::Transform: {Name: AWS::Include, Parameters: {Location: s3://b/p.json}}}}}
          Param: {Type: AWS::KMS::Key, Properties: {KeyPolicy: !Ref PolicyJson}}
          Import: {Type: AWS::KMS::Key, Properties: {KeyPolicy: !ImportValue shared-policy}}
        """
    )
    assert inv.parse_errors == ()
    assert all(k.policy is not None and not k.policy.known and not k.policy.parse_error for k in inv.keys)
    reasons = {u.location.line: u.reason for u in inv.unchecked}
    assert sorted(reasons) == [5, 6, 7, 8]
    assert "macro PolicyMacro" in reasons[5] and "AWS::Include" in reasons[6] and "s3://b/p.json" in reasons[6]
    assert "parameter PolicyJson has no Default" in reasons[7] and "Fn::ImportValue" in reasons[8]
    assert all(r.startswith(("the key policy of Macro", "the key policy of Include", "the key policy of Param", "the key policy of Import")) for r in reasons.values())


def test_a_template_macro_is_listed_once_as_unchecked() -> None:
    inv = load("Transform: [AWS::Serverless-2016-10-31, CorpMacro]\nResources:\n  K: {Type: AWS::KMS::Key}\n")
    assert [(u.location.line, "CorpMacro" in u.reason) for u in inv.unchecked] == [(2, True)]


def test_invalid_policies_are_rejected_policies_not_file_errors() -> None:
    inv = load(
        """
        Resources:
          Comma: {Type: AWS::KMS::Key, Properties: {KeyPolicy: '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "kms:*"},]}'}}
          NoPrincipal: {Type: AWS::KMS::Key, Properties: {KeyPolicy: {Statement: [{Effect: Allow, Action: "kms:*"}]}}}
        """
    )
    assert inv.parse_errors == () and inv.unchecked == ()
    errors = {k.address: k.policy.parse_error for k in inv.keys if k.policy}
    assert errors["Comma"].startswith("it is not valid JSON") and errors["NoPrincipal"] == "statement 1 has no Principal"


# --- what the findings say ----------------------------------------------------------------------

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _messages(rel: str) -> dict[tuple[str, int], str]:
    path = FIXTURES / rel
    result, _ = run_scan(ScanOptions((path,), path.parent, Config(ignore=("KMS006", "KMS007"))), load_rules())
    return {(f.rule_id, f.location.line): f.message for f in result.findings}


def test_policy_branches_say_which_condition_value_they_hold_under() -> None:
    found = _messages("cloudformation/policy_branches.yaml")
    assert found[("KMS001", 22)].endswith("(when IsProd is false)") and "default policy" in found[("KMS001", 22)]
    assert found[("KMS012", 33)].endswith("(when IsProd is true)")
    assert found[("KMS012", 106)].endswith("(when Shared is true)")
    assert "(when" not in found[("KMS001", 98)]  # the statement every branch has: no branch note
    assert not any(rule == "KMS000" for rule, _ in found)


def test_a_rejected_policy_is_not_a_file_that_cannot_be_parsed() -> None:
    found = _messages("cloudformation/rejected_policy.yaml")
    assert found[("KMS000", 14)].startswith("AWS will reject the key policy of TrailingComma: it is not valid JSON")
    assert found[("KMS000", 25)] == "AWS will reject the key policy of NoPrincipal: statement 1 has no Principal"
    broken = _messages("cloudformation/broken_tab.yaml")
    assert all(m.startswith("Cannot parse this file") for (rule, _), m in broken.items() if rule == "KMS000")


def test_deletion_protection_messages_say_what_is_missing() -> None:
    found = _messages("cloudformation/deletion_protection.yaml")
    key = next(m for (rule, _), m in found.items() if rule == "KMS008" and m.startswith("Nothing "))
    assert "has no DeletionPolicy: Retain" in key and "UpdateReplacePolicy is not needed" in key
    replica = next(m for (rule, _), m in found.items() if m.startswith("Replica ReplicaRetainOnly"))
    assert replica.endswith("(UpdateReplacePolicy: Retain missing)")


def test_a_replica_of_a_key_in_the_same_template_cannot_deploy() -> None:
    found = _messages("cloudformation/replica.yaml")
    kms005 = [m for (rule, _), m in found.items() if rule == "KMS005"]
    assert len(kms005) == 2 and all("cannot deploy" in m and "!GetAtt" not in m for m in kms005)


# --- Fn::ForEach ------------------------------------------------------------------------------


def test_foreach_expands_nested_loops_with_both_substitutions_at_the_loop_lines() -> None:
    inv = load(
        """
        Transform: AWS::LanguageExtensions
        Parameters:
          Teams: {Type: CommaDelimitedList, Default: "a-1,b-2"}
        Resources:
          Fn::ForEach::Outer:
            - Team
            - !Ref Teams
            - Fn::ForEach::Inner:
                - Size
                - [7, 9]
                - Key&{Team}x${Size}:
                    Type: AWS::KMS::Key
                    Properties:
                      PendingWindowInDays: !Ref Size
                      Description: !Sub "${Team} key"
        """
    )
    assert sorted((k.address, k.location.line, k.get("deletion_window").value, k.get("deletion_window").location.line) for k in inv.keys) == [
        ("Keya1x7", 13, 7, 16),
        ("Keya1x9", 13, 9, 16),
        ("Keyb2x7", 13, 7, 16),
        ("Keyb2x9", 13, 9, 16),
    ]
    assert inv.unchecked == ()


def test_a_foreach_collection_kmslint_cannot_resolve_is_unchecked() -> None:
    inv = load(
        """
        Transform: AWS::LanguageExtensions
        Parameters:
          Names: {Type: CommaDelimitedList}
        Resources:
          Fn::ForEach::Keys:
            - Name
            - !Ref Names
            - Key${Name}: {Type: AWS::KMS::Key}
        """
    )
    assert inv.keys == () and inv.parse_errors == ()
    ((line, reason),) = [(u.location.line, u.reason) for u in inv.unchecked]
    assert line == 7 and reason.startswith("Fn::ForEach::Keys: its collection cannot be resolved (parameter Names has no Default)")


def test_pseudo_parameter_principals_are_printed_as_this_account() -> None:
    found = _messages("cloudformation/pseudo_principals.yaml")
    assert "to the account root" in found[("KMS001", 16)]
    assert "arn:aws:iam::<this account>:role/Operator" in found[("KMS001", 22)]
    assert not any("${AWS::" in m for m in found.values())


def test_advice_is_for_the_format_the_finding_is_in(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(HEADER + "Resources:\n  K: {Type: AWS::KMS::Key, DeletionPolicy: Retain}\n")
    (tmp_path / "main.tf").write_text('resource "aws_kms_key" "k" {\n  lifecycle {\n    prevent_destroy = true\n  }\n}\n')
    result, _ = run_scan(ScanOptions((tmp_path,), tmp_path, Config(select=("KMS003", "KMS011"))), load_rules())
    by = {(f.location.path, f.rule_id): f.message for f in result.findings}
    assert "EnableKeyRotation: true" in by[("t.yaml", "KMS003")] and "enable_key_rotation" not in by[("t.yaml", "KMS003")]
    assert "enable_key_rotation = true" in by[("main.tf", "KMS003")] and "EnableKeyRotation" not in by[("main.tf", "KMS003")]
    assert "AWS::KMS::Alias" in by[("t.yaml", "KMS011")] and "aws_kms_alias" not in by[("t.yaml", "KMS011")]
    assert "aws_kms_alias" in by[("main.tf", "KMS011")] and "AWS::KMS::Alias" not in by[("main.tf", "KMS011")]


def test_branch_note_names_the_fewest_condition_values() -> None:
    from kmslint.engine.branches import branch_note

    a, b = (("A", True), ("B", False)), (("A", False), ("B", False))
    c = (("A", False), ("B", True))
    assert branch_note([a], [a, b, c]) == "when A is true"
    assert branch_note([a, b], [a, b, c]) == "when B is false"
    assert branch_note([a, b, c], [a, b, c]) == ""
    assert branch_note([a, c], [a, b, c]) == "when A is false and B is true or A is true and B is false"


def test_a_statement_with_an_imported_principal_is_unchecked_but_a_branch_is_not() -> None:
    inv = load(
        """
        Parameters: {Env: {Type: String, AllowedValues: [a, b]}}
        Conditions: {IsA: !Equals [!Ref Env, a]}
        Resources:
          K:
            Type: AWS::KMS::Key
            Properties:
              KeyPolicy:
                Statement:
                  - {Effect: Allow, Principal: {AWS: !ImportValue admin-role}, Action: "kms:*", Resource: "*"}
                  - !If [IsA, {Effect: Allow, Principal: "*", Action: "kms:Decrypt", Resource: "*"}, !Ref AWS::NoValue]
        """
    )
    ((line, reason),) = {(u.location.line, u.reason) for u in inv.unchecked}
    assert line == 11 and reason.startswith("statement 1 of the key policy of K has values kmslint cannot resolve (it is imported")
