"""The named Python predicates rules may use (``check: {predicate: NAME}``).

An explicit registry, so ``grep`` finds every predicate a rule can name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping

from . import monitoring, plan, policy, replica

if TYPE_CHECKING:
    from ..model.resources import Inventory

PREDICATES: dict[str, Callable[[Any, Mapping[str, Any], "Inventory"], Iterable[Any]]] = {
    "monitoring.deletion_alarm": monitoring.deletion_alarm,
    "monitoring.pending_deletion_alarm": monitoring.pending_deletion_alarm,
    "plan.replica_ordering": plan.replica_ordering,
    "policy.destructive_without_mfa": policy.destructive_without_mfa,
    "policy.public_access": policy.public_access,
    "policy.window_guard": policy.window_guard,
    "replica.primary_reference": replica.replica_primary,
}
