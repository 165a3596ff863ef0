"""CloudWatch metric filters, alarms and EventBridge rules/targets from Terraform."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Optional

from ...model.resources import Alarm, EventRule, EventTarget, Inventory, MetricFilter
from ...model.values import UNKNOWN, Location, Presence, Value
from ..coerce import as_bool
from .convert import as_str
from .hcl import Block
from .module import Instance
from .tfvalues import Encoded, Text, contains_unknown, is_partial, plainify

if TYPE_CHECKING:
    from .loader import TerraformLoader


def _value(raw: Any, loc: Location, convert: Any = as_str, default: Any = None) -> Value[Any]:
    if raw is None:
        return Value(default, loc, Presence.DEFAULT)
    v = convert(raw)
    return Value(v, loc, Presence.UNKNOWN if v is UNKNOWN else Presence.SET)


def _arg(loader: "TerraformLoader", inst: Instance, block: Block, name: str) -> tuple[Any, Location]:
    if name not in block.body.attributes:
        return None, block.loc
    return loader.arg(inst, block, name)


def _pattern_json(raw: Any) -> Any:
    if raw is None or raw is UNKNOWN:
        return UNKNOWN
    if isinstance(raw, Encoded):
        return UNKNOWN if contains_unknown(raw.value) else plainify(raw.value)
    if isinstance(raw, str):
        try:
            pattern = json.loads(raw)
        except (ValueError, RecursionError):  # RecursionError: a pattern nested ~1,000 deep
            return UNKNOWN
        return _settled(pattern) if is_partial(raw) else pattern
    return UNKNOWN


def _settled(pattern: Any) -> Any:
    """A pattern with computed parts (``"${aws_x.y.arn}"``) is still decidable when its ``source``
    is known and names no KMS source: then it cannot match a KMS event, whatever the rest holds."""
    source = pattern.get("source") if isinstance(pattern, dict) else None
    if isinstance(source, list) and source and all(isinstance(s, str) and "${" not in s for s in source):
        if not any(s.startswith("aws.kms") for s in source):
            return pattern
    return UNKNOWN


def _actions(raw: Any) -> Any:
    if raw is None:
        return ()
    if raw is UNKNOWN or not isinstance(raw, list) or contains_unknown(raw):
        return UNKNOWN
    return tuple(str(x) for x in raw if x is not None)


def _names(raw: Any) -> Any:
    """The keys of a ``dimensions`` map: what an alarm must ask for to see the metric."""
    if raw is None:
        return ()
    if raw is UNKNOWN or not isinstance(raw, dict):
        return UNKNOWN
    return tuple(sorted(str(k) for k in raw))


def _scalar(raw: Any) -> Any:
    """A number or string attribute as its text (``threshold = 1``, ``evaluation_periods = "1"``)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    return as_str(raw)


def _metric_filter(loader: "TerraformLoader", inst: Instance, block: Block, addr: str, unit: str) -> MetricFilter:
    pattern, ploc = _arg(loader, inst, block, "pattern")
    own, oloc = _arg(loader, inst, block, "name")
    mts = block.body.blocks_of("metric_transformation")
    name = ns = value = dims = None
    nloc = nsloc = vloc = dloc = block.loc
    if mts:
        name, nloc = _arg(loader, inst, mts[0], "name")
        ns, nsloc = _arg(loader, inst, mts[0], "namespace")
        value, vloc = _arg(loader, inst, mts[0], "value")
        dims, dloc = _arg(loader, inst, mts[0], "dimensions")
    return MetricFilter(
        addr, unit, block.loc, _value(pattern, ploc, default=""), _value(name, nloc), _value(ns, nsloc),
        name=_value(own, oloc), metric_value=_value(value, vloc, _scalar, "1"), dimensions=_value(dims, dloc, _names, ()),
    )


def _filter_ref(raw: Any) -> str:
    """``aws_cloudwatch_log_metric_filter.x.id`` names the filter (its id is its name): its address."""
    if isinstance(raw, Text) and raw.ref and raw.attr == "id" and "aws_cloudwatch_log_metric_filter." in raw.ref:
        return raw.ref
    return ""


def _alarm(loader: "TerraformLoader", inst: Instance, block: Block, addr: str, unit: str) -> Alarm:
    name, nloc = _arg(loader, inst, block, "metric_name")
    ns, nsloc = _arg(loader, inst, block, "namespace")
    if name is None and block.body.blocks_of("metric_query"):
        name = ns = UNKNOWN  # metric math: the metrics are inside queries kmslint does not evaluate
    actions, aloc = _arg(loader, inst, block, "alarm_actions")
    enabled, eloc = _arg(loader, inst, block, "actions_enabled")
    ref = _filter_ref(name)
    extra = {field: _value(*_arg(loader, inst, block, arg), convert, default) for field, arg, convert, default in _ALARM_ARGS}
    return Alarm(
        addr, unit, block.loc, _value(name, nloc), _value(ns, nsloc), _value(actions, aloc, _actions, ()), _value(enabled, eloc, as_bool, True),
        metric_filter=Value(ref, nloc) if ref else Value("", nloc, Presence.DEFAULT), **extra,
    )


_ALARM_ARGS: tuple[tuple[str, str, Any, Any], ...] = (
    ("dimensions", "dimensions", _names, ()),
    ("statistic", "statistic", as_str, None),
    ("comparison", "comparison_operator", as_str, None),
    ("threshold", "threshold", _scalar, None),
    ("evaluation_periods", "evaluation_periods", _scalar, 1),
    ("datapoints_to_alarm", "datapoints_to_alarm", _scalar, None),
    ("treat_missing_data", "treat_missing_data", as_str, "missing"),
)


def _event_rule(loader: "TerraformLoader", inst: Instance, block: Block, addr: str, unit: str) -> EventRule:
    name, nloc = _arg(loader, inst, block, "name")
    pattern, ploc = _arg(loader, inst, block, "event_pattern")
    enabled, eloc = _arg(loader, inst, block, "is_enabled")
    state, sloc = _arg(loader, inst, block, "state")
    enabled_value = _value(enabled, eloc, as_bool, True)
    state_value = Value("ENABLED" if enabled_value.value is True else "DISABLED" if enabled_value.value is False else UNKNOWN, eloc, enabled_value.presence)
    if state is not None:
        s = as_str(state)
        enabled_value = Value(UNKNOWN if s is UNKNOWN else s != "DISABLED", sloc)
        state_value = _value(state, sloc)
    bus, bloc = _arg(loader, inst, block, "event_bus_name")
    pat = _pattern_json(pattern)
    pattern_value = Value(pat, ploc, Presence.UNKNOWN if pat is UNKNOWN else Presence.SET)
    return EventRule(
        addr, unit, block.loc, _value(name, nloc, default=addr), pattern_value, enabled_value, bus=_value(bus, bloc, default="default"), state=state_value
    )


def _event_target(loader: "TerraformLoader", inst: Instance, block: Block, addr: str, unit: str) -> EventTarget:
    rule, rloc = _arg(loader, inst, block, "rule")
    if isinstance(rule, Text) and rule.ref:
        return EventTarget(addr, unit, block.loc, Value(rule.ref, rloc))
    return EventTarget(addr, unit, block.loc, _value(rule, rloc))


def monitoring_resource(loader: "TerraformLoader", inst: Instance, block: Block, rtype: str, addr: str, unit: str) -> Optional[Inventory]:
    if rtype == "aws_cloudwatch_log_metric_filter":
        return Inventory(metric_filters=(_metric_filter(loader, inst, block, addr, unit),))
    if rtype == "aws_cloudwatch_metric_alarm":
        return Inventory(alarms=(_alarm(loader, inst, block, addr, unit),))
    if rtype == "aws_cloudwatch_event_rule":
        if "event_pattern" not in block.body.attributes:
            return Inventory()  # a scheduled rule matches no event
        return Inventory(event_rules=(_event_rule(loader, inst, block, addr, unit),))
    if rtype == "aws_cloudwatch_event_target":
        return Inventory(event_targets=(_event_target(loader, inst, block, addr, unit),))
    return None
