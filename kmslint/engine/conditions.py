"""The tiny condition language rules are written in, evaluated with three-valued logic.

A condition is one of ``{all: [...]}``, ``{any: [...]}``, ``{not: cond}`` or
``{field: NAME, OP: operand}`` with OP in equals, in, between, less_than, greater_than, exists.
``field`` names a model attribute (``Key.get``) or a derived fact (a property of the target).
An operand may be ``{param: NAME}``, a rule parameter. A field whose value is UNKNOWN makes the
test UNKNOWN, and a rule fires only when its condition is True.
"""

from __future__ import annotations

from typing import Any, Mapping

from ..model.resources import KEY_ATTRS, Key
from ..model.values import UNKNOWN, Presence, Tri, Value, tri_all, tri_any, tri_not


def resolve_field(target: Any, name: str) -> Any:
    """The model value behind ``name``: a Value, a tri-state, or a plain value."""
    if isinstance(target, Key) and name in KEY_ATTRS:
        return target.get(name)
    if not hasattr(target, name):
        raise AttributeError(f"{type(target).__name__} has no field {name!r}")
    return getattr(target, name)


def plain(value: Any) -> Any:
    return value.value if isinstance(value, Value) else value


def _operand(raw: Any, params: Mapping[str, Any]) -> Any:
    if isinstance(raw, dict):
        return params[raw["param"]]
    return raw


def _compare(op: str, value: Any, operand: Any, params: Mapping[str, Any]) -> Tri:
    if op == "equals":
        return bool(value == _operand(operand, params))
    if op == "in":
        return value in [_operand(o, params) for o in operand]
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    if op == "between":
        low, high = (_operand(o, params) for o in operand)
        return bool(low <= value <= high)
    if op == "less_than":
        return bool(value < _operand(operand, params))
    if op == "greater_than":
        return bool(value > _operand(operand, params))
    raise ValueError(f"unknown condition operator {op!r}")


def _field_test(cond: Mapping[str, Any], target: Any, params: Mapping[str, Any]) -> Tri:
    raw = resolve_field(target, cond["field"])
    op, operand = next((k, v) for k, v in cond.items() if k != "field")
    if op == "exists":
        present: bool = raw.presence is not Presence.DEFAULT if isinstance(raw, Value) else raw is not None
        return present is bool(operand)
    value = plain(raw)
    if value is UNKNOWN:
        unknown: Tri = UNKNOWN
        return unknown
    return _compare(op, value, operand, params)


def evaluate(cond: Mapping[str, Any], target: Any, params: Mapping[str, Any]) -> Tri:
    if "all" in cond:
        return tri_all([evaluate(c, target, params) for c in cond["all"]])
    if "any" in cond:
        return tri_any([evaluate(c, target, params) for c in cond["any"]])
    if "not" in cond:
        return tri_not(evaluate(cond["not"], target, params))
    return _field_test(cond, target, params)


def condition_fields(cond: Mapping[str, Any]) -> list[str]:
    """The model fields a condition reads, in order, without repeats."""
    if "field" in cond:
        return [cond["field"]]
    nested = cond.get("all") or cond.get("any") or [cond["not"]]
    return list(dict.fromkeys(f for c in nested for f in condition_fields(c)))
