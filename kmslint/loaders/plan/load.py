"""``terraform show -json <planfile>`` output -> the common model.

Resolved values come from ``planned_values`` (every module, recursively), the actions from
``resource_changes``, and the last known values of a resource the plan deletes from its
``before``. A resource the plan deletes (and does not re-create) or forgets is not in the
planned state, so it is not a model :class:`Key`; its :class:`PlanChange` keeps its facts.
Every fact is located at the resource's entry in ``resource_changes``; :mod:`.pair` moves
them to the HCL when the plan's directory is scanned too. Only the resource types kmslint
models (keys, aliases, key policies, monitoring) become facts: a plan is mostly other things.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Iterator, Optional

from ...model.resources import Inventory, ParseError
from ...model.values import Location
from ..terraform.loader import KEY_TYPES
from .config import ConfigIndex
from .decode import JSONDecodeError, LineIndex, PlanText, decode_plan
from .facts import KEY_RESOURCE_TYPES, PlanChange, as_list, as_mapping
from .monitoring import MONITORING_TYPES, monitoring_of
from .resources import PlanResource, Resolver, aliases_of, key_of, link, policies_of

__all__ = ["SUPPORTED_MAJOR_VERSIONS", "load_plan", "plan_date"]

SUPPORTED_MAJOR_VERSIONS = ("0", "1")
# The resource types kmslint models; plans are mostly other resources, which it skips.
MODELLED_TYPES = KEY_RESOURCE_TYPES | {"aws_kms_alias", "aws_kms_key_policy"} | MONITORING_TYPES
MAX_MODULE_DEPTH = 64


class PlanShapeError(ValueError):
    """The JSON is valid but is not shaped like a plan; ``offset`` is where, when known."""

    def __init__(self, reason: str, offset: int = 0) -> None:
        super().__init__(reason)
        self.reason, self.offset = reason, offset


@dataclass(frozen=True)
class _Plan:
    rel: str
    source: str
    text: PlanText
    changes: tuple[PlanChange, ...]
    entries: tuple[dict[str, Any], ...]  # the raw change entries, parallel to ``changes``


def load_plan(rel: str, text: str) -> Inventory:
    """The plan's keys, aliases, key policies, monitoring and planned changes (unit: ``rel``)."""
    try:
        plan = _read(rel, text)
    except JSONDecodeError as err:
        return _error(rel, *_line_col(text, err.pos), f"Terraform plan is not valid JSON: {err.msg}")
    except RecursionError:
        return _error(rel, 1, 1, "Terraform plan is nested too deeply to parse")
    except PlanShapeError as err:
        line, col = (1, 1) if not err.offset else _line_col(text, err.offset)
        return _error(rel, line, col, err.reason)
    if plan is None:
        return Inventory()
    return _inventory(plan)


def _error(rel: str, line: int, column: int, reason: str) -> Inventory:
    return Inventory(parse_errors=(ParseError(Location(rel, line, column), reason),))


def _line_col(text: str, offset: int) -> tuple[int, int]:
    return LineIndex(text).line_col(offset)


# --- reading -------------------------------------------------------------------------------------


def _read(rel: str, text: str) -> Optional[_Plan]:
    decoded = decode_plan(text)
    members = decoded.members
    _check_version(members.get("format_version"))
    if "resource_changes" not in members and "planned_values" not in members:
        return None  # a state file or other `terraform show -json` output: nothing planned
    raw_changes = members.get("resource_changes") or []
    if not isinstance(raw_changes, list):
        raise PlanShapeError("resource_changes must be a list of resource changes")
    when = plan_date(members.get("timestamp"))
    changes, entries = [], []
    for i, entry in enumerate(raw_changes):
        change = _change(rel, entry, decoded, i, when)
        if change is not None:
            changes.append(change)
            entries.append(entry)
    return _Plan(rel, text, decoded, tuple(changes), tuple(entries))


def _check_version(version: Any) -> None:
    if not isinstance(version, str) or not version:
        raise PlanShapeError("not a Terraform plan: format_version is missing")
    if version.split(".")[0] not in SUPPORTED_MAJOR_VERSIONS:
        raise PlanShapeError(f"unsupported Terraform plan format_version {version!r}: kmslint reads 0.x and 1.x")


def plan_date(timestamp: Any) -> Optional[date]:
    """The day of the plan's ``timestamp`` (RFC 3339, Terraform 1.5 and later), if it has one."""
    if not isinstance(timestamp, str):
        return None
    try:
        return datetime.fromisoformat(timestamp.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def _change(rel: str, entry: Any, decoded: PlanText, i: int, when: Optional[date]) -> Optional[PlanChange]:
    offset = decoded.change_offsets[i]
    where = f"resource_changes[{i}]"
    if not isinstance(entry, dict):
        raise PlanShapeError(f"{where} must be an object", offset)
    address, change = entry.get("address"), entry.get("change")
    if not isinstance(address, str) or not isinstance(change, dict):
        raise PlanShapeError(f"{where} needs an address and a change object", offset)
    actions = change.get("actions")
    if not isinstance(actions, list) or not all(isinstance(a, str) for a in actions):
        raise PlanShapeError(f"{where}.change.actions must be a list of strings", offset)
    if entry.get("mode", "managed") != "managed" or _type_of(entry) not in MODELLED_TYPES:
        return None
    if isinstance(entry.get("deposed"), str):
        address = f"{address} (deposed object {entry['deposed']})"
    line, col = decoded.lines.line_col(offset)
    return PlanChange(
        address=address,
        unit=rel,
        location=Location(rel, line, col),
        resource_type=_type_of(entry),
        actions=tuple(actions),
        before=as_mapping(change.get("before")),
        after=as_mapping(change.get("after")),
        planned_on=when,
    )


# --- the planned state --------------------------------------------------------------------------


def _planned_values(module: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    """Every managed resource of ``planned_values.root_module``, child modules included."""
    if not isinstance(module, dict) or depth > MAX_MODULE_DEPTH:
        return
    for res in as_list(module.get("resources")):
        if isinstance(res, dict) and isinstance(res.get("address"), str) and res.get("mode", "managed") == "managed":
            yield res
    for child in as_list(module.get("child_modules")):
        yield from _planned_values(child, depth + 1)


def _type_of(resource: dict[str, Any]) -> str:
    rtype = resource.get("type")
    return rtype if isinstance(rtype, str) else ""


def _removed(actions: tuple[str, ...]) -> bool:
    """Not in the planned state: deleted without re-creation, or forgotten."""
    return ("delete" in actions or "forget" in actions) and "create" not in actions


def _resources(plan: _Plan) -> list[PlanResource]:
    by_address = {c.address: (c, e) for c, e in zip(plan.changes, plan.entries)}
    root = as_mapping(plan.text.members.get("planned_values")).get("root_module")
    planned = {r["address"]: r for r in _planned_values(root) if _type_of(r) in MODELLED_TYPES}
    out = []
    for address in sorted(set(planned) | {a for a, (c, _) in by_address.items() if not _removed(c.actions)}):
        change, entry = by_address.get(address, (None, {}))
        if change is not None and _removed(change.actions):
            continue
        res = planned.get(address, {})
        rtype = _type_of(res) or _type_of(entry)
        values = as_mapping(res["values"]) if "values" in res else dict(change.after) if change is not None else {}
        unknown = as_mapping(as_mapping(entry.get("change")).get("after_unknown"))
        location = change.location if change is not None else _search(plan, address)
        out.append(PlanResource(address, rtype, values, unknown, location))
    return out


def _search(plan: _Plan, address: str) -> Location:
    """Where a resource without a change entry is named (its ``planned_values`` entry), else the top."""
    for needle in (json.dumps(address), f'"{address}"'):
        offset = plan.source.find(needle)
        if offset >= 0:
            line, col = plan.text.lines.line_col(offset)
            return Location(plan.rel, line, col)
    return Location(plan.rel, 1, 1)


def _inventory(plan: _Plan) -> Inventory:
    cfg = ConfigIndex(plan.text.members.get("configuration"))
    resources = _resources(plan)
    objects = {r.address: (r.type, r.values) for r in resources}
    for c in plan.changes:
        objects.setdefault(c.address, (c.resource_type, dict(c.before)))
    rs = Resolver(objects, cfg)
    keys = [key_of(r, plan.rel, rs) for r in resources if r.type in KEY_TYPES]
    aliases = aliases_of(resources, plan.rel, rs)
    inv = Inventory(keys=link(keys, aliases, policies_of(resources, rs)), aliases=aliases, planned_changes=plan.changes, units=(plan.rel,))
    for res in resources:
        extra = monitoring_of(res, plan.rel, rs)
        if extra is not None:
            inv = inv.merge(extra)
    return inv
