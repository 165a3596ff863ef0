"""Plan facts shared by the plan loader, the plan/HCL pairing and the KMS005 (c) predicate.

Deliberately light (model imports only): the predicate registry imports this module on every
run, and a scan without plans must not pay for the Terraform loader.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Optional

from ...model.resources import PlannedChange

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

# The Terraform key types, split by role. They name the same types as the Terraform loader's
# KEY_TYPES (tests/test_plan_loader.py checks it); spelled out here so that predicates do not
# import the HCL parser.
PRIMARY_TYPES = frozenset({"aws_kms_key", "aws_kms_external_key"})
REPLICA_TYPES = frozenset({"aws_kms_replica_key", "aws_kms_replica_external_key"})
KEY_RESOURCE_TYPES = PRIMARY_TYPES | REPLICA_TYPES

_INDEX = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]]*)\]')


@dataclass(frozen=True)
class PlanChange(PlannedChange):
    """A ``resource_changes`` entry, plus the day the plan was made (its ``timestamp``).

    ``unit`` is the plan file (its relative path), even when the plan's resources are paired
    with the HCL of its directory: two plans of one configuration stay apart.
    """

    planned_on: Optional[date] = None


def planned_on(change: PlannedChange) -> Optional[date]:
    """The day the plan holding ``change`` was made, when the plan says so."""
    return change.planned_on if isinstance(change, PlanChange) else None


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
