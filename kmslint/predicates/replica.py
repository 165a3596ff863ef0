"""Multi-Region replica predicates (KMS005 (a) and (b))."""

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
    if ref.value.kind == "literal":
        yield Hit(
            ref.location,
            f"The primary key of {key.address} is given as a literal ARN or variable ({ref.value.target}), not a "
            "reference to a key in this configuration, so kmslint cannot check that replicas are deleted before "
            "their primary. Reference the primary resource (e.g. aws_kms_key.primary.arn or !GetAtt Primary.Arn).",
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
            "replicate it. Set multi_region = true (Terraform) or MultiRegion: true (CloudFormation) on the primary.",
            resource=primary.address,
        )
