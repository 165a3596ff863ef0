"""Building small ``terraform show -json`` plans for the plan loader and KMS005 (c) tests."""

from __future__ import annotations

import json
from typing import Any, Optional

ACCOUNT = "111122223333"
PROVIDER = "registry.terraform.io/hashicorp/aws"
MRK = "mrk-1111aaaa2222bbbb3333cccc4444dddd"  # a multi-Region key id: the same in every Region


def arn(region: str, key_id: str = MRK) -> str:
    return f"arn:aws:kms:{region}:{ACCOUNT}:key/{key_id}"


PRIMARY_ARN = arn("us-east-1")


def key_values(key_id: str = MRK, region: str = "us-east-1", **over: Any) -> dict[str, Any]:
    """An aws_kms_key as state records it (every attribute present, unset strings empty)."""
    values = {
        "arn": arn(region, key_id),
        "bypass_policy_lockout_safety_check": False,
        "custom_key_store_id": "",
        "customer_master_key_spec": "SYMMETRIC_DEFAULT",
        "deletion_window_in_days": 30,
        "enable_key_rotation": True,
        "id": key_id,
        "is_enabled": True,
        "key_id": key_id,
        "key_usage": "ENCRYPT_DECRYPT",
        "multi_region": True,
        "policy": json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "kms:*", "Resource": "*"}]}),
        "rotation_period_in_days": 365,
        "xks_key_id": "",
    }
    values.update(over)
    return values


def replica_values(primary_arn: str = PRIMARY_ARN, region: str = "eu-west-1", **over: Any) -> dict[str, Any]:
    values = {
        "arn": arn(region),
        "bypass_policy_lockout_safety_check": False,
        "deletion_window_in_days": 30,
        "enabled": True,
        "id": MRK,
        "key_id": MRK,
        "key_spec": "SYMMETRIC_DEFAULT",
        "key_usage": "ENCRYPT_DECRYPT",
        "policy": key_values()["policy"],
        "primary_key_arn": primary_arn,
    }
    values.update(over)
    return values


def _removed(actions: list[str]) -> bool:
    return ("delete" in actions or "forget" in actions) and "create" not in actions


def change(address: str, rtype: str, actions: list[str], before: Optional[dict[str, Any]] = None,
           after: Optional[dict[str, Any]] = None, unknown: Optional[dict[str, Any]] = None, **extra: Any) -> dict[str, Any]:
    """A resource_changes entry; ``after`` defaults to ``before`` for no-op and update."""
    if after is None and not _removed(actions):
        after = before
    entry = {"address": address, "mode": "managed", "type": rtype, "name": address.split(".")[-1].split("[")[0]}
    entry.update(extra)
    entry["change"] = {
        "actions": actions,
        "before": before,
        "after": None if _removed(actions) else after,
        "after_unknown": unknown or {},
    }
    return entry


def _module_of(address: str) -> str:
    parts = address.split(".")
    i = 0
    while i + 1 < len(parts) and parts[i] == "module":
        i += 2
    return ".".join(parts[:i])


def planned_values(changes: list[dict[str, Any]]) -> dict[str, Any]:
    """planned_values for the changes' surviving resources, grouped into nested child modules."""
    modules: dict[str, list[dict[str, Any]]] = {}
    for c in changes:
        if c.get("mode", "managed") != "managed" or _removed(c["change"]["actions"]):
            continue
        unknown = c["change"].get("after_unknown") or {}
        values = {k: v for k, v in (c["change"]["after"] or {}).items() if not unknown.get(k)}
        modules.setdefault(_module_of(c["address"]), []).append({"address": c["address"], "mode": "managed", "type": c["type"], "name": c["name"], "values": values})
    return {"root_module": _module("", modules)}


def _module(prefix: str, modules: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {"resources": modules.get(prefix, [])}
    every = set()
    for m in modules:
        while m:
            every.add(m)
            m = _parent(m)
    children = sorted(m for m in every if _parent(m) == prefix)
    if prefix:
        out["address"] = prefix
    if children:
        out["child_modules"] = [_module(m, modules) for m in children]
    return out


def _parent(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:-2])


def configuration(resources: dict[str, dict[str, Any]], calls: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """A configuration section: root resources (address -> expressions) and module calls."""
    root: dict[str, Any] = {
        "resources": [
            {"address": a, "mode": "managed", "type": a.split(".")[0], "name": a.split(".")[1], "expressions": e}
            for a, e in resources.items()
        ]
    }
    if calls:
        root["module_calls"] = calls
    return {"root_module": root}


def refs(*references: str) -> dict[str, Any]:
    return {"references": list(references)}


def plan(changes: list[dict[str, Any]], version: str = "1.2", timestamp: Optional[str] = "2025-03-01T09:30:00Z",
         config: Optional[dict[str, Any]] = None, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"format_version": version, "planned_values": planned_values(changes), "resource_changes": changes}
    if config is not None:
        doc["configuration"] = config
    if timestamp is not None:
        doc["timestamp"] = timestamp
    doc.update(extra)
    return doc


def text(doc: dict[str, Any], indent: Optional[int] = 2) -> str:
    return json.dumps(doc, indent=indent) + "\n"


def line_of(source: str, address: str) -> int:
    """The line of a change's ``"address"`` inside resource_changes."""
    start = source.index('"resource_changes"')
    return source[: source.index(json.dumps(address), start)].count("\n") + 1
