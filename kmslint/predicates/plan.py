"""KMS005 (c): a Terraform plan must not delete a multi-Region primary whose replicas survive it.

AWS does not delete a primary key while replicas of it exist: the primary sits in
``PendingReplicaDeletion`` (unusable) until every replica is deleted, and only then does its own
waiting period start. A plan that destroys or replaces a primary while a replica stays (no-op,
update, or forgotten) is a mistake: delete the replicas first, or promote a replica.

The rule's target is a key, so each problem is reported by one key: the first surviving replica
(by address) that is a key of the scan, else the configuration's first key. The finding is located
at the primary's change: one finding per primary and plan, whether the plan is scanned alone or
with its HCL (:mod:`kmslint.loaders.plan.pair`).
A replica belongs to a primary when its ``primary_key_arn`` equals the primary's ARN before the
change, or when the configuration references the primary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Iterator, Mapping, Optional, Sequence

from ..engine.api import Hit, Outcome, Undecided
from ..loaders.plan.facts import config_dir, normalize_address
from ..model.resources import Inventory, Key, PlannedChange, PrimaryRef

__all__ = ["Deletion", "earliest_loss", "matched_by_plan", "ordering_outcomes", "replica_ordering"]

AWS_DEFAULT_WINDOW = 30  # days, when deletion_window_in_days is null (RULES.md, AWS defaults)



def replica_ordering(key: Key, params: Mapping[str, Any], inv: Inventory) -> Iterator[Outcome]:
    """KMS005 (c), dated from the plan's timestamp, or today when the plan has none."""
    yield from ordering_outcomes(key, inv)


def ordering_outcomes(key: Key, inv: Inventory, today: Optional[date] = None) -> Iterator[Outcome]:
    """The predicate with an injectable ``today`` (used only when a plan has no timestamp)."""
    for plan, changes in _plans_of(key, inv).items():
        primaries = [c for c in changes if c.is_primary_key and c.deletes]
        if not primaries:
            continue
        keys = _PlanKeys(plan, inv)
        replicas = sorted((c for c in changes if c.is_replica_key), key=lambda c: c.address)
        for primary in primaries:
            yield from _judge(key, _Judgement.of(plan, primary, replicas, keys), keys, today)


@dataclass(frozen=True)
class Deletion:
    """A primary a plan deletes, and the replicas of it the plan leaves in place."""

    plan: str
    primary: PlannedChange
    survivors: tuple[PlannedChange, ...]

    @property
    def replaced(self) -> bool:
        return "create" in self.primary.actions


# --- which plan, which change, which key ---------------------------------------------------------


def _plans_of(key: Key, inv: Inventory) -> dict[str, list[PlannedChange]]:
    """The planned changes of KMS keys, by plan, for each plan that covers the key's unit."""
    out: dict[str, list[PlannedChange]] = {}
    for c in [c for c in inv.planned_changes if c.key_kind is not None]:  # plans are mostly other resources
        if c.unit == key.unit or config_dir(c.unit) == key.unit:
            out.setdefault(c.unit, []).append(c)
    return out


def _is_change_of(change: PlannedChange, key: Key) -> bool:
    """A plan key is one instance; an HCL key is the block every instance comes from."""
    if key.source_format == "plan":
        return change.address == key.address
    return normalize_address(change.address) == normalize_address(key.address)


class _PlanKeys:
    """The keys of the scan a plan's changes can be: the plan's own, or its directory's HCL."""

    def __init__(self, plan: str, inv: Inventory) -> None:
        units = (plan, config_dir(plan))
        self.keys = sorted((k for k in inv.keys if k.unit in units), key=lambda k: (k.address, k.unit))
        self.by_block: dict[str, list[Key]] = {}
        for k in self.keys:
            self.by_block.setdefault(normalize_address(k.address), []).append(k)

    def find(self, change: PlannedChange) -> Optional[Key]:
        return next((k for k in self.by_block.get(normalize_address(change.address), ()) if _is_change_of(change, k)), None)

    def anchor(self, deletion: Deletion) -> Optional[Key]:
        """The one key that reports a deletion: its first surviving replica that is a key of the
        scan, else (every survivor is forgotten) the first key of the configuration."""
        found = (self.find(r) for r in deletion.survivors)
        return next((k for k in found if k is not None), self.keys[0] if self.keys else None)


def _primary_arn_of(replica: PlannedChange) -> Any:
    for values in (replica.after, replica.before):
        arn = values.get("primary_key_arn")
        if isinstance(arn, str) and arn:
            return arn
    return None


def _belongs(replica: PlannedChange, primary: PlannedChange, replica_key: Optional[Key]) -> Optional[bool]:
    """Is ``replica`` a replica of ``primary``? None when neither its ARN nor a reference tells."""
    arn, primary_arn = _primary_arn_of(replica), primary.before.get("arn")
    if isinstance(arn, str) and arn == primary_arn:
        return True
    ref = replica_key.get("primary") if replica_key is not None and replica_key.is_replica else None
    if ref is not None and isinstance(ref.value, PrimaryRef) and ref.value.kind == "resource":
        return normalize_address(ref.value.target) == normalize_address(primary.address)
    return None if arn is None or not isinstance(primary_arn, str) else False


def matched_by_plan(key: Key, inv: Inventory) -> bool:
    """Does a plan covering this replica hold its primary, by ARN (``before`` or ``after``)? Then the
    plan itself tells kmslint which primary it belongs to, and the ordering check (KMS005 (c)) has
    really been made: no note that it could not be."""
    for changes in _plans_of(key, inv).values():
        arns = {c.before.get("arn") for c in changes if c.is_primary_key} | {c.after.get("arn") for c in changes if c.is_primary_key}
        arns.discard(None)
        for change in changes:
            if change.is_replica_key and _is_change_of(change, key) and _primary_arn_of(change) in arns:
                return True
    return False


# --- the check ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Judgement:
    """One deleted primary: the replicas that survive it, and those kmslint cannot place."""

    deletion: Deletion
    undecided: tuple[PlannedChange, ...]

    @staticmethod
    def of(plan: str, primary: PlannedChange, replicas: Sequence[PlannedChange], keys: _PlanKeys) -> "_Judgement":
        verdicts = [(r, _belongs(r, primary, keys.find(r))) for r in replicas if not r.deletes]
        survivors = tuple(r for r, v in verdicts if v is True)
        return _Judgement(Deletion(plan, primary, survivors), tuple(r for r, v in verdicts if v is None))


def _judge(key: Key, judgement: _Judgement, keys: _PlanKeys, today: Optional[date]) -> Iterator[Outcome]:
    deletion = judgement.deletion
    primary = deletion.primary
    if any(keys.find(r) is key for r in judgement.undecided):
        yield Undecided(key.location, f"cannot tell whether {key.address} is a replica of {primary.address}, which the plan deletes")
    if deletion.survivors and keys.anchor(deletion) is key:
        yield Hit(primary.location, message(deletion, _start(primary, today)), resource=primary.address)


def _start(primary: PlannedChange, today: Optional[date]) -> date:
    return primary.planned_on or today or date.today()


# --- the message -----------------------------------------------------------------------------------


def _window(values: Mapping[str, Any]) -> int:
    """A key's deletion window in days as the plan records it (AWS's 30 when null)."""
    days = values.get("deletion_window_in_days")
    return days if isinstance(days, int) and not isinstance(days, bool) and days > 0 else AWS_DEFAULT_WINDOW


def earliest_loss(deletion: Deletion, start: date) -> tuple[date, int, int]:
    """(the earliest day the key material is gone, the longest replica window, the primary's window).

    Replicas are deleted first, in parallel, each after its own window; the primary's window only
    starts once the last of them is gone.
    """
    replica_days = max((_window(r.after or r.before) for r in deletion.survivors), default=0)
    primary_days = _window(deletion.primary.before)
    return start + timedelta(days=replica_days + primary_days), replica_days, primary_days


def _describe(change: PlannedChange) -> str:
    if "forget" in change.actions:
        return f"{change.address} (forgotten by Terraform, still in AWS)"
    return change.address


def message(deletion: Deletion, start: date) -> str:
    names = [_describe(r) for r in deletion.survivors]
    replicas = f"replica {names[0]} is" if len(names) == 1 else f"replicas {', '.join(names)} are"
    verb = "replaces (destroys and re-creates)" if deletion.replaced else "destroys"
    gone, replica_days, primary_days = earliest_loss(deletion, start)
    return (
        f"The plan {deletion.plan} {verb} the multi-Region primary key {deletion.primary.address}, but its {replicas} "
        "not deleted in the same plan. AWS does not delete a primary key while replicas exist: it becomes unusable "
        "(PendingReplicaDeletion) until they are gone. Either delete the replicas first (in an earlier apply, or in "
        "this plan, so that Terraform deletes them before the primary), or promote a replica to primary "
        "(aws kms update-primary-region, UpdatePrimaryRegion) before deleting this key. Once the replicas and then "
        f"the primary are deleted, data encrypted under this key is unrecoverable from {gone.isoformat()} at the "
        f"earliest ({start.isoformat()} + {replica_days} days replica window + {primary_days} days primary window)."
    )
