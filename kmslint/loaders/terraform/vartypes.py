"""A variable's ``type`` constraint applied to its value, for what changes the value: ``optional()``.

Terraform 1.3+ fills an object attribute the caller left out with ``null``, or with the default
given as ``optional(type, default)``, before the module sees the value; attributes the type does not
declare are dropped. Without this, ``statement.value.principals`` of a ``key_statements`` entry that
omits ``not_principals`` is a missing attribute (UNKNOWN) instead of ``null``, and the policy built
from it cannot be read (terraform-aws-modules/terraform-aws-kms). Primitive conversions (``"3"`` to
a number) are left to the converters that read model values.
"""

from __future__ import annotations

from typing import Any, Callable, Optional

from ...model.values import UNKNOWN
from .hcl import Call, Expr, Lit, ObjectExpr, TupleExpr
from .tfvalues import LocDict, LocList

MAX_TYPE_DEPTH = 32
Default = Callable[[Expr], Any]


def conform(value: Any, type_expr: Expr, default: Default, depth: int = 0) -> Any:
    """``value`` shaped by ``type_expr``: optional attributes filled, undeclared ones dropped."""
    if value is UNKNOWN or value is None or depth > MAX_TYPE_DEPTH or not isinstance(type_expr, Call) or not type_expr.args:
        return value
    name, arg = type_expr.name, type_expr.args[0]
    if name == "optional":
        return conform(value, arg, default, depth + 1)
    if name in ("list", "set") and isinstance(value, list):
        return _list(value, [conform(x, arg, default, depth + 1) for x in value])
    if name == "map" and isinstance(value, dict):
        return _dict(value, {k: conform(v, arg, default, depth + 1) for k, v in value.items()})
    if name == "tuple" and isinstance(arg, TupleExpr) and isinstance(value, list) and len(arg.items) == len(value):
        return _list(value, [conform(x, t, default, depth + 1) for x, t in zip(value, arg.items)])
    if name == "object" and isinstance(arg, ObjectExpr) and isinstance(value, dict):
        return _object(value, arg, default, depth)
    return value


def _object(value: dict[str, Any], spec: ObjectExpr, default: Default, depth: int) -> Any:
    out: dict[str, Any] = {}
    for key, attr_type in spec.items:
        attr = _key(key)
        if attr is None:
            return value  # a computed key in a type: not Terraform syntax, keep the value as written
        if attr in value:
            out[attr] = conform(value[attr], attr_type, default, depth + 1)
        elif isinstance(attr_type, Call) and attr_type.name == "optional" and attr_type.args:
            filled = default(attr_type.args[1]) if len(attr_type.args) > 1 else None
            out[attr] = conform(filled, attr_type.args[0], default, depth + 1)
        else:
            return value  # a required attribute is missing: Terraform rejects the call; leave it alone
    return _dict(value, out)


def _key(key: Any) -> Optional[str]:
    if isinstance(key, str):
        return key
    if isinstance(key, Lit) and isinstance(key.value, str):
        return str(key.value)
    return None


def _list(original: list[Any], items: list[Any]) -> Any:
    out = LocList(items)
    out.loc = getattr(original, "loc", None)
    return out


def _dict(original: dict[str, Any], items: dict[str, Any]) -> Any:
    out = LocDict(items)
    out.loc = getattr(original, "loc", None)
    return out
