"""CloudWatch metric filters, alarms and EventBridge rules/targets from Terraform."""

from __future__ import annotations

import json
from typing import Any, Optional

from ...model.resources import ALARM_DEFAULTS, FILTER_DEFAULTS, Alarm, EventRule, EventTarget, Inventory, KeyRegion, LogGroup, MetricFilter, Trail
from ...model.values import UNKNOWN, Location, Presence, Value
from ..coerce import as_bool
from .convert import as_str
from .hcl import Block, ObjectExpr, Traversal
from .module import Instance
from .reader import ArgumentReader as TerraformLoader  # a Protocol: loader imports this module, not the reverse
from .tfvalues import Encoded, Text, contains_unknown, is_partial, plainify


# --- Regions ---------------------------------------------------------------------------------


def _provider_ref(expr: Any) -> Optional[str]:
    """``aws`` or ``aws.eu`` from a ``provider`` expression; None if it is not a plain reference."""
    if isinstance(expr, Traversal) and isinstance(expr.root, str) and all(isinstance(s, str) for s in expr.steps):
        return ".".join([expr.root, *(str(s) for s in expr.steps)])
    return None


def _call_block(inst: Instance) -> Optional[Block]:
    """The ``module`` block in the parent that instantiated ``inst``."""
    if inst.parent is None:
        return None
    last = inst.prefix.rstrip(".").rsplit("module.", 1)[-1]
    return inst.parent.mdef.modules.get(last.split("[", 1)[0])


def _default_provider(inst: Instance) -> Any:
    """The provider configuration a resource without ``provider`` uses in ``inst``: the root's
    ``aws`` unless a module call on the way passes ``providers`` (then UNKNOWN unless it maps
    ``aws`` to a root-level reference)."""
    if inst.parent is None:
        return "aws"
    call = _call_block(inst)
    if call is None:
        return UNKNOWN
    passed = call.body.attributes.get("providers")
    if passed is None:
        return _default_provider(inst.parent)
    if not isinstance(passed.expr, ObjectExpr) or inst.parent.parent is not None:
        return UNKNOWN
    for key, value in passed.expr.items:
        if key == "aws" or (isinstance(key, Traversal) and key.root == "aws" and not key.steps):
            return _provider_ref(value) or UNKNOWN
    return UNKNOWN


def _root(inst: Instance) -> Instance:
    while inst.parent is not None:
        inst = inst.parent
    return inst


def _region_name(loader: "TerraformLoader", inst: Instance, ref: str) -> str:
    """``region:<name>`` when the root's provider block for ``ref`` sets a known region, else
    ``provider:<ref>`` (the same configuration is the same Region; nothing more is known)."""
    root = _root(inst)
    block = root.mdef.providers.get(ref)
    if block is not None and "region" in block.body.attributes:
        name = as_str(loader.arg(root, block, "region")[0])
        if isinstance(name, str) and name and "${" not in name:
            return f"region:{name}"
    return f"provider:{ref}"


def region_of(loader: "TerraformLoader", inst: Instance, block: Block) -> Value[Any]:
    """Which Region a resource is in (see model Trail.region)."""
    attr = block.body.attributes.get("provider")
    if attr is None:
        ref = _default_provider(inst)
        loc, presence = block.loc, Presence.DEFAULT
    else:
        ref = (_provider_ref(attr.expr) if inst.parent is None else None) or UNKNOWN
        loc, presence = attr.loc, Presence.SET
    if ref is UNKNOWN:
        return Value(UNKNOWN, loc, Presence.UNKNOWN)
    return Value(_region_name(loader, inst, str(ref)), loc, presence)


def key_region(loader: "TerraformLoader", inst: Instance, block: Block, addr: str, unit: str) -> Inventory:
    """A key's Region, for KMS006/KMS007 (called by the loader for every key resource)."""
    return Inventory(key_regions=(KeyRegion(addr, unit, region_of(loader, inst, block)),))


def _log_group_name(raw: Any) -> Any:
    """A log group's name from a name or an ARN (``arn:aws:logs:r:a:log-group:NAME:*``)."""
    text = as_str(raw)
    if text is UNKNOWN or not isinstance(text, str) or is_partial(raw):
        return UNKNOWN
    if text.startswith("arn:") and ":log-group:" in text:
        return text.split(":log-group:", 1)[1].split(":", 1)[0]
    return text


def _arn_group_ref(raw: Any) -> str:
    """``${aws_cloudwatch_log_group.x.arn}:*`` names the group by address: that address."""
    text = str(raw) if isinstance(raw, str) else ""
    start = text.find("${aws_cloudwatch_log_group.")
    end = text.find(".arn}", start)
    return text[start + 2 : end] if start >= 0 and end > start else ""


def _trail(loader: "TerraformLoader", inst: Instance, block: Block, addr: str, unit: str) -> Trail:
    arn, aloc = _arg(loader, inst, block, "cloud_watch_logs_group_arn")
    multi, mloc = _arg(loader, inst, block, "is_multi_region_trail")
    group: Any = None if arn is None else _log_group_name(arn)
    ref = _arn_group_ref(arn)
    if group is UNKNOWN and ref:
        local = ref[len(inst.prefix) :] if ref.startswith(inst.prefix) else ref
        target = inst.mdef.resources.get(local.split("[", 1)[0])
        if target is not None and "name" in target.body.attributes:
            group = _log_group_name(loader.arg(inst, target, "name")[0])
    return Trail(
        addr, unit, block.loc, Value(group, aloc, Presence.UNKNOWN if group is UNKNOWN else Presence.SET),
        _value(multi, mloc, as_bool, False), region_of(loader, inst, block),
    )


def _log_group(loader: "TerraformLoader", inst: Instance, block: Block, addr: str, unit: str) -> LogGroup:
    name, nloc = _arg(loader, inst, block, "name")
    group = UNKNOWN if name is None else _log_group_name(name)
    return LogGroup(addr, unit, block.loc, Value(group, nloc, Presence.UNKNOWN if group is UNKNOWN else Presence.SET))


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


def dimension_names(raw: Any) -> Any:
    """The keys of a ``dimensions`` map: what an alarm must ask for to see the metric."""
    if raw is None:
        return ()
    if raw is UNKNOWN or not isinstance(raw, dict):
        return UNKNOWN
    return tuple(sorted(str(k) for k in raw))


def scalar_text(raw: Any) -> Any:
    """A number or string attribute as its text (``threshold = 1``, ``evaluation_periods = "1"``)."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return str(raw)
    return as_str(raw)


def _metric_filter(loader: "TerraformLoader", inst: Instance, block: Block, addr: str, unit: str) -> MetricFilter:
    pattern, ploc = _arg(loader, inst, block, "pattern")
    own, oloc = _arg(loader, inst, block, "name")
    group, gloc = _arg(loader, inst, block, "log_group_name")
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
        name=_value(own, oloc), metric_value=_value(value, vloc, scalar_text, FILTER_DEFAULTS["metric_value"]), dimensions=_value(dims, dloc, dimension_names, FILTER_DEFAULTS["dimensions"]),
        log_group=_value(group, gloc, _log_group_name, UNKNOWN), region=region_of(loader, inst, block),
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
    extra = {field: _value(*_arg(loader, inst, block, arg), convert, ALARM_DEFAULTS[field]) for field, arg, convert in ALARM_ARGS}
    return Alarm(
        addr, unit, block.loc, _value(name, nloc), _value(ns, nsloc), _value(actions, aloc, _actions, ()), _value(enabled, eloc, as_bool, True),
        metric_filter=Value(ref, nloc) if ref else Value("", nloc, Presence.DEFAULT), **extra,
    )


# Alarm fields (model.resources.ALARM_DEFAULTS when absent), the resource's argument, its conversion;
# a plan's values use the same argument names (loaders/plan/monitoring.py).
ALARM_ARGS: tuple[tuple[str, str, Any], ...] = (
    ("dimensions", "dimensions", dimension_names),
    ("statistic", "statistic", as_str),
    ("comparison", "comparison_operator", as_str),
    ("threshold", "threshold", scalar_text),
    ("evaluation_periods", "evaluation_periods", scalar_text),
    ("datapoints_to_alarm", "datapoints_to_alarm", scalar_text),
    ("treat_missing_data", "treat_missing_data", as_str),
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
        addr, unit, block.loc, _value(name, nloc, default=addr), pattern_value, enabled_value, bus=_value(bus, bloc, default="default"), state=state_value,
        region=region_of(loader, inst, block),
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
    if rtype == "aws_cloudtrail":
        return Inventory(trails=(_trail(loader, inst, block, addr, unit),))
    if rtype == "aws_cloudwatch_log_group":
        return Inventory(log_groups=(_log_group(loader, inst, block, addr, unit),))
    return None
