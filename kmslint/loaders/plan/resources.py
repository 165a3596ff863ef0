"""Planned resource values -> model keys, key policies and aliases.

A value Terraform will only know after apply (listed in ``after_unknown``) is UNKNOWN, unless
the configuration does not set that argument at all: then the provider computes it, which is
AWS's default, exactly as if the argument were absent from HCL.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Optional

from ...model.policy import Policy
from ...model.resources import Alias, Key, PrimaryRef
from ...model.values import UNKNOWN, Location, Presence, Value
from ..terraform.convert import model_value, policy_from_value
from ..terraform.loader import KEY_ARGS, KEY_TYPES
from .config import ConfigIndex
from .facts import normalize_address

__all__ = ["PlanResource", "Resolver", "aliases_of", "key_of", "link", "policies_of"]

UNSET_ZERO = frozenset({"rotation_period_in_days"})  # the provider stores 0 for "not set"
AFTER_APPLY = "known only after apply"


@dataclass(frozen=True)
class PlanResource:
    """A managed resource in the planned state: its values and which of them are unknown."""

    address: str
    type: str
    values: dict[str, Any]
    unknown: dict[str, Any]
    location: Location

    def is_unknown(self, name: str) -> bool:
        return _has_true(self.unknown.get(name))

    def raw(self, name: str) -> Any:
        """The value, UNKNOWN when known only after apply, None when null."""
        return UNKNOWN if self.is_unknown(name) else self.values.get(name)


def _identifies(value: Any, values: dict[str, Any]) -> bool:
    """Whether ``value`` is the ARN, id or key id in a resource's values."""
    return isinstance(value, str) and bool(value) and value in (values.get("arn"), values.get("id"), values.get("key_id"))


def _has_true(marker: Any) -> bool:
    if marker is True:
        return True
    if isinstance(marker, dict):
        return any(_has_true(v) for v in marker.values())
    if isinstance(marker, list):
        return any(_has_true(v) for v in marker)
    return False


class Resolver:
    """Which planned resource a value or a configuration reference points at."""

    def __init__(self, objects: dict[str, tuple[str, dict[str, Any]]], cfg: ConfigIndex) -> None:
        """``objects``: address -> (type, values) of every resource the plan knows, deleted ones too."""
        self.cfg = cfg
        self.types = {addr: rtype for addr, (rtype, _) in objects.items()}
        self.values = {addr: values for addr, (_, values) in objects.items()}
        self.by_block: dict[str, list[str]] = {}
        for addr in sorted(objects):
            self.by_block.setdefault(normalize_address(addr), []).append(addr)

    def by_identity(self, value: Any, types: Iterable[str]) -> Optional[str]:
        """The one resource whose ``arn``, ``id`` or ``key_id`` is ``value``; None if none or several
        (multi-Region keys share their key id across Regions; only the ARN tells them apart)."""
        wanted = set(types)
        found = [a for a in sorted(self.values) if self.types[a] in wanted and _identifies(value, self.values[a])]
        return found[0] if len(found) == 1 else None

    def instance(self, block: str, value: Any) -> Optional[str]:
        """The planned instance of a configuration block, preferring the one ``value`` identifies."""
        candidates = self.by_block.get(block, [])
        for addr in candidates:
            if _identifies(value, self.values[addr]):
                return addr
        return candidates[0] if candidates else None

    def reference(self, res: PlanResource, argument: str, types: Iterable[str], attrs: Iterable[str] = ()) -> Optional[str]:
        """The planned resource ``argument`` refers to in the configuration (of one of ``types``)."""
        ref = self.cfg.argument_ref(normalize_address(res.address), argument)
        if ref is None or ref.address.split(".")[-2] not in set(types):
            return None
        allowed = set(attrs)
        if allowed and ref.attr not in allowed:
            return None
        return self.instance(ref.address, res.values.get(argument)) or ref.address

    def unset(self, res: PlanResource, argument: str) -> bool:
        """True when the configuration declares the resource and does not set ``argument``."""
        return self.cfg.is_set(normalize_address(res.address), argument) is False


# --- keys ---------------------------------------------------------------------------------------


def _attr_value(res: PlanResource, arg: str, kind: str, rs: Resolver) -> Optional[Value[Any]]:
    if res.is_unknown(arg):
        if rs.unset(res, arg):
            return None  # computed by the provider: AWS's default
        if kind == "presence" and rs.cfg.is_set(normalize_address(res.address), arg):
            return Value(True, res.location)  # set to a value known after apply
        return Value.unknown(res.location, f"{arg} is {AFTER_APPLY}")
    raw = res.values.get(arg)
    if arg in UNSET_ZERO and raw == 0:
        return None
    return model_value(raw, kind, res.location)


def _attrs(res: PlanResource, rs: Resolver) -> dict[str, Value[Any]]:
    attrs: dict[str, Value[Any]] = {}
    for arg, (name, kind) in KEY_ARGS.items():
        value = _attr_value(res, arg, kind, rs)
        if value is not None and (name not in attrs or value.value not in (False, None)):
            attrs[name] = value
    attrs["deletion_protection"] = Value.unknown(res.location, "a plan does not carry lifecycle blocks")
    return attrs


def _primary(res: PlanResource, rs: Resolver) -> Value[Any]:
    raw = res.raw("primary_key_arn")
    target = rs.reference(res, "primary_key_arn", KEY_TYPES, ("arn",))
    if target is None and not rs.cfg.declares(normalize_address(res.address)):
        target = rs.by_identity(raw, KEY_TYPES)  # no configuration section: values are all there is
    if target is not None:
        return Value(PrimaryRef("resource", target), res.location)
    if isinstance(raw, str) and raw:
        return Value(PrimaryRef("literal", raw), res.location)
    return Value.unknown(res.location, f"primary_key_arn is {AFTER_APPLY}")


def _policy(res: PlanResource, rs: Resolver, origin: str) -> Optional[Policy]:
    raw = res.raw("policy")
    if raw is UNKNOWN and rs.unset(res, "policy"):
        return None  # AWS attaches its default policy
    if raw == "":
        return None
    try:
        return policy_from_value(raw, res.location, origin)
    except RecursionError:
        return Policy(location=res.location, origin=origin, known=False, parse_error="policy is nested too deeply to read")


def key_of(res: PlanResource, unit: str, rs: Resolver) -> Key:
    attrs = _attrs(res, rs)
    if KEY_TYPES[res.type] in ("replica", "replica-external"):
        attrs["primary"] = _primary(res, rs)
    return Key(
        address=res.address,
        resource_type=res.type,
        kind=KEY_TYPES[res.type],
        unit=unit,
        location=res.location,
        attrs=attrs,
        policy=_policy(res, rs, "inline"),
        source_format="plan",
    )


# --- aws_kms_key_policy and aws_kms_alias -----------------------------------------------------


def _key_target(res: PlanResource, argument: str, rs: Resolver, arn_argument: str = "") -> Any:
    """The key address an argument (``key_id``, ``target_key_id``) names; a literal id; or UNKNOWN.

    The configuration's reference decides first, then the ARN (``target_key_arn``), then the id.
    """
    raw = res.raw(argument)
    found = rs.reference(res, argument, KEY_TYPES)
    if found is None and arn_argument:
        found = rs.by_identity(res.raw(arn_argument), KEY_TYPES)
    found = found or rs.by_identity(raw, KEY_TYPES)
    if found is not None:
        return found
    return raw if isinstance(raw, str) else UNKNOWN


def policies_of(resources: Iterable[PlanResource], rs: Resolver) -> dict[str, tuple[Policy, Optional[Value[Any]]]]:
    """Key address -> (policy, lockout bypass) from ``aws_kms_key_policy`` resources."""
    out: dict[str, tuple[Policy, Optional[Value[Any]]]] = {}
    for res in resources:
        if res.type != "aws_kms_key_policy":
            continue
        target = _key_target(res, "key_id", rs)
        if not isinstance(target, str):
            continue
        policy = _policy(res, rs, "aws_kms_key_policy") or Policy(location=res.location, origin="aws_kms_key_policy", known=False)
        bypass = _attr_value(res, "bypass_policy_lockout_safety_check", "bool", rs)
        out[target] = (policy, bypass)
    return out


def aliases_of(resources: Iterable[PlanResource], unit: str, rs: Resolver) -> tuple[Alias, ...]:
    out = []
    for res in resources:
        if res.type != "aws_kms_alias":
            continue
        target = _key_target(res, "target_key_id", rs, "target_key_arn")
        presence = Presence.UNKNOWN if target is UNKNOWN else Presence.SET
        name = res.raw("name")
        name_value = Value(name, res.location, Presence.UNKNOWN if name is UNKNOWN else Presence.SET)
        out.append(Alias(res.address, unit, res.location, name_value, Value(target, res.location, presence)))
    return tuple(out)


def link(keys: Iterable[Key], aliases: Iterable[Alias], policies: dict[str, tuple[Policy, Optional[Value[Any]]]]) -> tuple[Key, ...]:
    """Attach separate key policies and aliases to their keys, as the HCL loader does."""
    alias_list = list(aliases)
    unknown_alias = any(not a.target.known for a in alias_list)
    out = []
    for key in keys:
        attrs = dict(key.attrs)
        policy = key.policy
        if key.address in policies:
            policy, bypass = policies[key.address]
            if bypass is not None:
                attrs["bypass_lockout"] = bypass
        names = tuple(a.address for a in alias_list if a.target.value == key.address)
        out.append(replace(key, attrs=attrs, policy=policy, aliases=names, alias_unknown=unknown_alias))
    return tuple(out)

