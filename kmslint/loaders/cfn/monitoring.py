"""``AWS::Logs::MetricFilter``, ``AWS::CloudWatch::Alarm`` and ``AWS::Events::Rule`` -> model.

Values that differ between ``Fn::If`` branches are UNKNOWN (monitoring predicates never fire on
UNKNOWN); EventBridge targets are counted inline, as CloudFormation declares them.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Mapping, Optional

from ...model.resources import ALARM_DEFAULTS, FILTER_DEFAULTS, Alarm, EventRule, Inventory, LogGroup, MetricFilter, Trail
from ...model.values import UNKNOWN, Location, Presence, Value
from ..coerce import as_bool as _as_bool
from .resolve import RNode, Resolver, Template, contains_unknown, plain

__all__ = ["MONITORING_TYPES", "monitoring_resource"]


def _value(node: Optional[RNode], header: Location, convert: Callable[[Any], Any], default: Any) -> Value[Any]:
    if node is None:
        return Value(default, header, Presence.DEFAULT)
    if not node.known:
        return Value.unknown(node.loc, node.note)
    data = plain(node)
    out = UNKNOWN if contains_unknown(data) else convert(data)
    return Value.unknown(node.loc, f"unexpected value {data!r}") if out is UNKNOWN else Value(out, node.loc)


def _text(v: Any) -> Any:
    return v if isinstance(v, str) else UNKNOWN


def _actions(v: Any) -> Any:
    return tuple(str(a) for a in v) if isinstance(v, list) else UNKNOWN


def _pattern(v: Any) -> Any:
    if isinstance(v, dict):
        return v
    if isinstance(v, str):
        try:
            parsed = json.loads(v)
        except (ValueError, RecursionError):  # RecursionError: a pattern nested ~1,000 deep
            return UNKNOWN
        return parsed if isinstance(parsed, dict) else UNKNOWN
    return UNKNOWN


def _props(res: Mapping[str, Any], resolver: Resolver, header: Location) -> Optional[RNode]:
    props = resolver.member(res, "Properties", header)
    return props if isinstance(props, RNode) and isinstance(props.value, dict) else None


def _first_item(node: Optional[RNode]) -> Optional[RNode]:
    if node is not None and isinstance(node.value, tuple) and node.value:
        first = node.value[0]
        return first if isinstance(first.value, dict) else None
    return None


def _scalar(v: Any) -> Any:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return v if isinstance(v, str) else UNKNOWN


def _dimension_names(v: Any) -> Any:
    """``[{Key|Name: k, Value: v}, ...]`` -> the sorted keys (filters say Key, alarms say Name)."""
    if not isinstance(v, list) or not all(isinstance(d, dict) for d in v):
        return UNKNOWN
    names = [d.get("Key", d.get("Name")) for d in v]
    return tuple(sorted(str(n) for n in names)) if all(isinstance(n, str) for n in names) else UNKNOWN


def _group_identity(tpl: Template, text: Any) -> Any:
    """A log group as one string: its name, or ``${LogicalId}`` when CloudFormation names it.

    ``!Ref Group`` gives ``${Group}`` and ``!GetAtt Group.Arn`` ``${Group.Arn}``; both become the
    group's ``LogGroupName`` when the template sets it; an ARN literal becomes the name in it."""
    if not isinstance(text, str):
        return UNKNOWN
    if text.startswith("${") and text.endswith("}"):
        lid = text[2:-1].split(".", 1)[0]
        res = tpl.resources.get(lid)
        if not isinstance(res, dict) or res.get("Type") != "AWS::Logs::LogGroup":
            return UNKNOWN
        props = res.get("Properties")
        name = props.get("LogGroupName") if isinstance(props, dict) else None
        return name if isinstance(name, str) else "${" + lid + "}"
    if "${" in text:
        return UNKNOWN
    if text.startswith("arn:") and ":log-group:" in text:
        return text.split(":log-group:", 1)[1].split(":", 1)[0]
    return text


def _trail(tpl: Template, lid: str, props: RNode, header: Location) -> Inventory:
    arn = props.get("CloudWatchLogsLogGroupArn")
    group = _value(arn, header, lambda v: _group_identity(tpl, v), None)
    multi = _value(props.get("IsMultiRegionTrail"), header, _as_bool, False)
    return Inventory(trails=(Trail(lid, tpl.rel, header, group, multi),))


def _log_group(tpl: Template, lid: str, props: RNode, header: Location) -> Inventory:
    name = _value(props.get("LogGroupName"), header, _text, "${" + lid + "}")
    return Inventory(log_groups=(LogGroup(lid, tpl.rel, header, name),))


def _metric_filter(tpl: Template, lid: str, props: RNode, header: Location) -> Inventory:
    transformations = props.get("MetricTransformations")
    first = _first_item(transformations)
    value = dims = Value.unknown(header, "")
    if transformations is not None and not transformations.known:
        name = namespace = Value.unknown(transformations.loc, transformations.note)
    else:
        name = _value(first.get("MetricName") if first else None, header, _text, None)
        namespace = _value(first.get("MetricNamespace") if first else None, header, _text, None)
        value = _value(first.get("MetricValue") if first else None, header, _scalar, FILTER_DEFAULTS["metric_value"])
        dims = _value(first.get("Dimensions") if first else None, header, _dimension_names, FILTER_DEFAULTS["dimensions"])
    pattern = _value(props.get("FilterPattern"), header, _text, "")
    own = _value(props.get("FilterName"), header, _text, UNKNOWN)  # absent: CloudFormation generates one
    group = _value(props.get("LogGroupName"), header, lambda v: _group_identity(tpl, v), UNKNOWN)
    mf = MetricFilter(lid, tpl.rel, header, pattern, name, namespace, name=own, metric_value=value, dimensions=dims, log_group=group)
    return Inventory(metric_filters=(mf,))


def _alarm_metric(props: RNode, header: Location) -> tuple[Value[Any], Value[Any]]:
    """MetricName/Namespace, or those of the single MetricStat of a ``Metrics`` alarm."""
    if props.get("MetricName") is not None or props.get("Metrics") is None:
        return _value(props.get("MetricName"), header, _text, None), _value(props.get("Namespace"), header, _text, None)
    metrics = props.get("Metrics")
    stats = [m.get("MetricStat") for m in (metrics.value if metrics and isinstance(metrics.value, tuple) else ())]
    metric = [s.get("Metric") for s in stats if s is not None and s.get("Metric") is not None]
    if len(metric) != 1 or metric[0] is None:
        loc = metrics.loc if metrics else header
        return Value.unknown(loc, "alarm on a metric math expression"), Value.unknown(loc, "alarm on a metric math expression")
    return _value(metric[0].get("MetricName"), header, _text, None), _value(metric[0].get("Namespace"), header, _text, None)


# Alarm fields (model.resources.ALARM_DEFAULTS when absent), the property, its conversion.
_ALARM_PROPS: tuple[tuple[str, str, Callable[[Any], Any]], ...] = (
    ("dimensions", "Dimensions", _dimension_names),
    ("statistic", "Statistic", _text),
    ("comparison", "ComparisonOperator", _text),
    ("threshold", "Threshold", _scalar),
    ("evaluation_periods", "EvaluationPeriods", _scalar),
    ("datapoints_to_alarm", "DatapointsToAlarm", _scalar),
    ("treat_missing_data", "TreatMissingData", _text),
)


def _filter_ref(tpl: Template, name: Value[Any]) -> Value[Any]:
    """``MetricName: !Ref SomeMetricFilter`` gives the filter's name: link through its logical id."""
    text = name.value
    if isinstance(text, str) and text.startswith("${") and text.endswith("}"):
        lid = text[2:-1]
        res = tpl.resources.get(lid)
        if isinstance(res, dict) and res.get("Type") == "AWS::Logs::MetricFilter":
            return Value(lid, name.location)
    return Value("", name.location, Presence.DEFAULT)


def _alarm(tpl: Template, lid: str, props: RNode, header: Location) -> Inventory:
    name, namespace = _alarm_metric(props, header)
    actions = _value(props.get("AlarmActions"), header, _actions, ())
    enabled = _value(props.get("ActionsEnabled"), header, _as_bool, True)
    extra = {field: _value(props.get(prop), header, convert, ALARM_DEFAULTS[field]) for field, prop, convert in _ALARM_PROPS}
    alarm = Alarm(lid, tpl.rel, header, name, namespace, actions, enabled, metric_filter=_filter_ref(tpl, name), **extra)
    return Inventory(alarms=(alarm,))


def _targets(raw_props: Any) -> int:
    """Declared targets; an unresolvable list counts as one (never invent a missing target)."""
    targets = raw_props.get("Targets") if isinstance(raw_props, dict) else None
    if targets is None:
        return 0
    return len(targets) if isinstance(targets, list) else 1


def _event_rule(tpl: Template, lid: str, props: RNode, header: Location, raw_props: Any) -> Inventory:
    if props.get("EventPattern") is None:
        return Inventory()  # a scheduled rule matches no event
    name = _value(props.get("Name"), header, _text, lid)
    pattern = _value(props.get("EventPattern"), header, _pattern, UNKNOWN)
    state = props.get("State")
    enabled = _value(state, header, lambda s: s != "DISABLED" if isinstance(s, str) else UNKNOWN, True)
    bus = _value(props.get("EventBusName"), header, _text, "default")
    state_value = _value(state, header, _text, "ENABLED")
    rule = EventRule(lid, tpl.rel, header, name, pattern, enabled, _targets(raw_props), bus, state=state_value)
    return Inventory(event_rules=(rule,))


MONITORING_TYPES = (
    "AWS::Logs::MetricFilter", "AWS::CloudWatch::Alarm", "AWS::Events::Rule", "AWS::CloudTrail::Trail", "AWS::Logs::LogGroup",
)


def monitoring_resource(tpl: Template, lid: str, res: Mapping[str, Any], header: Location, resolver: Resolver) -> Inventory:
    props = _props(res, resolver, header)
    if props is None:
        props = RNode({}, header, header)
    rtype = res.get("Type")
    if rtype == "AWS::Logs::MetricFilter":
        return _metric_filter(tpl, lid, props, header)
    if rtype == "AWS::CloudWatch::Alarm":
        return _alarm(tpl, lid, props, header)
    if rtype == "AWS::CloudTrail::Trail":
        return _trail(tpl, lid, props, header)
    if rtype == "AWS::Logs::LogGroup":
        return _log_group(tpl, lid, props, header)
    return _event_rule(tpl, lid, props, header, res.get("Properties"))
