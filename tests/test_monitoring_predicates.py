"""KMS006/KMS007 predicates over model objects built directly (no loader involved)."""

from __future__ import annotations

from typing import Any, Callable, Iterator, Mapping, Optional

import pytest

from kmslint.engine.api import Hit, Outcome, Undecided, Unit
from kmslint.model.resources import Alarm, EventRule, EventTarget, Inventory, Key, MetricFilter
from kmslint.model.values import Location, Value
from kmslint.predicates.monitoring import deletion_alarm, pending_deletion_alarm

CIS = "{($.eventSource = kms.amazonaws.com) && (($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
AWS_PENDING = '{ $.eventSource = kms* && $.errorMessage = "* is pending deletion."}'
TOPIC = "arn:aws:sns:us-east-1:111122223333:security-alerts"
KMS_RULE: dict[str, Any] = {
    "source": ["aws.kms"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {"eventSource": ["kms.amazonaws.com"], "eventName": ["DisableKey", "ScheduleKeyDeletion"]},
}
PENDING_RULE: dict[str, Any] = {
    "source": ["aws.kms"],
    "detail": {"errorCode": ["KMSInvalidStateException"], "errorMessage": [{"suffix": "is pending deletion."}]},
}

Predicate = Callable[[Unit, Mapping[str, Any], Inventory], Iterator[Outcome]]


def loc(line: int, unit: str = "infra") -> Location:
    return Location(f"{unit}/main.tf", line)


def known(value: Any, line: int = 1, unit: str = "infra") -> Value[Any]:
    return Value(value, loc(line, unit))


def unknown(line: int = 1, unit: str = "infra") -> Value[Any]:
    return Value.unknown(loc(line, unit), "var.x has no value")


def key(address: str = "aws_kms_key.a", line: int = 1, unit: str = "infra") -> Key:
    return Key(address, "aws_kms_key", "key", unit, loc(line, unit))


def metric_filter(
    pattern: Any = CIS,
    metric: Any = "KMSKeyDeletion",
    namespace: Any = "CISBenchmark",
    address: str = "aws_cloudwatch_log_metric_filter.kms",
    unit: str = "infra",
) -> MetricFilter:
    return MetricFilter(
        address,
        unit,
        loc(20, unit),
        pattern if isinstance(pattern, Value) else known(pattern, 21, unit),
        metric if isinstance(metric, Value) else known(metric, 22, unit),
        namespace if isinstance(namespace, Value) else known(namespace, 23, unit),
    )


def alarm(
    metric: Any = "KMSKeyDeletion",
    namespace: Any = "CISBenchmark",
    actions: Any = (TOPIC,),
    enabled: Any = None,
    address: str = "aws_cloudwatch_metric_alarm.kms",
    unit: str = "infra",
) -> Alarm:
    extra = {} if enabled is None else {"actions_enabled": enabled if isinstance(enabled, Value) else known(enabled, 34, unit)}
    return Alarm(
        address,
        unit,
        loc(30, unit),
        metric if isinstance(metric, Value) else known(metric, 31, unit),
        namespace if isinstance(namespace, Value) else known(namespace, 32, unit),
        actions if isinstance(actions, Value) else known(actions, 33, unit),
        **extra,
    )


def event_rule(
    pattern: Any = None,
    name: Any = "kms-deletion",
    enabled: Any = None,
    inline_targets: int = 0,
    address: str = "aws_cloudwatch_event_rule.kms",
    unit: str = "infra",
    state: str = "",
) -> EventRule:
    extra = {} if enabled is None else {"enabled": enabled if isinstance(enabled, Value) else known(enabled, 43, unit)}
    if state:
        extra["state"] = known(state, 44, unit)
    return EventRule(
        address,
        unit,
        loc(40, unit),
        name if isinstance(name, Value) else known(name, 41, unit),
        pattern if isinstance(pattern, Value) else known(KMS_RULE if pattern is None else pattern, 42, unit),
        inline_targets=inline_targets,
        **extra,
    )


def target(rule: Any = "aws_cloudwatch_event_rule.kms", unit: str = "infra", address: str = "aws_cloudwatch_event_target.kms") -> EventTarget:
    return EventTarget(address, unit, loc(50, unit), rule if isinstance(rule, Value) else known(rule, 51, unit))


def inventory(*items: Any, keys: Optional[tuple[Key, ...]] = None) -> Inventory:
    return Inventory(
        keys=(key(),) if keys is None else keys,
        metric_filters=tuple(i for i in items if isinstance(i, MetricFilter)),
        alarms=tuple(i for i in items if isinstance(i, Alarm)),
        event_rules=tuple(i for i in items if isinstance(i, EventRule)),
        event_targets=tuple(i for i in items if isinstance(i, EventTarget)),
    )


def run(predicate: Predicate, inv: Inventory, unit: str = "infra", **params: Any) -> list[Outcome]:
    return list(predicate(Unit(unit, inv.keys_in(unit)), params, inv))


def only_hit(outcomes: list[Outcome]) -> Hit:
    assert len(outcomes) == 1, outcomes
    assert isinstance(outcomes[0], Hit), outcomes
    return outcomes[0]


def all_undecided(outcomes: list[Outcome]) -> list[Undecided]:
    assert outcomes, "expected Undecided outcomes"
    assert all(isinstance(o, Undecided) for o in outcomes), outcomes
    return [o for o in outcomes if isinstance(o, Undecided)]


# --- KMS006: passing configurations ------------------------------------------------------------


@pytest.mark.parametrize(
    "items",
    [
        (metric_filter(), alarm()),
        (metric_filter(CIS.replace("kms.amazonaws.com", '"kms.amazonaws.com"')), alarm(enabled=True)),
        (
            metric_filter("{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }", "Disable", address="f.d"),
            metric_filter("{ $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }", "Schedule", address="f.s"),
            alarm("Disable", address="a.d"),
            alarm("Schedule", address="a.s"),
        ),
        (event_rule(), target()),
        (event_rule(), target("kms-deletion")),  # by rule name
        (event_rule(inline_targets=1),),  # CloudFormation Targets
        (event_rule('{"source": ["aws.kms"], "detail": {"eventName": ["DisableKey", "ScheduleKeyDeletion"]}}'), target()),
        # a filter for one event and a rule for the other
        (
            metric_filter("{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }"),
            alarm(),
            event_rule({"source": ["aws.kms"], "detail": {"eventName": [{"prefix": "Schedule"}]}}),
            target(),
        ),
        # a broken neighbour does not matter once the events are covered
        (metric_filter(), alarm(), metric_filter(unknown(), address="f.other"), alarm(unknown(), address="a.other")),
        # one alarm without action, another with: the working one counts
        (metric_filter(), alarm(actions=(), address="a.silent"), alarm(address="a.loud")),
    ],
)
def test_covered_units_pass(items: tuple[Any, ...]) -> None:
    assert run(deletion_alarm, inventory(*items)) == []


def test_unit_without_keys_is_not_checked() -> None:
    inv = inventory(keys=())
    assert list(deletion_alarm(Unit("infra", ()), {}, inv)) == []


# --- KMS006: findings and their messages -------------------------------------------------------


def test_no_monitoring_at_all() -> None:
    hit = only_hit(run(deletion_alarm, inventory(keys=(key("aws_kms_key.a", 5), key("aws_kms_key.b", 9)))))
    assert hit.location == loc(5)
    assert hit.resource == "aws_kms_key.a"
    assert "no metric filter or EventBridge rule watches DisableKey and ScheduleKeyDeletion from kms.amazonaws.com" in hit.message
    assert CIS in hit.message  # says how to fix, quoting the CIS filter
    assert hit.level is None


def test_unrelated_monitoring_counts_as_none() -> None:
    root_login = metric_filter('{ $.userIdentity.type = "Root" && $.eventType != "AwsServiceEvent" }')
    rule = event_rule({"source": ["aws.ec2"]})
    hit = only_hit(run(deletion_alarm, inventory(root_login, alarm(), rule, target())))
    assert "no metric filter or EventBridge rule watches" in hit.message
    assert root_login.address not in hit.message


def test_filter_without_alarm() -> None:
    hit = only_hit(run(deletion_alarm, inventory(metric_filter())))
    assert "metric filter aws_cloudwatch_log_metric_filter.kms has no alarm" in hit.message
    assert "CISBenchmark/KMSKeyDeletion" in hit.message


@pytest.mark.parametrize("mismatch", [alarm(metric="Other"), alarm(namespace="Other")])
def test_alarm_on_another_metric_or_namespace_is_not_linked(mismatch: Alarm) -> None:
    hit = only_hit(run(deletion_alarm, inventory(metric_filter(), mismatch)))
    assert "has no alarm" in hit.message


def test_alarm_without_action() -> None:
    hit = only_hit(run(deletion_alarm, inventory(metric_filter(), alarm(actions=()))))
    assert "alarm aws_cloudwatch_metric_alarm.kms has no action" in hit.message


def test_alarm_with_actions_disabled() -> None:
    hit = only_hit(run(deletion_alarm, inventory(metric_filter(), alarm(enabled=False))))
    assert "alarm aws_cloudwatch_metric_alarm.kms has its actions disabled" in hit.message


def test_filter_missing_an_event_is_named() -> None:
    partial = metric_filter("{ $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }")
    hit = only_hit(run(deletion_alarm, inventory(partial, alarm())))
    assert "metric filter aws_cloudwatch_log_metric_filter.kms matches ScheduleKeyDeletion but not DisableKey" in hit.message


def test_second_filter_without_alarm_is_named() -> None:
    schedule = metric_filter("{ $.eventSource = kms.amazonaws.com && $.eventName = ScheduleKeyDeletion }", "S", address="f.s")
    disable = metric_filter("{ $.eventSource = kms.amazonaws.com && $.eventName = DisableKey }", "D", address="f.d")
    hit = only_hit(run(deletion_alarm, inventory(schedule, disable, alarm("S"))))
    assert "metric filter f.d has no alarm" in hit.message
    assert "metric filter f.s matches ScheduleKeyDeletion but not DisableKey" in hit.message


def test_or_where_and_belongs_is_too_broad() -> None:
    hit = only_hit(run(deletion_alarm, inventory(metric_filter(CIS.replace("&&", "||")), alarm())))
    assert "metric filter aws_cloudwatch_log_metric_filter.kms is too broad" in hit.message
    assert "a successful Decrypt from kms.amazonaws.com" in hit.message


def test_event_rule_without_target() -> None:
    other_rule_target = target("aws_cloudwatch_event_rule.other")
    hit = only_hit(run(deletion_alarm, inventory(event_rule(), other_rule_target)))
    assert "EventBridge rule aws_cloudwatch_event_rule.kms has no target" in hit.message


def test_disabled_event_rule() -> None:
    hit = only_hit(run(deletion_alarm, inventory(event_rule(enabled=False), target())))
    assert "EventBridge rule aws_cloudwatch_event_rule.kms is disabled" in hit.message


def test_event_rule_missing_an_event() -> None:
    rule = event_rule({"source": ["aws.kms"], "detail": {"eventName": ["DisableKey"]}})
    hit = only_hit(run(deletion_alarm, inventory(rule, target())))
    assert "EventBridge rule aws_cloudwatch_event_rule.kms matches DisableKey but not ScheduleKeyDeletion" in hit.message


def test_too_broad_event_rule() -> None:
    rule = event_rule({"source": ["aws.kms"]})
    hit = only_hit(run(deletion_alarm, inventory(rule, target())))
    assert "EventBridge rule aws_cloudwatch_event_rule.kms is too broad" in hit.message


# --- KMS006: UNKNOWN never becomes a Hit ---------------------------------------------------------


@pytest.mark.parametrize(
    ("items", "detail"),
    [
        ((metric_filter(unknown(21)), alarm()), "filter pattern could not be resolved"),
        ((metric_filter(metric=unknown(22)), alarm()), "metric name or namespace could not be resolved"),
        ((metric_filter(), alarm(metric=unknown(31))), "its metric could not be resolved"),
        ((metric_filter(), alarm(actions=unknown(33))), "alarm actions could not be resolved"),
        ((metric_filter(), alarm(enabled=unknown(34))), "actions_enabled could not be resolved"),
        ((event_rule(unknown(42)), target()), "event pattern could not be resolved"),
        ((event_rule(enabled=unknown(43)), target()), "enabled could not be resolved"),
        ((event_rule(), target(unknown(51))), "rule reference could not be resolved"),
        ((event_rule(name=unknown(41)), target("some-name")), "rule reference could not be resolved"),
        ((metric_filter("[ip, user, ...]"), alarm()), "cannot be evaluated"),
        ((event_rule({"source": "aws.kms"}), target()), "cannot be evaluated"),
        ((event_rule('{"source": '), target()), "cannot be evaluated"),
    ],
)
def test_unknown_values_yield_undecided_not_hit(items: tuple[Any, ...], detail: str) -> None:
    undecided = all_undecided(run(deletion_alarm, inventory(*items)))
    assert any(detail in u.detail for u in undecided), undecided


def test_undecided_points_at_the_unknown_value() -> None:
    (undecided,) = all_undecided(run(deletion_alarm, inventory(metric_filter(unknown(21)), alarm())))
    assert undecided.location == loc(21)


def test_unknown_elsewhere_still_undecided_when_known_parts_fail() -> None:
    # The known filter has no alarm, but the unknown pattern might be a complete monitor.
    outcomes = run(deletion_alarm, inventory(metric_filter(address="f.a"), metric_filter(unknown(), address="f.b")))
    all_undecided(outcomes)


# --- scope --------------------------------------------------------------------------------------


def _central_monitoring() -> Inventory:
    return inventory(
        metric_filter(unit="monitoring"),
        alarm(unit="monitoring"),
        keys=(key(unit="infra"),),
    )


def test_monitoring_in_another_unit_does_not_count_by_default() -> None:
    hit = only_hit(run(deletion_alarm, _central_monitoring()))
    assert "in infra" in hit.message
    assert only_hit(run(deletion_alarm, _central_monitoring(), scope="unit"))


def test_repository_scope_lets_central_monitoring_cover_every_unit() -> None:
    assert run(deletion_alarm, _central_monitoring(), scope="repository") == []


def test_repository_scope_does_not_link_a_target_to_a_same_named_address_in_another_unit() -> None:
    inv = inventory(event_rule(unit="monitoring"), target(unit="infra"), keys=(key(),))
    hit = only_hit(run(deletion_alarm, inv, scope="repository"))
    assert "has no target" in hit.message
    by_name = inventory(event_rule(unit="monitoring"), target("kms-deletion", unit="infra"), keys=(key(),))
    assert run(deletion_alarm, by_name, scope="repository") == []


def test_invalid_scope_parameter_raises() -> None:
    with pytest.raises(ValueError, match="scope"):
        run(deletion_alarm, inventory(), scope="account")


# --- KMS007 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "items",
    [
        (metric_filter(AWS_PENDING), alarm()),
        (metric_filter('{ $.eventSource = kms.amazonaws.com && $.errorCode = "KMSInvalidStateException" }'), alarm()),
        (event_rule(PENDING_RULE, state="ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"), target()),
    ],
)
def test_pending_deletion_covered(items: tuple[Any, ...]) -> None:
    assert run(pending_deletion_alarm, inventory(*items)) == []


def test_deletion_monitoring_does_not_satisfy_pending_deletion_rule() -> None:
    hit = only_hit(run(pending_deletion_alarm, inventory(metric_filter(), alarm())))
    assert "no metric filter or EventBridge rule watches requests that use a key pending deletion" in hit.message
    assert AWS_PENDING in hit.message
    assert "pending deletion" in hit.message.split(":")[0]


def test_pending_deletion_monitoring_does_not_satisfy_deletion_rule() -> None:
    hit = only_hit(run(deletion_alarm, inventory(metric_filter(AWS_PENDING), alarm())))
    assert "no metric filter or EventBridge rule watches DisableKey" in hit.message


def test_pending_deletion_filter_for_one_operation() -> None:
    pattern = '{ $.eventSource = kms* && $.eventName = Decrypt && $.errorMessage = "* is pending deletion." }'
    hit = only_hit(run(pending_deletion_alarm, inventory(metric_filter(pattern), alarm())))
    assert "matches Decrypt but not Encrypt and GenerateDataKey" in hit.message


def test_pending_deletion_filter_without_alarm_action() -> None:
    hit = only_hit(run(pending_deletion_alarm, inventory(metric_filter(AWS_PENDING), alarm(actions=()))))
    assert "has no action" in hit.message


def test_pending_deletion_unknown_is_undecided() -> None:
    all_undecided(run(pending_deletion_alarm, inventory(metric_filter(unknown()), alarm())))
