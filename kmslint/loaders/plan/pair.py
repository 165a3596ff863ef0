"""Pairing a plan with the HCL of its directory, so each problem is reported once.

``kmslint scan plan.json`` sees only the plan: its keys are located in the plan file.
``kmslint scan .`` sees the plan *and* the ``.tf`` files of its directory (the root module the
plan was made from). Then the HCL is the source of truth for what exists and where a fix goes:

- a plan key whose block is in the HCL is dropped; values the HCL could not resolve (a variable
  set with ``-var``, a computed attribute) are taken from the plan, located at the HCL argument;
- a plan key the HCL does not have (a registry module, which kmslint does not download) stays,
  located in the plan, and joins the HCL's configuration unit; so do aliases and monitoring;
- a planned change keeps its plan (``unit``) but points at the HCL resource when there is one.

Instances of one block (``this[0]``, ``this[1]``) pair with that block: the fix goes there.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Iterable, Optional, Sequence, TypeVar

from ...model.policy import Policy
from ...model.resources import Inventory, Key, PlannedChange, PrimaryRef
from ...model.values import Location, Presence, Value
from .facts import config_dir, normalize_address

__all__ = ["pair_plans", "paired_units"]

T = TypeVar("T")


def paired_units(inv: Inventory) -> dict[str, str]:
    """Plan unit -> the HCL unit of its directory, for plans whose directory was scanned as HCL."""
    # A plan's own facts sit in the plan file they come from (a joined key keeps its location).
    plans = {c.unit for c in inv.planned_changes} | {k.unit for k in inv.keys if k.source_format == "plan" and k.location.path == k.unit}
    hcl = set(inv.units) - plans
    return {p: config_dir(p) for p in sorted(plans) if config_dir(p) in hcl}


def pair_plans(inv: Inventory) -> Inventory:
    """The inventory with every plan paired to the HCL of its directory (see the module doc)."""
    for plan, unit in paired_units(inv).items():
        inv = _pair(inv, plan, unit)
    return inv


def _pair(inv: Inventory, plan: str, unit: str) -> Inventory:
    hcl_keys = {normalize_address(k.address): k for k in inv.keys if k.unit == unit and k.source_format != "plan"}
    plan_keys = [k for k in inv.keys if k.unit == plan]
    matched: dict[str, list[Key]] = {}
    joined: list[Key] = []
    for k in plan_keys:
        block = normalize_address(k.address)
        if block in hcl_keys:
            matched.setdefault(block, []).append(k)
        else:
            joined.append(replace(k, unit=unit))
    keys = tuple(
        _fill_key(k, matched.get(normalize_address(k.address), []), hcl_keys) if k.unit == unit and k.source_format != "plan" else k
        for k in inv.keys
        if k.unit != plan
    ) + tuple(joined)
    return replace(
        inv,
        keys=keys,
        aliases=_join(inv.aliases, plan, unit),
        metric_filters=_join(inv.metric_filters, plan, unit),
        alarms=_join(inv.alarms, plan, unit),
        event_rules=_join(inv.event_rules, plan, unit),
        event_targets=_join(inv.event_targets, plan, unit),
        planned_changes=tuple(_relocate(c, plan, hcl_keys) for c in inv.planned_changes),
    )


# --- keys ---------------------------------------------------------------------------------------


def _agreed(values: Sequence[T]) -> Optional[T]:
    """The one value every plan instance of a block has, or None when they differ (or none)."""
    first = values[0] if values else None
    return first if values and all(v == first for v in values) else None


def _fill_key(key: Key, plan_keys: list[Key], hcl_keys: dict[str, Key]) -> Key:
    if not plan_keys:
        return key
    attrs = dict(key.attrs)
    for name, value in key.attrs.items():
        if not value.known:
            filled = _plan_attr(name, value, plan_keys, hcl_keys)
            if filled is not None:
                attrs[name] = filled
    policy = _plan_policy(key.policy, plan_keys)
    aliases, alias_unknown = key.aliases, key.alias_unknown
    if alias_unknown and not aliases and all(not k.alias_unknown for k in plan_keys):
        aliases, alias_unknown = tuple(sorted({a for k in plan_keys for a in k.aliases})), False
    return replace(key, attrs=attrs, policy=policy, aliases=aliases, alias_unknown=alias_unknown)


def _plan_attr(name: str, hcl_value: Value[Any], plan_keys: list[Key], hcl_keys: dict[str, Key]) -> Optional[Value[Any]]:
    known = [k.get(name).value for k in plan_keys if k.get(name).known]
    value = _agreed(known) if len(known) == len(plan_keys) else None
    if value is None:
        return None
    if isinstance(value, PrimaryRef) and value.kind == "resource":
        target = hcl_keys.get(normalize_address(value.target))
        if target is None:
            return None
        value = PrimaryRef("resource", target.address)
    return Value(value, hcl_value.location, Presence.SET, note="value from the Terraform plan")


def _plan_policy(policy: Optional[Policy], plan_keys: list[Key]) -> Optional[Policy]:
    """An HCL policy that could not be resolved, replaced by the plan's when every instance agrees."""
    if policy is None or policy.known:
        return policy
    known = [k.policy for k in plan_keys if k.policy is not None and k.policy.known]
    plan_policy = _agreed([_relocated(p, policy.location) for p in known]) if len(known) == len(plan_keys) else None
    return plan_policy if plan_policy is not None else policy


def _relocated(policy: Policy, where: Location) -> Policy:
    statements = tuple(replace(s, location=where) for s in policy.statements)
    return replace(policy, location=where, statements=statements, origin=policy.origin)


# --- aliases, monitoring, changes ------------------------------------------------------------------


def _join(items: Iterable[T], plan: str, unit: str) -> tuple[T, ...]:
    """The plan's items join the HCL unit, except those the HCL declares (it fills their unknowns)."""
    items = tuple(items)
    hcl = {normalize_address(getattr(i, "address")): i for i in items if getattr(i, "unit") == unit}
    from_plan: dict[str, list[T]] = {}
    out: list[T] = []
    for item in items:
        block = normalize_address(getattr(item, "address"))
        if getattr(item, "unit") != plan:
            out.append(item)
        elif block in hcl:
            from_plan.setdefault(block, []).append(item)
        else:
            out.append(replace(item, unit=unit))  # type: ignore[type-var]
    return tuple(_fill_fields(i, from_plan.get(normalize_address(getattr(i, "address")), [])) if getattr(i, "unit") == unit else i for i in out)


def _fill_fields(item: T, plan_items: list[T]) -> T:
    """Unknown :class:`Value` fields of an HCL item, from the plan when every instance agrees."""
    if not plan_items:
        return item
    changes: dict[str, Any] = {}
    for f in fields(item):  # type: ignore[arg-type]
        mine = getattr(item, f.name)
        if not isinstance(mine, Value) or mine.known:
            continue
        theirs = [getattr(p, f.name) for p in plan_items]
        known = [v.value for v in theirs if isinstance(v, Value) and v.known]
        value = _agreed(known) if len(known) == len(theirs) else None
        if value is not None:
            changes[f.name] = Value(value, mine.location, Presence.SET, note="value from the Terraform plan")
    return replace(item, **changes) if changes else item  # type: ignore[type-var]


def _relocate(change: PlannedChange, plan: str, hcl_keys: dict[str, Key]) -> PlannedChange:
    if change.unit != plan:
        return change
    key = hcl_keys.get(normalize_address(change.address))
    return change if key is None else replace(change, location=key.location)
