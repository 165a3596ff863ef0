"""``AWS::KMS::Key`` / ``AWS::KMS::ReplicaKey`` / ``AWS::KMS::Alias`` -> the common model.

Only what the template says goes into ``Key.attrs``; the model supplies AWS's defaults. Each
value is located at its property's key (ints and booleans carry no mark of their own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Callable, Mapping, Optional, Union

from ...model.resources import Key, PrimaryRef, Unchecked
from ...model.values import UNKNOWN, Location, Presence, Value
from .conditions import if_conditions
from .policy import PolicyRead, key_policy
from .resolve import NO_VALUE, RNode, Resolver, Template, plain
from ..coerce import as_bool, as_int

__all__ = ["KEY_KINDS", "KeyBuild", "alias_targets", "build_key"]

KEY_KINDS = {"AWS::KMS::Key": "key", "AWS::KMS::ReplicaKey": "replica"}
_RETAIN = frozenset({"Retain", "RetainExceptOnCreate"})
_PLACEHOLDER = re.compile(r"^\$\{(?P<id>[A-Za-z0-9]+)(?:\.(?P<attr>[A-Za-z0-9]+))?\}$")


def _as_str(v: Any) -> Any:
    return v if isinstance(v, str) and "${" not in v else UNKNOWN


_KEY_PROPS: Mapping[str, tuple[str, Callable[[Any], Any]]] = {
    "KeySpec": ("spec", _as_str),
    "KeyUsage": ("usage", _as_str),
    "Origin": ("origin", _as_str),
    "MultiRegion": ("multi_region", as_bool),
    "Enabled": ("enabled", as_bool),
    "EnableKeyRotation": ("rotation", as_bool),
    "RotationPeriodInDays": ("rotation_period", as_int),
    "PendingWindowInDays": ("deletion_window", as_int),
    "BypassPolicyLockoutSafetyCheck": ("bypass_lockout", as_bool),
}
_REPLICA_PROPS = ("Enabled", "PendingWindowInDays")


def branch_note(node: RNode) -> str:
    return "when " + " and ".join(node.via) if node.via else ""


def located(node: RNode, convert: Callable[[Any], Any], prop: str) -> Value[Any]:
    """A property as a model Value: converted, located at its key, noting any Fn::If branch."""
    if not node.known:
        return Value.unknown(node.loc, node.note or f"{prop} cannot be resolved")
    value = convert(node.value)
    if value is UNKNOWN:
        return Value.unknown(node.loc, f"{prop} has an unexpected value {node.value!r}")
    return Value(value, node.loc, Presence.SET, branch_note(node))


@dataclass(frozen=True)
class KeyBuild:
    """A key and what kmslint could not check about it (a policy from a macro or an import)."""

    key: Key
    unchecked: tuple[Unchecked, ...] = ()
    signature: str = ""  # the resolved values; equal signatures mean identical variants
    by_condition: bool = False  # some value is unknown only because Fn::If branches differ


def _policy_text(node: Optional[RNode], name: str, loc: Location) -> Union[str, None, Value[Any]]:
    """A DeletionPolicy/UpdateReplacePolicy value: its text, None when absent, or an UNKNOWN Value."""
    if not isinstance(node, RNode):
        return None
    if not node.known:
        return Value.unknown(loc, node.note)
    if not isinstance(node.value, str):
        return Value.unknown(loc, f"{name} has an unexpected value {plain(node)!r}")
    return node.value


def _deletion_protection(res: Any, resolver: Resolver, header: Location, kind: str) -> Optional[Value[Any]]:
    """Whether the stack keeps the key when it lets go of it (KMS008), noting what is missing.

    ``AWS::KMS::Key``: ``DeletionPolicy: Retain`` (or ``RetainExceptOnCreate``) is enough. Its
    reference says a change of KeySpec, KeyUsage, Origin or MultiRegion fails the update
    "regardless of the value of the UpdateReplacePolicy attribute": a key is never replaced.
    ``AWS::KMS::ReplicaKey``: its ``PrimaryKeyArn`` is "Update requires: Replacement" (the old
    replica is scheduled for deletion), so ``UpdateReplacePolicy: Retain`` is needed as well.
    """
    deletion = resolver.member(res, "DeletionPolicy", header)
    replace_policy = resolver.member(res, "UpdateReplacePolicy", header) if kind == "replica" else None
    if deletion is None and replace_policy is None:
        return None  # the model's default: not protected, at the header
    loc = deletion.loc if isinstance(deletion, RNode) else header
    via = (deletion.via if isinstance(deletion, RNode) else ()) + (replace_policy.via if isinstance(replace_policy, RNode) else ())
    branch = "when " + " and ".join(dict.fromkeys(via)) if via else ""
    on_delete = _policy_text(deletion if isinstance(deletion, RNode) else None, "DeletionPolicy", loc)
    on_replace = _policy_text(replace_policy if isinstance(replace_policy, RNode) else None, "UpdateReplacePolicy", loc)
    for value in (on_delete, on_replace):
        if isinstance(value, Value):
            return value
    missing = [] if on_delete in _RETAIN else ["DeletionPolicy: Retain"]
    if kind == "replica" and on_replace != "Retain":
        missing.append("UpdateReplacePolicy: Retain")
    shown = " and ".join(missing) + " missing" if kind == "replica" and missing else ""  # a key's message names its one fix
    note = "; ".join(filter(None, [branch, shown]))
    return Value(not missing, loc, Presence.SET, note)


def _describe(raw: Any) -> str:
    """An expression as a reader wrote it, for messages: ``!Ref Param``, ``!ImportValue x``."""
    if isinstance(raw, dict) and len(raw) == 1:
        (fn, arg), = raw.items()
        short = "!" + str(fn).removeprefix("Fn::")
        return f"{short} {arg}" if isinstance(arg, str) else short
    return str(raw)


def _primary(tpl: Template, node: RNode, raw: Any) -> Value[Any]:
    if node.known and isinstance(node.value, str):
        m = _PLACEHOLDER.match(node.value)
        if m and m["attr"] == "Arn" and tpl.resource_type(m["id"]) == "AWS::KMS::Key":
            return Value(PrimaryRef("resource", m["id"]), node.loc, Presence.SET, branch_note(node))
        return Value(PrimaryRef("literal", node.value), node.loc, Presence.SET, branch_note(node))
    if node.depends_on_condition:
        return Value.unknown(node.loc, node.note)
    return Value(PrimaryRef("literal", _describe(raw)), node.loc, Presence.SET)


def _attrs(tpl: Template, props: RNode, raw_props: Any, kind: str) -> dict[str, Value[Any]]:
    names = _KEY_PROPS if kind == "key" else {p: _KEY_PROPS[p] for p in _REPLICA_PROPS}
    attrs: dict[str, Value[Any]] = {}
    for prop, (attr, convert) in names.items():
        node = props.get(prop)
        if node is not None:
            attrs[attr] = located(node, convert, prop)
    if kind == "replica":
        node = props.get("PrimaryKeyArn")
        if node is not None:
            raw = raw_props.get("PrimaryKeyArn") if isinstance(raw_props, dict) else None
            attrs["primary"] = _primary(tpl, node, raw)
    return attrs


def _all_unknown(kind: str, header: Location, note: str) -> dict[str, Value[Any]]:
    names = [a for a, _ in _KEY_PROPS.values()] if kind == "key" else ["enabled", "deletion_window", "primary"]
    return {n: Value.unknown(header, note) for n in names}


def build_key(tpl: Template, logical_id: str, res: Mapping[str, Any], header: Location, resolver: Resolver) -> KeyBuild:
    """One Key from one resource, under the resolver's condition assignment."""
    kind = KEY_KINDS[str(res.get("Type"))]
    props = resolver.member(res, "Properties", header)
    raw_props = res.get("Properties")
    read = PolicyRead()
    if props is None or props is NO_VALUE:
        attrs: dict[str, Value[Any]] = {}
    elif isinstance(props, RNode) and isinstance(props.value, dict):
        attrs = _attrs(tpl, props, raw_props, kind)
        read = key_policy(tpl, props.get("KeyPolicy"), logical_id)
    else:
        note = props.note if isinstance(props, RNode) else "Properties cannot be resolved"
        attrs = _all_unknown(kind, header, note)
        read = key_policy(tpl, RNode(UNKNOWN, header, header, note=note), logical_id)
    policy = read.policy
    protection = _deletion_protection(res, resolver, header, kind)
    if protection is not None:
        attrs["deletion_protection"] = protection
    key = Key(
        address=logical_id,
        resource_type=str(res.get("Type")),
        kind=kind,
        unit=tpl.rel,
        location=header,
        attrs=attrs,
        policy=policy,
        source_format="cloudformation",
    )
    unchecked = read.unchecked
    branch = _policy_branch(raw_props, resolver)
    key = replace(key, policy_branches=(branch,) if branch else ())
    return KeyBuild(key, unchecked, _signature(attrs, policy), read.by_condition)


def _policy_branch(raw_props: Any, resolver: Resolver) -> tuple[tuple[str, bool], ...]:
    """The values of the Fn::If conditions written inside KeyPolicy under which this variant's policy
    was chosen; () when the key is not a variant or its policy has no Fn::If. A branch that removes
    the policy (``!Ref AWS::NoValue``: AWS's default policy) is read from the template, not from the
    resolved value, which is gone."""
    raw = raw_props.get("KeyPolicy") if isinstance(raw_props, dict) else None
    chosen = resolver.assignment or {}
    return tuple((n, bool(chosen[n])) for n in sorted(if_conditions(raw)) if n in chosen)


def _signature(attrs: Mapping[str, Value[Any]], policy: Any) -> str:
    values = sorted((name, repr(v.value)) for name, v in attrs.items())
    statements = None if policy is None else [(s.effect, s.principals, s.actions, s.not_actions, s.conditions, s.known) for s in policy.statements]
    return repr((values, statements, None if policy is None else policy.known))


def alias_targets(tpl: Template, res: Mapping[str, Any], header: Location, resolver: Resolver) -> tuple[set[str], bool, Value[Any]]:
    """The template keys an alias may point at (over every Fn::If branch), whether some
    branch cannot be resolved, and the model's ``Alias.target`` value."""
    props = res.get("Properties")
    raw = props.get("TargetKeyId") if isinstance(props, dict) else None
    found: set[str] = set()
    unresolved = False
    outside: list[str] = []
    for alternative in _alternatives(raw):
        if _from_outside(tpl, alternative):
            outside.append(_describe(alternative))
            continue
        node = resolver.resolve(alternative, header)
        value = node.value if isinstance(node, RNode) else None
        m = _PLACEHOLDER.match(value) if isinstance(value, str) else None
        if m and m["attr"] in (None, "Arn", "KeyId") and tpl.resource_type(m["id"]) in KEY_KINDS:
            found.add(m["id"])
        elif isinstance(value, str):
            outside.append(value)
        else:
            unresolved = True
    target_loc = _target_location(res, resolver, header)
    if len(found) == 1 and not unresolved and not outside:
        target = Value(next(iter(found)), target_loc)
    elif not found and not unresolved and len(outside) == 1:
        target = Value(outside[0], target_loc)
    else:
        target = Value.unknown(target_loc, "TargetKeyId cannot be resolved to one key")
    return found, unresolved, target


def _target_location(res: Mapping[str, Any], resolver: Resolver, header: Location) -> Location:
    node = resolver.member(res.get("Properties"), "TargetKeyId", header)
    return node.loc if isinstance(node, RNode) else header


def _alternatives(raw: Any) -> list[Any]:
    """Every value an expression may take across Fn::If branches (top-level Ifs only)."""
    if isinstance(raw, dict) and len(raw) == 1 and isinstance(raw.get("Fn::If"), list) and len(raw["Fn::If"]) == 3:
        return _alternatives(raw["Fn::If"][1]) + _alternatives(raw["Fn::If"][2])
    if raw is None or (isinstance(raw, dict) and raw.get("Ref") == "AWS::NoValue"):
        return []
    return [raw]


def _from_outside(tpl: Template, raw: Any) -> bool:
    """A parameter or an import cannot hold the id of a key this very template creates
    (a stack cannot import its own exports)."""
    if not (isinstance(raw, dict) and len(raw) == 1):
        return False
    return "Fn::ImportValue" in raw or (isinstance(raw.get("Ref"), str) and raw["Ref"] in tpl.parameters)
