"""The common model: every loader produces it, every rule reads it."""

from .policy import Condition, Policy, Principal, Statement, action_matches, default_policy, policy_from_json
from .resources import (
    Alarm,
    Alias,
    EventRule,
    EventTarget,
    Ignore,
    Inventory,
    Key,
    MetricFilter,
    ParseError,
    PlannedChange,
    PolicyDocument,
    PrimaryRef,
)
from .values import UNKNOWN, Location, Presence, Tri, Value

__all__ = [
    "UNKNOWN",
    "Alarm",
    "Alias",
    "Condition",
    "EventRule",
    "EventTarget",
    "Ignore",
    "Inventory",
    "Key",
    "Location",
    "MetricFilter",
    "ParseError",
    "PlannedChange",
    "Policy",
    "PolicyDocument",
    "Presence",
    "PrimaryRef",
    "Principal",
    "Statement",
    "Tri",
    "Value",
    "action_matches",
    "default_policy",
    "policy_from_json",
]
