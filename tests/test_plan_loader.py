"""The Terraform plan loader: values, actions, UNKNOWNs, locations, and bad input as KMS000."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from kmslint.loaders.plan import load_plan
from kmslint.loaders.plan.facts import KEY_RESOURCE_TYPES, PRIMARY_TYPES, REPLICA_TYPES, PlanChange, normalize_address
from kmslint.loaders.terraform.loader import KEY_TYPES
from kmslint.model import UNKNOWN, Inventory, Key, PrimaryRef
from kmslint.model.values import Presence
from plan_samples import (
    PRIMARY_ARN,
    arn,
    change,
    configuration,
    key_values,
    line_of,
    plan,
    refs,
    replica_values,
    text,
)


def load(doc: dict, rel: str = "plan.json", indent: int | None = 2) -> Inventory:
    inv = load_plan(rel, text(doc, indent))
    assert not inv.parse_errors, inv.parse_errors
    return inv


def only_key(inv: Inventory) -> Key:
    assert len(inv.keys) == 1, [k.address for k in inv.keys]
    return inv.keys[0]


def test_key_types_agree_with_the_terraform_loader() -> None:
    assert KEY_RESOURCE_TYPES == set(KEY_TYPES)
    assert REPLICA_TYPES == {t for t, kind in KEY_TYPES.items() if kind.startswith("replica")}
    assert not PRIMARY_TYPES & REPLICA_TYPES


# --- format versions and bad input ----------------------------------------------------------------


@pytest.mark.parametrize("version", ["0.1", "0.2", "1.0", "1.1", "1.2"])
def test_every_supported_format_version_loads(version: str) -> None:
    doc = plan([change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values(deletion_window_in_days=9))], version=version)
    key = only_key(load(doc))
    assert key.get("deletion_window").value == 9
    assert key.source_format == "plan" and key.unit == "plan.json" and key.kind == "key"


def test_an_unsupported_major_version_is_a_parse_error() -> None:
    inv = load_plan("p.json", text(plan([], version="2.0")))
    assert [(e.location.line, "unsupported" in e.reason, "2.0" in e.reason) for e in inv.parse_errors] == [(1, True, True)]
    assert inv.keys == ()


def test_a_missing_format_version_is_a_parse_error() -> None:
    inv = load_plan("p.json", '{"resource_changes": []}')
    assert [e.reason for e in inv.parse_errors] == ["not a Terraform plan: format_version is missing"]


def test_invalid_json_is_a_parse_error_at_the_parsers_line_and_column() -> None:
    source = '{\n  "format_version": "1.2",\n  "resource_changes": [\n    {"address": "a" "mode": "managed"}\n  ]\n}\n'
    (err,) = load_plan("dir/p.json", source).parse_errors
    assert (err.location.path, err.location.line, err.location.column) == ("dir/p.json", 4, 21)
    assert err.reason == "Terraform plan is not valid JSON: Expecting ',' delimiter"


def test_crlf_line_breaks_count_once() -> None:
    source = '{\r\n"format_version": "1.2",\r\n"resource_changes": [\r\n  {"address": 1,}\r\n]}'
    (err,) = load_plan("p.json", source).parse_errors
    assert (err.location.line, err.location.column) == (4, 17)


@pytest.mark.parametrize("source", ["", "[]", '"plan"', "{} {}", '{"a": 1, "a": 2}'])
def test_not_a_json_object_is_a_parse_error(source: str) -> None:
    (err,) = load_plan("p.json", source).parse_errors
    assert err.location.line == 1 and err.reason.startswith("Terraform plan is not valid JSON")


def test_absurd_nesting_is_a_parse_error_not_a_crash() -> None:
    source = '{"format_version": "1.2", "variables": ' + "[" * 100_000 + "]" * 100_000 + ', "resource_changes": []}'
    (err,) = load_plan("p.json", source).parse_errors
    assert "nested too deeply" in err.reason


def test_an_integer_of_5000_digits_does_not_abort_the_load() -> None:
    source = '{"format_version": "1.2", "variables": {"n": {"value": ' + "9" * 5000 + '}}, "resource_changes": []}'
    assert load_plan("p.json", source) == Inventory(units=("p.json",))


@pytest.mark.parametrize(
    "changes, reason, line",
    [
        ('{"a": 1}', "resource_changes must be a list of resource changes", 1),
        ('[\n 3\n]', "resource_changes[0] must be an object", 2),
        ('[\n {"address": "aws_kms_key.a"}\n]', "resource_changes[0] needs an address and a change object", 2),
        ('[\n {"address": "aws_kms_key.a", "change": {"actions": "delete"}}\n]', "resource_changes[0].change.actions must be a list of strings", 2),
    ],
)
def test_a_plan_of_the_wrong_shape_is_a_parse_error_where_it_goes_wrong(changes: str, reason: str, line: int) -> None:
    (err,) = load_plan("p.json", '{"format_version": "1.2", "resource_changes": ' + changes + "}").parse_errors
    assert (err.reason, err.location.line) == (reason, line)


def test_junk_in_planned_values_and_configuration_is_skipped_not_a_crash() -> None:
    doc = plan([change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values())])
    doc["planned_values"]["root_module"]["child_modules"] = 7
    doc["configuration"] = {"root_module": {"resources": "x", "module_calls": [1], "outputs": 3}}
    assert only_key(load(doc)).address == "aws_kms_key.k"


def test_a_state_file_has_nothing_planned() -> None:
    assert load_plan("s.json", '{"format_version": "1.0", "values": {"root_module": {}}}') == Inventory()


# --- actions and values ---------------------------------------------------------------------------


def test_a_destroyed_key_is_a_planned_change_not_a_key() -> None:
    doc = plan([change("aws_kms_key.gone", "aws_kms_key", ["delete"], key_values(deletion_window_in_days=7))])
    source = text(doc)
    inv = load_plan("plan.json", source)
    assert inv.keys == ()
    (c,) = inv.planned_changes
    assert isinstance(c, PlanChange)
    assert (c.address, c.actions, c.deletes, c.resource_type) == ("aws_kms_key.gone", ("delete",), True, "aws_kms_key")
    assert c.before["deletion_window_in_days"] == 7 and c.after == {}
    assert (c.location.path, c.location.line) == ("plan.json", line_of(source, "aws_kms_key.gone"))
    assert c.planned_on == date(2025, 3, 1)


@pytest.mark.parametrize("actions", [["delete", "create"], ["create", "delete"]])
def test_a_replaced_key_is_the_new_key_with_its_planned_values(actions: list[str]) -> None:
    new = key_values(customer_master_key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC", enable_key_rotation=False)
    doc = plan([change("aws_kms_key.k", "aws_kms_key", actions, key_values(), new)])
    inv = load(doc)
    key = only_key(inv)
    assert key.get("spec").value == "HMAC_256" and key.rotation_supported is False
    (c,) = inv.planned_changes
    assert c.actions == tuple(actions) and c.deletes
    assert c.before["customer_master_key_spec"] == "SYMMETRIC_DEFAULT"


def test_a_forgotten_key_is_neither_a_key_nor_a_deletion() -> None:
    inv = load(plan([change("aws_kms_key.k", "aws_kms_key", ["forget"], key_values())]))
    assert inv.keys == ()
    assert [(c.actions, c.deletes) for c in inv.planned_changes] == [(("forget",), False)]


def test_no_op_update_and_create_keys_carry_their_actions() -> None:
    doc = plan([
        change("aws_kms_key.a", "aws_kms_key", ["no-op"], key_values()),
        change("aws_kms_key.b", "aws_kms_key", ["update"], key_values(), key_values(is_enabled=False)),
        change("aws_kms_key.c", "aws_kms_key", ["create"], None, key_values()),
    ])
    inv = load(doc)
    assert {k.address: k.is_enabled for k in inv.keys} == {"aws_kms_key.a": True, "aws_kms_key.b": False, "aws_kms_key.c": True}
    assert {c.address: c.actions for c in inv.planned_changes} == {
        "aws_kms_key.a": ("no-op",),
        "aws_kms_key.b": ("update",),
        "aws_kms_key.c": ("create",),
    }


def test_data_sources_and_deposed_objects_are_not_keys() -> None:
    doc = plan([
        change("data.aws_kms_key.ext", "aws_kms_key", ["read"], None, key_values(), mode="data"),
        change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values()),
        change("aws_kms_key.k", "aws_kms_key", ["delete"], key_values(key_id="old"), deposed="00000001"),
    ])
    inv = load(doc)
    assert [k.address for k in inv.keys] == ["aws_kms_key.k"]
    assert sorted(c.address for c in inv.planned_changes) == ["aws_kms_key.k", "aws_kms_key.k (deposed object 00000001)"]


def test_keys_in_nested_modules_keep_their_plan_addresses() -> None:
    address = 'module.a.module.b["x"].aws_kms_key.this[0]'
    inv = load(plan([change(address, "aws_kms_key", ["no-op"], key_values(deletion_window_in_days=12))]))
    key = only_key(inv)
    assert key.address == address and key.get("deletion_window").value == 12
    assert normalize_address(address) == "module.a.module.b.aws_kms_key.this"


def test_a_minified_plan_locates_each_change_by_column() -> None:
    doc = plan([change("aws_kms_key.a", "aws_kms_key", ["no-op"], key_values()), change("aws_kms_key.b", "aws_kms_key", ["no-op"], key_values())])
    source = text(doc, indent=None)
    inv = load_plan("p.json", source)
    where = {c.address: (c.location.line, c.location.column) for c in inv.planned_changes}
    start = source.index('"resource_changes"')
    assert where == {a: (1, source.index(f'"address": "{a}"', start) + 1) for a in ("aws_kms_key.a", "aws_kms_key.b")}
    assert {k.address: k.location for k in inv.keys} == {c.address: c.location for c in inv.planned_changes}


def test_without_a_timestamp_there_is_no_plan_date() -> None:
    inv = load(plan([change("aws_kms_key.k", "aws_kms_key", ["delete"], key_values())], timestamp=None))
    assert [c.planned_on for c in inv.planned_changes if isinstance(c, PlanChange)] == [None]


def test_state_values_that_mean_unset_stay_unset() -> None:
    key = only_key(load(plan([change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values(enable_key_rotation=False, rotation_period_in_days=0))])))
    assert key.get("rotation_period").presence is Presence.DEFAULT
    assert key.get("custom_key_store").value is False
    assert key.rotation_requested.value is False


def test_a_plan_does_not_know_about_lifecycle_blocks() -> None:
    key = only_key(load(plan([change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values())])))
    assert key.get("deletion_protection").value is UNKNOWN


# --- UNKNOWN values ------------------------------------------------------------------------------


def _created(unknown: dict, expressions: dict, after: dict | None = None) -> Key:
    after = after if after is not None else {k: v for k, v in key_values().items() if k not in unknown}
    doc = plan(
        [change("aws_kms_key.k", "aws_kms_key", ["create"], None, after, unknown)],
        config=configuration({"aws_kms_key.k": expressions}),
    )
    return only_key(load(doc))


def test_a_value_known_only_after_apply_is_unknown() -> None:
    key = _created({"deletion_window_in_days": True, "enable_key_rotation": True}, {"deletion_window_in_days": refs("random_integer.w.result"), "enable_key_rotation": refs("local.r")})
    assert key.get("deletion_window").value is UNKNOWN and key.get("deletion_window").presence is Presence.UNKNOWN
    assert key.get("rotation").value is UNKNOWN


def test_an_unknown_value_the_configuration_does_not_set_is_the_aws_default() -> None:
    key = _created({"multi_region": True, "policy": True}, {"description": {"constant_value": "x"}})
    assert key.get("multi_region").value is False and key.get("multi_region").presence is Presence.DEFAULT
    assert key.policy is None and key.effective_policy.is_default


def test_an_unknown_policy_the_configuration_sets_is_an_unknown_policy() -> None:
    key = _created({"policy": True}, {"policy": refs("data.aws_iam_policy_document.p.json")})
    assert key.policy is not None and key.policy.known is False


def test_without_a_configuration_section_an_unknown_value_stays_unknown() -> None:
    after = {k: v for k, v in key_values().items() if k != "multi_region"}
    doc = plan([change("aws_kms_key.k", "aws_kms_key", ["create"], None, after, {"multi_region": True})])
    assert only_key(load(doc)).get("multi_region").value is UNKNOWN


def test_a_custom_key_store_set_to_a_computed_id_is_set() -> None:
    key = _created({"custom_key_store_id": True}, {"custom_key_store_id": refs("aws_kms_custom_key_store.s.id")})
    assert key.get("custom_key_store").value is True and key.rotation_supported is False


def test_an_inline_policy_is_parsed() -> None:
    key = only_key(load(plan([change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values())])))
    assert key.policy is not None and key.policy.known
    assert [s.actions for s in key.policy.statements] == [("kms:*",)]


# --- primaries, policies, aliases ------------------------------------------------------------------


def _replica_plan(expression: dict, replica: dict | None = None, calls: dict | None = None) -> Inventory:
    doc = plan(
        [
            change("aws_kms_key.p", "aws_kms_key", ["no-op"], key_values()),
            change("aws_kms_replica_key.r", "aws_kms_replica_key", ["no-op"], replica or replica_values()),
        ],
        config=configuration({"aws_kms_key.p": {}, "aws_kms_replica_key.r": {"primary_key_arn": expression}}, calls),
    )
    return load(doc)


def _primary(inv: Inventory) -> object:
    (replica,) = [k for k in inv.keys if k.is_replica]
    return replica.get("primary").value


def test_a_primary_referenced_in_the_configuration_is_a_resource_reference() -> None:
    assert _primary(_replica_plan(refs("aws_kms_key.p.arn", "aws_kms_key.p"))) == PrimaryRef("resource", "aws_kms_key.p")


def test_a_primary_given_by_a_variable_is_a_literal() -> None:
    assert _primary(_replica_plan(refs("var.primary_arn"))) == PrimaryRef("literal", PRIMARY_ARN)


def test_a_primary_behind_a_module_output_is_followed_to_the_resource() -> None:
    calls = {
        "keys": {
            "source": "./keys",
            "module": {
                "resources": [{"address": "aws_kms_key.this", "mode": "managed", "type": "aws_kms_key", "name": "this", "expressions": {}}],
                "outputs": {"arn": {"expression": refs("aws_kms_key.this[0].arn", "aws_kms_key.this[0]", "aws_kms_key.this")}},
            },
        }
    }
    doc = plan(
        [
            change("module.keys.aws_kms_key.this[0]", "aws_kms_key", ["no-op"], key_values()),
            change("aws_kms_replica_key.r", "aws_kms_replica_key", ["no-op"], replica_values()),
        ],
        config=configuration({"aws_kms_replica_key.r": {"primary_key_arn": refs("module.keys.arn", "module.keys")}}, calls),
    )
    assert _primary(load(doc)) == PrimaryRef("resource", "module.keys.aws_kms_key.this[0]")


def test_a_replica_inside_a_module_follows_the_callers_argument() -> None:
    calls = {
        "replica": {
            "source": "./replica",
            "expressions": {"primary": refs("aws_kms_key.p.arn", "aws_kms_key.p")},
            "module": {"resources": [{"address": "aws_kms_replica_key.this", "mode": "managed", "type": "aws_kms_replica_key", "name": "this", "expressions": {"primary_key_arn": refs("var.primary")}}]},
        }
    }
    doc = plan(
        [
            change("aws_kms_key.p", "aws_kms_key", ["no-op"], key_values()),
            change("module.replica.aws_kms_replica_key.this", "aws_kms_replica_key", ["no-op"], replica_values()),
        ],
        config=configuration({"aws_kms_key.p": {}}, calls),
    )
    assert _primary(load(doc)) == PrimaryRef("resource", "aws_kms_key.p")


def test_an_unknown_primary_arn_with_no_reference_is_unknown() -> None:
    replica = {k: v for k, v in replica_values().items() if k != "primary_key_arn"}
    doc = plan(
        [change("aws_kms_replica_key.r", "aws_kms_replica_key", ["create"], None, replica, {"primary_key_arn": True})],
        config=configuration({"aws_kms_replica_key.r": {"primary_key_arn": refs("data.terraform_remote_state.p.outputs.arn")}}),
    )
    assert _primary(load(doc)) is UNKNOWN


def test_without_a_configuration_section_the_primary_is_found_by_arn() -> None:
    doc = plan([
        change("aws_kms_key.p", "aws_kms_key", ["no-op"], key_values()),
        change("aws_kms_replica_key.r", "aws_kms_replica_key", ["no-op"], replica_values()),
    ])
    assert _primary(load(doc)) == PrimaryRef("resource", "aws_kms_key.p")


def test_a_separate_key_policy_resource_is_the_keys_policy() -> None:
    policy = json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "kms:ScheduleKeyDeletion", "Resource": "*"}]})
    doc = plan(
        [
            change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values()),
            change("aws_kms_key_policy.k", "aws_kms_key_policy", ["create"], None, {"key_id": MRK_ID, "policy": policy, "bypass_policy_lockout_safety_check": True}),
        ],
        config=configuration({"aws_kms_key.k": {}, "aws_kms_key_policy.k": {"key_id": refs("aws_kms_key.k.id", "aws_kms_key.k")}}),
    )
    key = only_key(load(doc))
    assert key.policy is not None and key.policy.origin == "aws_kms_key_policy"
    assert [s.effect for s in key.policy.statements] == ["Deny"]
    assert key.get("bypass_lockout").value is True


MRK_ID = key_values()["key_id"]


def test_aliases_find_their_key_by_reference_or_arn_never_by_a_shared_multi_region_id() -> None:
    def alias(region: str) -> dict:
        return {"name": "alias/orders", "target_key_id": MRK_ID, "target_key_arn": arn(region)}

    doc = plan([
        change("aws_kms_key.us", "aws_kms_key", ["no-op"], key_values()),
        change("aws_kms_replica_key.eu", "aws_kms_replica_key", ["no-op"], replica_values()),
        change("aws_kms_alias.eu", "aws_kms_alias", ["no-op"], alias("eu-west-1")),
    ])
    inv = load(doc)
    assert {k.address: k.aliases for k in inv.keys} == {"aws_kms_key.us": (), "aws_kms_replica_key.eu": ("aws_kms_alias.eu",)}
    assert all(k.alias_unknown is False for k in inv.keys)


def test_an_alias_whose_target_is_unknown_makes_every_alias_fact_unknown() -> None:
    doc = plan(
        [
            change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values()),
            change("aws_kms_alias.a", "aws_kms_alias", ["create"], None, {"name": "alias/a"}, {"target_key_id": True}),
        ],
        config=configuration({"aws_kms_key.k": {}, "aws_kms_alias.a": {"target_key_id": refs("var.key")}}),
    )
    key = only_key(load(doc))
    assert key.aliases == () and key.has_alias is UNKNOWN


# --- monitoring -----------------------------------------------------------------------------------


def test_monitoring_resources_are_loaded_from_planned_values() -> None:
    doc = plan(
        [
            change("aws_cloudwatch_log_metric_filter.f", "aws_cloudwatch_log_metric_filter", ["no-op"], {"pattern": "{ $.eventName = DisableKey }", "metric_transformation": [{"name": "KmsDeletes", "namespace": "CIS"}]}),
            change("aws_cloudwatch_metric_alarm.a", "aws_cloudwatch_metric_alarm", ["no-op"], {"metric_name": "KmsDeletes", "namespace": "CIS", "alarm_actions": ["arn:aws:sns:us-east-1:1:t"], "actions_enabled": True}),
            change("aws_cloudwatch_event_rule.r", "aws_cloudwatch_event_rule", ["no-op"], {"name": "kms", "event_pattern": '{"source": ["aws.kms"]}', "is_enabled": True, "state": "DISABLED"}),
            change("aws_cloudwatch_event_target.t", "aws_cloudwatch_event_target", ["create"], None, {}, {"rule": True}),
        ],
        config=configuration({"aws_cloudwatch_event_target.t": {"rule": refs("aws_cloudwatch_event_rule.r.name", "aws_cloudwatch_event_rule.r")}}),
    )
    inv = load(doc)
    (mf,) = inv.metric_filters
    assert (mf.pattern.value, mf.metric_name.value, mf.namespace.value, mf.unit) == ("{ $.eventName = DisableKey }", "KmsDeletes", "CIS", "plan.json")
    (alarm,) = inv.alarms
    assert alarm.actions.value == ("arn:aws:sns:us-east-1:1:t",) and alarm.actions_enabled.value is True
    (rule,) = inv.event_rules
    assert rule.pattern.value == {"source": ["aws.kms"]} and rule.enabled.value is False
    (target,) = inv.event_targets
    assert target.rule.value == "aws_cloudwatch_event_rule.r"


def test_resources_kmslint_does_not_model_are_skipped() -> None:
    doc = plan([
        change("aws_s3_bucket.b", "aws_s3_bucket", ["delete"], {"bucket": "b"}),
        change("aws_kms_alias.a", "aws_kms_alias", ["delete"], {"name": "alias/a"}),
        change("aws_kms_key.k", "aws_kms_key", ["no-op"], key_values()),
    ])
    inv = load(doc)
    assert sorted(c.address for c in inv.planned_changes) == ["aws_kms_alias.a", "aws_kms_key.k"]
    assert [k.address for k in inv.keys] == ["aws_kms_key.k"] and inv.aliases == ()


def _paths(node: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for k, v in items:
        out += _paths(v, prefix + (k,))
    return out


def _replaced(doc: dict, path: tuple, junk: object) -> dict:
    doc = json.loads(json.dumps(doc))
    if not path:
        return junk  # type: ignore[return-value]
    node = doc
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = junk
    return doc


def test_any_value_of_the_wrong_type_anywhere_never_crashes_the_loader_or_the_predicates() -> None:
    from kmslint.predicates.plan import ordering_outcomes
    from kmslint.predicates.replica import replica_primary

    doc = plan(
        [
            change("aws_kms_key.p", "aws_kms_key", ["delete"], key_values()),
            change("aws_kms_replica_key.r", "aws_kms_replica_key", ["no-op"], replica_values()),
            change("aws_kms_key_policy.r", "aws_kms_key_policy", ["create"], None, {"policy": "{}"}, {"key_id": True}),
            change("aws_kms_alias.r", "aws_kms_alias", ["no-op"], {"name": "alias/r", "target_key_id": MRK_ID}),
            change("aws_cloudwatch_log_metric_filter.f", "aws_cloudwatch_log_metric_filter", ["no-op"], {"pattern": "{}", "metric_transformation": [{"name": "n", "namespace": "s"}]}),
            change("aws_cloudwatch_metric_alarm.a", "aws_cloudwatch_metric_alarm", ["no-op"], {"metric_name": "n", "namespace": "s", "alarm_actions": ["t"]}),
            change("aws_cloudwatch_event_rule.e", "aws_cloudwatch_event_rule", ["no-op"], {"name": "e", "event_pattern": "{}", "state": "ENABLED"}),
            change("aws_cloudwatch_event_target.t", "aws_cloudwatch_event_target", ["create"], None, {}, {"rule": True}),
        ],
        config=configuration({
            "aws_kms_replica_key.r": {"primary_key_arn": refs("aws_kms_key.p.arn")},
            "aws_kms_key_policy.r": {"key_id": refs("aws_kms_replica_key.r.key_id")},
            "aws_cloudwatch_event_target.t": {"rule": refs("aws_cloudwatch_event_rule.e.name")},
        }),
    )
    for path in _paths(doc):
        for junk in (None, 7, "x", [], {"a": 1}, True):
            inv = load_plan("p.json", json.dumps(_replaced(doc, path, junk)))
            assert bool(inv.parse_errors) != (inv.units == ("p.json",)), (path, junk)  # a KMS000, or a loaded plan
            for key in inv.keys:
                list(ordering_outcomes(key, inv, date(2025, 1, 1)))
                list(replica_primary(key, {}, inv))


REAL_PLAN = Path(__file__).parent / "data" / "terraform_1_11_plan.json"


def test_real_terraform_output_loads_with_exact_columns() -> None:
    """``terraform show -json`` from Terraform 1.11.4 (format 1.2, one line), made with the built-in
    ``terraform_data`` resource (no provider download), whose type was then renamed to
    ``aws_kms_key`` throughout: real plan structure, fake KMS values. The plan forgets one resource
    (a ``removed`` block), deletes one, replaces one, creates one and keeps two module instances."""
    source = REAL_PLAN.read_text("utf-8")
    inv = load_plan("plan.json", source)
    assert inv.parse_errors == ()
    start = source.index('"resource_changes"')
    where = {c.address: (c.actions, c.location.line, c.location.column) for c in inv.planned_changes}
    assert where == {
        a: (actions, 1, source.index(f'"address":"{a}"', start) + 1)
        for a, actions in [
            ("aws_kms_key.forget", ("forget",)),
            ("aws_kms_key.gone", ("delete",)),
            ("aws_kms_key.keep", ("no-op",)),
            ("aws_kms_key.new", ("create",)),
            ("aws_kms_key.replace", ("delete", "create")),
            ("module.m.aws_kms_key.this[0]", ("no-op",)),
            ("module.m.aws_kms_key.this[1]", ("no-op",)),
        ]
    }
    # planned_values lists the forgotten resource too (without values): it is still not a key
    assert [k.address for k in inv.keys] == [
        "aws_kms_key.keep",
        "aws_kms_key.new",
        "aws_kms_key.replace",
        "module.m.aws_kms_key.this[0]",
        "module.m.aws_kms_key.this[1]",
    ]
    assert {c.planned_on for c in inv.planned_changes if isinstance(c, PlanChange)} == {date(2026, 11, 23)}
