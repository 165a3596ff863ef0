"""Which CloudTrail events a monitor can see: its Region, and whether its log group gets CloudTrail.

- An EventBridge rule sees the events of its own Region only.
- A metric filter sees what its log group receives: the trail that delivers there sends the
  events of the trail's Region, or of every Region for a multi-Region trail
  (``is_multi_region_trail`` / ``IsMultiRegionTrail``).

Regions are compared as the loaders identify them (see :class:`kmslint.model.resources.Trail`):
``region:<name>`` when known, ``provider:<ref>`` when only the provider configuration is known,
``""`` in a CloudFormation template. Equal identities are the same Region; two known names that
differ are different Regions; anything else is UNKNOWN, which callers report as not checked,
never guess.
"""

from __future__ import annotations

from typing import Any

from ..model.resources import Inventory, Key, MetricFilter
from ..model.values import UNKNOWN, Tri, Value

__all__ = ["filter_sees_cloudtrail", "filter_sees_region", "key_region", "same_region"]


def key_region(key: Key, inv: Inventory) -> Value[Any]:
    """The key's Region identity; a key no loader gave one is in its template's Region (``""``)."""
    for kr in inv.key_regions:
        if kr.unit == key.unit and kr.address == key.address:
            return kr.region
    return Value("", key.location)


def same_region(a: Any, b: Any) -> Tri:
    """True, False (two known Region names that differ), or UNKNOWN."""
    if not isinstance(a, str) or not isinstance(b, str):
        return UNKNOWN
    if a == b:
        return True
    return False if a.startswith("region:") and b.startswith("region:") else UNKNOWN


def _trails_to(mf: MetricFilter, inv: Inventory) -> tuple[list[Any], bool]:
    """The trails known to deliver to the filter's log group, and whether some trail's
    destination is unknown (so it might deliver there too)."""
    group = mf.log_group.value
    hits = [t for t in inv.trails if t.log_group.known and group is not UNKNOWN and t.log_group.value == group]
    unsure = any(not t.log_group.known for t in inv.trails)
    return hits, unsure


def filter_sees_cloudtrail(mf: MetricFilter, inv: Inventory) -> Tri:
    """True: a trail in the scan delivers to its log group. False: the log group is declared in
    the scan and no trail there delivers to it. UNKNOWN otherwise (the source is not in the scan)."""
    hits, unsure = _trails_to(mf, inv)
    if hits:
        return True
    group = mf.log_group.value
    declared = group is not UNKNOWN and any(g.name.known and g.name.value == group for g in inv.log_groups)
    return False if declared and not unsure else UNKNOWN


def filter_sees_region(mf: MetricFilter, region: Any, inv: Inventory) -> Tri:
    """Does the filter see CloudTrail events of ``region``?"""
    hits, unsure = _trails_to(mf, inv)
    if any(t.multi_region.value is True for t in hits):
        return True
    direct = same_region(mf.region.value, region)
    if direct is not False:
        return direct
    # Another Region: only a multi-Region trail (or one whose settings are unknown) helps.
    if unsure or any(t.multi_region.value is UNKNOWN for t in hits) or (not hits and mf.log_group.value is UNKNOWN):
        return UNKNOWN
    return False if hits else UNKNOWN
