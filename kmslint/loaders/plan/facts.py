"""Plan facts shared by the plan loader, the plan/HCL pairing and the KMS005 (c) predicate.

Deliberately light (model imports only): the predicate registry imports this module on every
run, and a scan without plans must not pay for the Terraform loader.
"""

from __future__ import annotations

import posixpath
import re
from datetime import date
from typing import Any, Optional

from ...model.resources import REPLICA_KINDS, TERRAFORM_KEY_KINDS, PlannedChange

__all__ = [
    "KEY_RESOURCE_TYPES",
    "PRIMARY_TYPES",
    "REPLICA_TYPES",
    "PlanChange",
    "as_list",
    "as_mapping",
    "config_dir",
    "normalize_address",
    "planned_on",
]

# The Terraform key types, split by role, as the model defines them.
PRIMARY_TYPES = frozenset(t for t, kind in TERRAFORM_KEY_KINDS.items() if kind not in REPLICA_KINDS)
REPLICA_TYPES = frozenset(t for t, kind in TERRAFORM_KEY_KINDS.items() if kind in REPLICA_KINDS)
KEY_RESOURCE_TYPES = PRIMARY_TYPES | REPLICA_TYPES

_INDEX = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]')


PlanChange = PlannedChange  # a ``resource_changes`` entry; the model carries its ``planned_on`` day


def planned_on(change: PlannedChange) -> Optional[date]:
    """The day the plan holding ``change`` was made, when the plan says so."""
    return change.planned_on


def normalize_address(address: str) -> str:
    """A resource address without instance keys: ``module.x[0].aws_kms_key.k["a"]`` -> ``module.x.aws_kms_key.k``.

    The HCL loader models one instance of a ``count`` resource (without an index) while a plan
    lists each instance; both name the same block, which is where a fix goes.
    """
    return _INDEX.sub("", address)


def config_dir(plan_rel: str) -> str:
    """The configuration unit a plan belongs to: the Terraform root module in its directory."""
    return posixpath.dirname(plan_rel) or "."


def as_list(value: Any) -> list[Any]:
    """A plan array, or an empty one for null or junk."""
    return list(value) if isinstance(value, list) else []


def as_mapping(value: Any) -> dict[str, Any]:
    """A plan object (``before``, ``after``, ``values``), or an empty one for null or junk."""
    return value if isinstance(value, dict) else {}
