"""Multi-Region replica predicates (KMS005 (a) and (b)).

CloudFormation differs from Terraform here: a stack deploys to one Region and a replica must be in
another Region than its primary, so a template always names the primary by ARN, parameter or
import. That is the only way to write it, so it gets no "cannot check" note; a template that
references a primary of its own (``!GetAtt Primary.Arn``) cannot deploy, which is reported.
"""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from ..engine.api import Hit, Outcome, Undecided
from ..model.resources import Inventory, Key, PrimaryRef


def replica_primary(key: Key, params: Mapping[str, Any], inv: Inventory) -> Iterator[Outcome]:
    """A replica must reference a multi-Region primary declared in the same configuration."""
    if not key.is_replica:
        return
    ref = key.get("primary")
    if not ref.known or not isinstance(ref.value, PrimaryRef):
        yield Undecided(ref.location, "primary key reference could not be resolved")
        return
    if key.source_format == "cloudformation":
        yield from _same_stack(key, ref.value, ref.location)
        return
    if ref.value.kind == "literal":
        if not _matched_by_plan(key, inv):
            yield Hit(
                ref.location,
                f"The primary key of {key.address} is given as a literal ARN or variable ({ref.value.target}), not a "
                "reference to a key in this configuration, so kmslint cannot check that replicas are deleted before "
                "their primary. Reference the primary resource (e.g. primary_key_arn = aws_kms_key.primary.arn, with "
                "a provider alias for the primary's Region).",
                level="note",
            )
        return
    primary = inv.key(key.unit, ref.value.target)
    if primary is None:
        yield Undecided(ref.location, f"primary {ref.value.target} is not in the scanned sources")
        return
    multi = primary.get("multi_region")
    if not multi.known:
        yield Undecided(multi.location, "multi_region could not be resolved")
    elif multi.value is not True:
        yield Hit(
            multi.location,
            f"{primary.address} is the primary of replica {key.address} but is not a multi-Region key: AWS refuses to "
            "replicate it. Set multi_region = true on the primary.",
            resource=primary.address,
        )


def _same_stack(key: Key, ref: PrimaryRef, where: Any) -> Iterator[Outcome]:
    """A CloudFormation replica whose primary is a key of the same template cannot deploy."""
    if ref.kind != "resource":
        return  # an ARN, parameter or import: the only way a template can name its primary
    yield Hit(
        where,
        f"Replica {key.address} names {ref.target}, a key of this same template, as its primary: this cannot deploy. "
        "A stack deploys to one Region and a replica must be in another Region than its primary, so AWS rejects "
        f"the replica. Deploy {key.address} in a stack in the replica's Region and pass the primary's ARN in as a "
        "parameter (or an SSM parameter the primary's stack writes, or a StackSets parameter).",
    )


def _matched_by_plan(key: Key, inv: Inventory) -> bool:
    if not inv.planned_changes:
        return False
    from .plan import matched_by_plan  # the plan predicates load only when a plan is scanned

    return matched_by_plan(key, inv)
