"""The common model every loader produces and every rule reads.

AWS defaults and derived facts live here, once: a loader records only what the source says
(``attrs``), and :meth:`Key.get` fills in what AWS does when the source is silent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping, Optional

from .policy import Policy, default_policy
from .values import UNKNOWN, Location, Presence, Tri, Value, tri_all, tri_not

KEY_KINDS = ("key", "replica", "external", "replica-external")
REPLICA_KINDS = frozenset({"replica", "replica-external"})

# The Terraform resource types that declare a customer managed key, and the kind each declares.
TERRAFORM_KEY_KINDS: dict[str, str] = {
    "aws_kms_key": "key",
    "aws_kms_external_key": "external",
    "aws_kms_replica_key": "replica",
    "aws_kms_replica_external_key": "replica-external",
}

SYMMETRIC_DEFAULT = "SYMMETRIC_DEFAULT"
ENCRYPT_DECRYPT = "ENCRYPT_DECRYPT"
AWS_KMS = "AWS_KMS"
ROTATION_PERIOD_RANGE = (90, 2560)
DELETION_WINDOW_RANGE = (7, 30)

# AWS's behaviour when an attribute is absent (RULES.md, "Model AWS defaults explicitly").
_DEFAULTS: dict[str, Any] = {
    "spec": SYMMETRIC_DEFAULT,
    "usage": ENCRYPT_DECRYPT,
    "origin": AWS_KMS,
    "custom_key_store": None,
    "multi_region": False,
    "enabled": True,
    "rotation": False,
    "rotation_period": None,
    "deletion_window": 30,
    "bypass_lockout": False,
    "material_expires": False,
    "deletion_protection": False,
    "primary": None,
}
KEY_ATTRS = frozenset(_DEFAULTS)


@dataclass(frozen=True)
class PrimaryRef:
    """What a replica's ``primary_key_arn`` points at.

    ``kind`` is ``resource`` (a key declared in the same configuration unit, by ``address``) or
    ``literal`` (an ARN string or a variable: deletion order cannot be guaranteed).
    """

    kind: str
    target: str


@dataclass(frozen=True)
class Key:
    """A customer managed KMS key of any kind, from any source format."""

    address: str  # aws_kms_key.a, module.m.aws_kms_key.this, or a CloudFormation logical id
    resource_type: str  # aws_kms_key, AWS::KMS::Key, ...
    kind: str  # one of KEY_KINDS
    unit: str  # configuration unit: Terraform root module dir or template path
    location: Location  # the resource header
    attrs: Mapping[str, Value[Any]] = field(default_factory=dict)
    policy: Optional[Policy] = None  # None: no policy in the source, AWS attaches the default
    aliases: tuple[str, ...] = ()  # addresses of aliases that target this key
    alias_unknown: bool = False  # some alias in the unit has a target that could not be resolved
    source_format: str = "terraform"
    anchor: Optional[Location] = None  # the root module's call of the module declaring this key
    # CloudFormation Fn::If variants: the condition values (of the conditions inside the key policy) under
    # which this variant's policy applies, one tuple of (condition, value) pairs per combination.
    policy_branches: tuple[tuple[tuple[str, bool], ...], ...] = ()

    @property
    def unit_location(self) -> Location:
        """Where a unit-level finding about this key goes: in the unit itself, not in a module."""
        return self.anchor or self.location

    def get(self, name: str) -> Value[Any]:
        """The attribute as AWS sees it: the source's value, or the AWS default at the header."""
        if name not in KEY_ATTRS:
            raise KeyError(f"Key has no attribute {name!r}")
        if name in self.attrs:
            return self.attrs[name]
        default = _DEFAULTS[name]
        if name == "origin" and self.kind in ("external", "replica-external"):
            default = "EXTERNAL"
        return Value(default, self.location, Presence.DEFAULT)

    # --- derived facts (tested in tests/test_model.py) ------------------------------------

    @property
    def is_replica(self) -> bool:
        return self.kind in REPLICA_KINDS

    @property
    def is_external(self) -> bool:
        return self.kind in ("external", "replica-external") or self.get("origin").value == "EXTERNAL"

    @property
    def may_import_material(self) -> bool:
        """Its origin may be EXTERNAL (imported key material): known, or not known to be otherwise."""
        return self.is_external or self.get("origin").value is UNKNOWN

    @property
    def uses_custom_store(self) -> Tri:
        store = self.get("custom_key_store").value
        origin = self.get("origin").value
        if store is UNKNOWN or origin is UNKNOWN:
            return UNKNOWN
        return bool(store) or origin in ("AWS_CLOUDHSM", "EXTERNAL_KEY_STORE")

    @property
    def rotation_supported(self) -> Tri:
        """Can AWS rotate this key's material automatically?

        Only symmetric encryption keys with AWS-generated material outside a custom key store.
        """
        spec, usage, origin = (self.get(n).value for n in ("spec", "usage", "origin"))
        parts: list[Tri] = [
            UNKNOWN if spec is UNKNOWN else spec == SYMMETRIC_DEFAULT,
            UNKNOWN if usage is UNKNOWN else usage == ENCRYPT_DECRYPT,
            UNKNOWN if origin is UNKNOWN else origin == AWS_KMS,
            tri_not(self.uses_custom_store),
        ]
        return tri_all(parts)

    @property
    def rotation_required(self) -> Tri:
        """Rotation must be switched on here: supported, and not a replica (replicas follow)."""
        return False if self.is_replica else self.rotation_supported

    @property
    def rotation_requested(self) -> Value[Any]:
        """Rotation switched on, or a rotation period set; located where it is requested."""
        rot, period = self.get("rotation"), self.get("rotation_period")
        if rot.value is True:
            return rot
        if period.is_set and period.known:
            return Value(True, period.location)
        if rot.value is UNKNOWN:
            return rot
        return Value(False, rot.location, Presence.DEFAULT)

    @property
    def effective_deletion_window(self) -> Value[Any]:
        return self.get("deletion_window")

    @property
    def is_enabled(self) -> Tri:
        v = self.get("enabled").value
        return UNKNOWN if v is UNKNOWN else bool(v)

    @property
    def has_alias(self) -> Tri:
        if self.aliases:
            return True
        return UNKNOWN if self.alias_unknown else False

    @property
    def effective_policy(self) -> Policy:
        return self.policy if self.policy is not None else default_policy(self.location)

    @property
    def policy_location(self) -> Location:
        return self.policy.location if self.policy is not None else self.location


@dataclass(frozen=True)
class Alias:
    address: str
    unit: str
    location: Location
    name: Value[Any]
    target: Value[Any]  # the key's address when resolved to a key in the unit


def _default(value: Any) -> Any:
    """A dataclass default: AWS's behaviour when the source is silent, located nowhere."""
    return field(default_factory=lambda: Value(value, Location("", 1), Presence.DEFAULT))


# What CloudWatch Logs assumes for a metric filter's transformation the source leaves out.
FILTER_DEFAULTS: dict[str, Any] = {"metric_value": "1", "dimensions": ()}


@dataclass(frozen=True)
class MetricFilter:
    address: str
    unit: str
    location: Location
    pattern: Value[Any]
    metric_name: Value[Any]
    namespace: Value[Any]
    name: Value[Any] = _default(None)  # the filter's own name (Terraform ``id``, CloudFormation ``Ref``)
    metric_value: Value[Any] = _default(FILTER_DEFAULTS["metric_value"])  # what one matching event adds: a number, or ``$.field``
    dimensions: Value[Any] = _default(FILTER_DEFAULTS["dimensions"])  # names of the metric's dimensions; () when it has none
    log_group: Value[Any] = _default(UNKNOWN)  # the log group's name
    region: Value[Any] = _default("")  # see Trail.region


# What CloudWatch assumes for an alarm setting the source leaves out (PutMetricAlarm), in one place:
# every loader reads its format's names into these fields and falls back to these values.
ALARM_DEFAULTS: dict[str, Any] = {
    "dimensions": (),
    "statistic": None,
    "comparison": None,
    "threshold": None,
    "evaluation_periods": 1,
    "datapoints_to_alarm": None,
    "treat_missing_data": "missing",
}


@dataclass(frozen=True)
class Alarm:
    address: str
    unit: str
    location: Location
    metric_name: Value[Any]
    namespace: Value[Any]
    actions: Value[Any]  # tuple of action ARNs; empty tuple: no action
    actions_enabled: Value[Any] = field(default_factory=lambda: Value(True, Location("", 1), Presence.DEFAULT))
    metric_filter: Value[Any] = _default("")  # address of the filter whose name is the metric (``.id``, ``!Ref``)
    dimensions: Value[Any] = _default(ALARM_DEFAULTS["dimensions"])  # names of the dimensions the alarm asks for
    statistic: Value[Any] = _default(ALARM_DEFAULTS["statistic"])  # Sum, SampleCount, Average, ...; None: extended or unknown
    comparison: Value[Any] = _default(ALARM_DEFAULTS["comparison"])
    threshold: Value[Any] = _default(ALARM_DEFAULTS["threshold"])
    evaluation_periods: Value[Any] = _default(ALARM_DEFAULTS["evaluation_periods"])
    datapoints_to_alarm: Value[Any] = _default(ALARM_DEFAULTS["datapoints_to_alarm"])  # None: evaluation_periods
    treat_missing_data: Value[Any] = _default(ALARM_DEFAULTS["treat_missing_data"])


READ_ONLY_STATE = "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"


@dataclass(frozen=True)
class EventRule:
    address: str
    unit: str
    location: Location
    name: Value[Any]
    pattern: Value[Any]  # the parsed event pattern (a dict), or UNKNOWN
    enabled: Value[Any] = field(default_factory=lambda: Value(True, Location("", 1), Presence.DEFAULT))
    inline_targets: int = 0  # CloudFormation carries targets inside the rule
    bus: Value[Any] = field(default_factory=lambda: Value("default", Location("", 1), Presence.DEFAULT))
    state: Value[Any] = _default("ENABLED")  # ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
    region: Value[Any] = _default("")  # see Trail.region: a rule sees only its own Region's events

    @property
    def sees_read_only_events(self) -> Tri:
        """EventBridge delivers read-only management events (Decrypt, Encrypt, ...) only to rules in
        state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS ("Receiving read-only management events")."""
        state = self.state.value
        return UNKNOWN if state is UNKNOWN else state == READ_ONLY_STATE

    @property
    def sees_aws_events(self) -> Tri:
        """AWS delivers CloudTrail events to the default event bus only; a rule on another bus sees
        them only if a default-bus rule forwards them (and that forwarding rule is the coverage)."""
        bus = self.bus.value
        if bus is UNKNOWN:
            return UNKNOWN
        return bus in (None, "", "default") or str(bus).endswith(":event-bus/default")


@dataclass(frozen=True)
class Trail:
    """A CloudTrail trail, for what it delivers to CloudWatch Logs.

    ``region`` identifies a Region without naming it: the Terraform provider configuration the
    resource uses (``aws``, ``aws.eu``), ``""`` for a CloudFormation template (one Region), or
    UNKNOWN (a module whose caller passes ``providers``). Equal values are the same Region;
    different ones may or may not be."""

    address: str
    unit: str
    location: Location
    log_group: Value[Any]  # the name of the log group it delivers to; None: none
    multi_region: Value[Any]
    region: Value[Any] = _default("")


@dataclass(frozen=True)
class LogGroup:
    address: str
    unit: str
    location: Location
    name: Value[Any]


@dataclass(frozen=True)
class KeyRegion:
    """The Region of a key (see :class:`Trail` for how a Region is identified)."""

    address: str
    unit: str
    region: Value[Any]


@dataclass(frozen=True)
class EventTarget:
    address: str
    unit: str
    location: Location
    rule: Value[Any]  # the rule's address when resolved, else its name


@dataclass(frozen=True)
class PolicyDocument:
    """A standalone key-policy JSON file."""

    address: str
    unit: str
    location: Location
    policy: Policy


@dataclass(frozen=True)
class PlannedChange:
    """One ``resource_changes`` entry of a Terraform plan."""

    address: str
    unit: str
    location: Location
    resource_type: str
    actions: tuple[str, ...]
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    planned_on: Optional[date] = None  # the plan's timestamp, when it has one

    @property
    def deletes(self) -> bool:
        return "delete" in self.actions

    @property
    def key_kind(self) -> Optional[str]:
        """The kind of key this change is about, or None for any other resource."""
        return TERRAFORM_KEY_KINDS.get(self.resource_type)

    @property
    def is_primary_key(self) -> bool:
        kind = self.key_kind
        return kind is not None and kind not in REPLICA_KINDS

    @property
    def is_replica_key(self) -> bool:
        return self.key_kind in REPLICA_KINDS


@dataclass(frozen=True)
class ParseError:
    """A recognised file that could not be parsed: becomes a KMS000 finding."""

    location: Location
    reason: str
    address: str = ""  # the resource it belongs to, when the failure is inside one (a key policy)


@dataclass(frozen=True, order=True)
class Unchecked:
    """Something kmslint recognised but could not check: a module call it cannot follow, a policy from a
    macro, a value that decides a rule and stays unknown. Reported in every format (JSON ``unchecked``,
    SARIF tool notifications, the text summary) and never changes the exit code: silence about a blind
    spot is the one thing a security linter must not do."""

    location: Location
    reason: str
    rule_id: str = ""  # set when a rule's verdict stayed undecided (an unknown value decides it)


@dataclass(frozen=True)
class Ignore:
    """A suppression a loader found in the source (e.g. CloudFormation resource Metadata).

    It silences ``rule_id`` findings located in ``path`` between ``start_line`` and ``end_line``.
    An empty ``reason`` is itself reported: suppressions must say why.
    """

    path: str
    start_line: int
    end_line: int
    rule_id: str
    reason: str
    location: Location


@dataclass(frozen=True)
class Inventory:
    """Everything the loaders found in one scan."""

    keys: tuple[Key, ...] = ()
    aliases: tuple[Alias, ...] = ()
    metric_filters: tuple[MetricFilter, ...] = ()
    alarms: tuple[Alarm, ...] = ()
    event_rules: tuple[EventRule, ...] = ()
    event_targets: tuple[EventTarget, ...] = ()
    policy_documents: tuple[PolicyDocument, ...] = ()
    planned_changes: tuple[PlannedChange, ...] = ()
    parse_errors: tuple[ParseError, ...] = ()
    ignores: tuple[Ignore, ...] = ()
    units: tuple[str, ...] = ()
    unchecked: tuple[Unchecked, ...] = ()
    trails: tuple[Trail, ...] = ()
    log_groups: tuple[LogGroup, ...] = ()
    key_regions: tuple[KeyRegion, ...] = ()

    def merge(self, other: "Inventory") -> "Inventory":
        return Inventory(
            **{
                name: getattr(self, name) + tuple(x for x in getattr(other, name) if name != "units" or x not in self.units)
                for name in self.__dataclass_fields__
            }
        )

    def key(self, unit: str, address: str) -> Optional[Key]:
        for k in self.keys:
            if k.unit == unit and k.address == address:
                return k
        return None

    def keys_in(self, unit: str) -> tuple[Key, ...]:
        return tuple(k for k in self.keys if k.unit == unit)
