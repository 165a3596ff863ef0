"""CloudWatch metric filters, alarms and EventBridge rules/targets from planned values.

The same facts the Terraform loader reads from HCL (:mod:`kmslint.loaders.terraform.monitoring`),
so KMS006/KMS007 judge a plan-only scan by the monitoring the plan would leave in place.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Optional

from ...model.resources import ALARM_DEFAULTS, FILTER_DEFAULTS, Alarm, EventRule, EventTarget, Inventory, MetricFilter
from ...model.values import UNKNOWN, Presence, Value
from ..coerce import as_bool
from ..terraform.convert import as_str
from ..terraform.monitoring import ALARM_ARGS, dimension_names, scalar_text  # a plan's values carry the resource's argument names
from .resources import PlanResource, Resolver

__all__ = ["MONITORING_TYPES", "monitoring_of"]

EVENT_RULE = "aws_cloudwatch_event_rule"
MONITORING_TYPES = frozenset({"aws_cloudwatch_log_metric_filter", "aws_cloudwatch_metric_alarm", EVENT_RULE, "aws_cloudwatch_event_target"})


def _value(res: PlanResource, raw: Any, convert: Callable[[Any], Any] = as_str, default: Any = None) -> Value[Any]:
    if raw is None:
        return Value(default, res.location, Presence.DEFAULT)
    v = UNKNOWN if raw is UNKNOWN else convert(raw)
    return Value(v, res.location, Presence.UNKNOWN if v is UNKNOWN else Presence.SET)


def _actions(raw: Any) -> Any:
    if not isinstance(raw, list):
        return UNKNOWN
    return tuple(str(x) for x in raw if x is not None)


def _pattern(raw: Any) -> Any:
    if not isinstance(raw, str):
        return UNKNOWN
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # not JSON, or nested beyond what Python can read
        return UNKNOWN


def _transformation(res: PlanResource) -> tuple[Any, Any]:
    """(name, namespace) of the first ``metric_transformation`` block."""
    if res.is_unknown("metric_transformation"):
        return UNKNOWN, UNKNOWN
    blocks = res.values.get("metric_transformation")
    first = blocks[0] if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict) else {}
    return first.get("name"), first.get("namespace")


def _metric_filter(res: PlanResource, unit: str) -> MetricFilter:
    name, namespace = _transformation(res)
    blocks = res.values.get("metric_transformation")
    first = blocks[0] if isinstance(blocks, list) and blocks and isinstance(blocks[0], dict) else {}
    return MetricFilter(
        res.address, unit, res.location, _value(res, res.raw("pattern"), default=""), _value(res, name), _value(res, namespace),
        name=_value(res, res.raw("name")), metric_value=_value(res, first.get("value"), scalar_text, FILTER_DEFAULTS["metric_value"]),
        dimensions=_value(res, first.get("dimensions") or None, dimension_names, FILTER_DEFAULTS["dimensions"]),
    )


def _alarm(res: PlanResource, unit: str, rs: Resolver) -> Alarm:
    name, namespace = res.raw("metric_name"), res.raw("namespace")
    if name is None and res.values.get("metric_query"):
        name = namespace = UNKNOWN  # metric math: kmslint does not evaluate the queries
    ref = rs.reference(res, "metric_name", ("aws_cloudwatch_log_metric_filter",), ("id", "name")) if name is UNKNOWN else None
    extra = {field: _value(res, res.raw(arg) if res.raw(arg) != "" else None, convert, ALARM_DEFAULTS[field]) for field, arg, convert in ALARM_ARGS}
    return Alarm(
        res.address,
        unit,
        res.location,
        _value(res, name),
        _value(res, namespace),
        _value(res, res.raw("alarm_actions"), _actions, ()),
        _value(res, res.raw("actions_enabled"), as_bool, True),
        metric_filter=Value(ref, res.location) if ref else Value("", res.location, Presence.DEFAULT),
        **extra,
    )


def _event_rule(res: PlanResource, unit: str) -> EventRule:
    enabled = _value(res, res.raw("is_enabled"), as_bool, True)
    state = res.raw("state")
    if state is not None and state != "":
        s = UNKNOWN if state is UNKNOWN else as_str(state)
        enabled = Value(UNKNOWN if s is UNKNOWN else s != "DISABLED", res.location)
    raw = res.raw("event_pattern")
    pattern = UNKNOWN if raw is UNKNOWN else _pattern(raw)
    pattern_value = Value(pattern, res.location, Presence.UNKNOWN if pattern is UNKNOWN else Presence.SET)
    state_value = _value(res, state if state != "" else None, as_str, "ENABLED" if enabled.value is not False else "DISABLED")
    return EventRule(res.address, unit, res.location, _value(res, res.raw("name"), default=res.address), pattern_value, enabled, state=state_value)


def _event_target(res: PlanResource, unit: str, rs: Resolver) -> EventTarget:
    raw = res.raw("rule")
    if raw is UNKNOWN:
        rule = rs.reference(res, "rule", (EVENT_RULE,))
        if rule is not None:
            return EventTarget(res.address, unit, res.location, Value(rule, res.location))
    return EventTarget(res.address, unit, res.location, _value(res, raw))


def monitoring_of(res: PlanResource, unit: str, rs: Resolver) -> Optional[Inventory]:
    if res.type == "aws_cloudwatch_log_metric_filter":
        return Inventory(metric_filters=(_metric_filter(res, unit),))
    if res.type == "aws_cloudwatch_metric_alarm":
        return Inventory(alarms=(_alarm(res, unit, rs),))
    if res.type == EVENT_RULE:
        return Inventory(event_rules=(_event_rule(res, unit),))
    if res.type == "aws_cloudwatch_event_target":
        return Inventory(event_targets=(_event_target(res, unit, rs),))
    return None
