"""Do monitoring patterns watch the KMS events that matter, and only those?

Coverage is decided semantically: each pattern is evaluated against synthetic CloudTrail
records (:mod:`.cloudtrail`), never compared as text.

- **Targets** are the records the alarm must catch: ``DisableKey`` and ``ScheduleKeyDeletion``
  from kms.amazonaws.com (KMS006), or requests that use a key pending deletion, which KMS logs
  with ``errorCode: KMSInvalidStateException`` and ``errorMessage: "<key arn> is pending
  deletion."`` (KMS007; probed with Decrypt, Encrypt and GenerateDataKey).
- **Decoys** are records the alarm must not catch, built only from calls that really exist: a
  successful KMS ``Decrypt`` and an unrelated ``ConsoleLogin``. No other service has a
  ``DisableKey`` or ``ScheduleKeyDeletion`` API, so a pattern without ``eventSource`` (broader
  than CIS's) still alerts on exactly these calls and counts. A pattern that matches a decoy is
  *too broad* and counts for nothing: an alarm that fires on every KMS call gets muted.
- A pattern with parts kmslint cannot evaluate is judged in three-valued logic: a target it
  *may* match (``unsure``) makes the result undecidable, while a part that is unknown does not
  stop the rest of the pattern from proving that it cannot match (``$.eventSource = ec2...``).

Several patterns may share the work (one filter per event): the events matched by the usable
(well-formed, not too broad) patterns are pooled. A pattern kmslint cannot parse makes the
result undecidable unless the others already cover everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Optional, Sequence

from .cloudtrail import (
    KMS_SOURCE,
    cloudtrail_record,
    eventbridge_event,
    pending_deletion_record,
)

__all__ = [
    "CIS_FILTER_PATTERN",
    "DELETION_EVENTS",
    "PENDING_DELETION_FILTER_PATTERN",
    "PENDING_DELETION_OPERATIONS",
    "CoverageResult",
    "PatternVerdict",
    "Probe",
    "ProbeSet",
    "deletion_probes",
    "event_pattern_covers",
    "event_pattern_covers_pending_deletion",
    "filter_covers",
    "filter_covers_pending_deletion",
    "judge_event_pattern",
    "judge_filter_pattern",
    "pending_deletion_probes",
]

DELETION_EVENTS = ("DisableKey", "ScheduleKeyDeletion")
PENDING_DELETION_OPERATIONS = ("Decrypt", "Encrypt", "GenerateDataKey")

CIS_FILTER_PATTERN = (
    "{($.eventSource = kms.amazonaws.com) && "
    "(($.eventName=DisableKey)||($.eventName=ScheduleKeyDeletion)) }"
)
PENDING_DELETION_FILTER_PATTERN = '{ $.eventSource = kms* && $.errorMessage = "* is pending deletion."}'


@dataclass(frozen=True)
class Probe:
    """One synthetic CloudTrail record and the name messages use for it."""

    label: str
    record: Mapping[str, Any]


@dataclass(frozen=True)
class ProbeSet:
    """What a monitor must match (targets), must not match (decoys), and how to say it."""

    subject: str  # e.g. "DisableKey and ScheduleKeyDeletion from kms.amazonaws.com"
    targets: tuple[Probe, ...]
    decoys: tuple[Probe, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(p.label for p in self.targets)


def _unrelated_decoys() -> tuple[Probe, ...]:
    return (
        Probe(f"a successful Decrypt from {KMS_SOURCE}", cloudtrail_record("Decrypt")),
        Probe("ConsoleLogin from signin.amazonaws.com", cloudtrail_record("ConsoleLogin", "signin.amazonaws.com")),
    )


def deletion_probes(events: Sequence[str] = DELETION_EVENTS) -> ProbeSet:
    """Probes for KMS006: each event from KMS must match; from another service, must not."""
    targets = tuple(Probe(e, cloudtrail_record(e)) for e in events)
    subject = f"{_and_list(list(events))} from {KMS_SOURCE}"
    return ProbeSet(subject, targets, _unrelated_decoys())


def pending_deletion_probes(operations: Sequence[str] = PENDING_DELETION_OPERATIONS) -> ProbeSet:
    """Probes for KMS007: requests against a key pending deletion, from KMS and not elsewhere."""
    targets = tuple(Probe(op, pending_deletion_record(op)) for op in operations)
    subject = (
        "requests that use a key pending deletion "
        '(errorCode KMSInvalidStateException, errorMessage "... is pending deletion.")'
    )
    return ProbeSet(subject, targets, _unrelated_decoys())


@dataclass(frozen=True)
class PatternVerdict:
    """How one pattern fares against a probe set."""

    matched: tuple[str, ...]  # target labels it matches
    too_broad: tuple[str, ...] = ()  # decoy labels it also matches
    error: str = ""  # why the pattern could not be evaluated
    unsure: tuple[str, ...] = ()  # target labels it may match: a part kmslint cannot evaluate decides

    @property
    def usable(self) -> bool:
        return not self.error and not self.too_broad

    @property
    def could_match(self) -> bool:
        """Might the pattern match a target that it is not known to match?"""
        return bool(self.error) or bool(self.unsure)

    @property
    def relevant(self) -> bool:
        """Does the pattern try to watch these events at all (so a message should name it)?"""
        return bool(self.matched) or self.could_match

    def describe(self, labels: Sequence[str]) -> str:
        """``"matches X but not Y"``, ``"is too broad: ..."`` or ``"cannot be evaluated: ..."``."""
        if self.error:
            return f"cannot be evaluated: {self.error}"
        if self.too_broad and self.matched:
            return f"is too broad: it also matches {_and_list(list(self.too_broad))}"
        return describe_match(self.matched, labels)


def describe_match(matched: Sequence[str], labels: Sequence[str]) -> str:
    """``"matches ScheduleKeyDeletion but not DisableKey"`` and its variants."""
    missed = [label for label in labels if label not in matched]
    if not matched:
        return f"matches neither {' nor '.join(labels)}" if len(labels) == 2 else f"matches none of {', '.join(labels)}"
    if not missed:
        return f"matches {_and_list(list(matched))}"
    return f"matches {_and_list(list(matched))} but not {_and_list(missed)}"


def _and_list(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


@dataclass(frozen=True)
class CoverageResult:
    """The pooled verdict of several patterns. ``verdicts`` follow the input order."""

    labels: tuple[str, ...]
    verdicts: tuple[PatternVerdict, ...]

    @property
    def matched(self) -> tuple[str, ...]:
        pooled = {label for v in self.verdicts if v.usable for label in v.matched}
        return tuple(label for label in self.labels if label in pooled)

    @property
    def missed(self) -> tuple[str, ...]:
        return tuple(label for label in self.labels if label not in self.matched)

    @property
    def covered(self) -> bool:
        return bool(self.labels) and not self.missed

    @property
    def undecidable(self) -> bool:
        """Not covered, and some pattern could not be evaluated (so it might have helped)."""
        return not self.covered and any(v.could_match for v in self.verdicts)

    def describe(self, what: str = "filter") -> str:
        """E.g. ``"filter matches ScheduleKeyDeletion but not DisableKey"``."""
        return f"{what} {describe_match(self.matched, self.labels)}"


def _judge(matches: Callable[[Mapping[str, Any]], Optional[bool]], probes: ProbeSet) -> PatternVerdict:
    results = [(p.label, matches(p.record)) for p in probes.targets]
    matched = tuple(label for label, hit in results if hit is True)
    unsure = tuple(label for label, hit in results if hit is None)
    too_broad = tuple(p.label for p in probes.decoys if matches(p.record) is True)
    return PatternVerdict(matched, too_broad, unsure=unsure)


def judge_filter_pattern(pattern: str, probes: ProbeSet) -> PatternVerdict:
    """Evaluate one CloudWatch Logs filter pattern against ``probes`` (three-valued: parts kmslint
    cannot evaluate leave the targets they decide ``unsure``)."""
    from .filter_pattern import FilterPatternError, parse_filter_pattern  # only scans with a metric filter need it

    try:
        parsed = parse_filter_pattern(pattern, tolerant=True)
    except FilterPatternError as exc:
        return PatternVerdict((), (), str(exc))
    return _judge(parsed.tri, probes)


def judge_event_pattern(pattern: Mapping[str, Any], probes: ProbeSet) -> PatternVerdict:
    """Evaluate one EventBridge event pattern against ``probes`` wrapped as EventBridge events."""
    from .event_pattern import EventPatternError, event_pattern_matches  # only scans with an event rule need it

    try:
        return _judge(lambda record: event_pattern_matches(pattern, eventbridge_event(record)), probes)
    except EventPatternError as exc:
        return PatternVerdict((), (), str(exc))


def filter_covers(patterns: Sequence[str], events: Sequence[str] = DELETION_EVENTS) -> CoverageResult:
    """Do these filter patterns, pooled, match every event in ``events`` from KMS (and no decoy)?"""
    probes = deletion_probes(events)
    return CoverageResult(probes.labels, tuple(judge_filter_pattern(p, probes) for p in patterns))


def event_pattern_covers(
    patterns: Sequence[Mapping[str, Any]], events: Sequence[str] = DELETION_EVENTS
) -> CoverageResult:
    """The same as :func:`filter_covers`, for EventBridge event patterns."""
    probes = deletion_probes(events)
    return CoverageResult(probes.labels, tuple(judge_event_pattern(p, probes) for p in patterns))


def filter_covers_pending_deletion(
    patterns: Sequence[str], operations: Sequence[str] = PENDING_DELETION_OPERATIONS
) -> CoverageResult:
    """Do these filter patterns match requests against a key pending deletion (KMS007)?"""
    probes = pending_deletion_probes(operations)
    return CoverageResult(probes.labels, tuple(judge_filter_pattern(p, probes) for p in patterns))


def event_pattern_covers_pending_deletion(
    patterns: Sequence[Mapping[str, Any]], operations: Sequence[str] = PENDING_DELETION_OPERATIONS
) -> CoverageResult:
    """The same as :func:`filter_covers_pending_deletion`, for EventBridge event patterns."""
    probes = pending_deletion_probes(operations)
    return CoverageResult(probes.labels, tuple(judge_event_pattern(p, probes) for p in patterns))
