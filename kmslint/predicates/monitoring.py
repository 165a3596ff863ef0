"""Deletion-alarm predicates: KMS006 (deletion-alarm) and KMS007 (pending-deletion-use-alarm).

Per configuration unit that declares keys, the unit passes when monitoring in scope (the same
unit, or the whole scan with ``scope: repository``) watches the events semantically
(:mod:`kmslint.monitoring.coverage`) and would reach a human:

(a) a metric filter whose pattern matches the events, and an alarm on the same metric name and
    namespace with at least one alarm action and actions not disabled; or
(b) an EventBridge rule, not disabled, whose pattern matches the events, with a target.

Several wired monitors may share the events (one filter per event). Otherwise the unit gets one
Hit at its anchor (the first key's unit location), saying how many keys it covers, what is missing
or wrong and how to fix it. An UNKNOWN value that could change the verdict yields Undecided
(``unchecked``) instead, never a Hit. Each filter is judged on its own: one kmslint cannot
evaluate matters only if it could match the events (a space-delimited pattern, or one requiring
another eventSource, cannot). KMS007's events are read-only, which EventBridge delivers only to
rules in state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS; ``require_metric_filter`` makes
EventBridge rules count for nothing (CIS accepts only the metric filter and alarm).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping, Sequence

from ..engine.api import Hit, Outcome, Undecided, Unit
from ..model.resources import READ_ONLY_STATE, Alarm, EventRule, EventTarget, Inventory, MetricFilter
from ..model.values import UNKNOWN, Location
from ..model.resources import Key
from ..monitoring.alarms import why_alarm_never_fires
from ..monitoring.regions import filter_sees_cloudtrail, filter_sees_region, key_region, same_region
from ..monitoring.coverage import (
    CIS_FILTER_PATTERN,
    PENDING_DELETION_FILTER_PATTERN,
    PatternVerdict,
    ProbeSet,
    deletion_probes,
    describe_match,
    judge_event_pattern,
    judge_filter_pattern,
    pending_deletion_probes,
)

__all__ = ["deletion_alarm", "pending_deletion_alarm"]

SCOPES = ("unit", "repository")


@dataclass(frozen=True)
class _Watch:
    """What one rule watches for, and how its messages read."""

    probes: ProbeSet
    headline: str
    fix: str
    read_only: bool = False  # the events are read-only management events (EventBridge state matters)


_DELETION = _Watch(
    deletion_probes(),
    "no alarm tells anyone when a KMS key is disabled or scheduled for deletion",
    "Add a CloudWatch Logs metric filter on the CloudTrail log group with the CIS pattern "
    f"`{CIS_FILTER_PATTERN}` and a CloudWatch alarm on its metric name and namespace with an alarm "
    "action (e.g. an SNS topic), or an EventBridge rule matching these events (source aws.kms, "
    "detail.eventName DisableKey and ScheduleKeyDeletion) with a target.",
)

_PENDING = _Watch(
    pending_deletion_probes(),
    "no alarm fires when something still uses a KMS key that is pending deletion",
    "That alarm is what lets a team cancel a deletion while it still can. "
    "Add a CloudWatch Logs metric filter on the CloudTrail log group with AWS's pattern "
    f"`{PENDING_DELETION_FILTER_PATTERN}` and a CloudWatch alarm on its metric name and namespace "
    "with an alarm action, or an EventBridge rule (source aws.kms, detail.errorCode "
    "KMSInvalidStateException, detail.errorMessage suffix \"is pending deletion.\") in state "
    f"{READ_ONLY_STATE} with a target.",
    read_only=True,
)


@dataclass(frozen=True)
class _Assessment:
    """One monitor's contribution: events it watches end to end, problems, unknowns."""

    covers: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    unknowns: tuple[Undecided, ...] = ()


@dataclass(frozen=True)
class _Link:
    """Whether a monitor reaches a human (an alarm action, a rule target), and if not, why."""

    wired: bool
    problems: tuple[str, ...] = ()
    unknowns: tuple[Undecided, ...] = ()


@dataclass(frozen=True)
class _Scope:
    """The monitoring resources a unit may rely on."""

    filters: tuple[MetricFilter, ...]
    alarms: tuple[Alarm, ...]
    rules: tuple[EventRule, ...]
    targets: tuple[EventTarget, ...]

    @staticmethod
    def of(unit: Unit, params: Mapping[str, Any], inv: Inventory) -> "_Scope":
        scope = params.get("scope", "unit")
        if scope not in SCOPES:
            raise ValueError(f"parameter scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        if params.get("require_metric_filter", False) is True:
            inv = Inventory(metric_filters=inv.metric_filters, alarms=inv.alarms)  # CIS: EventBridge does not count
        if scope == "repository":
            rules = tuple(r for r in inv.event_rules if r.sees_aws_events is not False)
            return _Scope(inv.metric_filters, inv.alarms, rules, inv.event_targets)
        return _Scope(
            tuple(f for f in inv.metric_filters if f.unit == unit.name),
            tuple(a for a in inv.alarms if a.unit == unit.name),
            tuple(r for r in inv.event_rules if r.unit == unit.name and r.sees_aws_events is not False),
            tuple(t for t in inv.event_targets if t.unit == unit.name),
        )


# --- the predicates -----------------------------------------------------------------------


def deletion_alarm(unit: Unit, params: Mapping[str, Any], inv: Inventory) -> Iterator[Outcome]:
    """KMS006: DisableKey and ScheduleKeyDeletion from KMS must reach an alarm action or target."""
    yield from _check(unit, params, inv, _DELETION)


def pending_deletion_alarm(unit: Unit, params: Mapping[str, Any], inv: Inventory) -> Iterator[Outcome]:
    """KMS007: requests against a key pending deletion must reach an alarm action or target."""
    yield from _check(unit, params, inv, _PENDING)


def _check(unit: Unit, params: Mapping[str, Any], inv: Inventory, watch: _Watch) -> Iterator[Outcome]:
    if not unit.keys:
        return
    scope = _Scope.of(unit, params, inv)
    filters = [(f, _assess_filter(f, scope, watch.probes, inv)) for f in scope.filters]
    rules = [(r, _assess_rule(r, scope, watch)) for r in scope.rules]
    problems: list[str] = []
    unknowns: list[Undecided] = []
    for region, keys in _by_region(unit, inv).items():
        parts = [_in_region(a, filter_sees_region(f, region, inv), f"metric filter {f.address}", f.location, keys, _TRAIL_HINT) for f, a in filters]
        parts += [_in_region(a, same_region(r.region.value, region), f"EventBridge rule {r.address}", r.location, keys) for r, a in rules]
        covered = {label for part in parts for label in part.covers}
        if all(label in covered for label in watch.probes.labels):
            continue
        found = [u for part in parts for u in part.unknowns]
        if not found:
            problems += [p for part in parts for p in part.problems if p not in problems]
            break  # a Region no monitor covers: the finding stands, whatever other Regions hold
        unknowns += found
    else:
        yield from dict.fromkeys(unknowns)
        return
    first = unit.keys[0]
    if params.get("require_metric_filter", False) is True and inv.event_rules:
        problems.append("EventBridge rules are not counted (require_metric_filter: CIS asks for a metric filter and alarm)")
    # The monitors the verdict names: a focus scan of a changed monitoring file keeps the finding.
    related = tuple(f.location for f, a in filters if a.problems or a.covers)
    related += tuple(r.location for r, a in rules if a.problems or a.covers)
    yield Hit(unit.location, _message(unit, watch, problems), resource=first.address, related=related)


def _by_region(unit: Unit, inv: Inventory) -> dict[Any, list[Key]]:
    known = {(kr.unit, kr.address): kr for kr in inv.key_regions if kr.unit == unit.name}
    groups: dict[Any, list[Key]] = {}
    for key in unit.keys:
        found = known.get((key.unit, key.address))
        region = found.region.value if found is not None else key_region(key, Inventory()).value
        groups.setdefault(region, []).append(key)
    return groups


_TRAIL_HINT = " and no multi-Region trail feeds its log group"


def _in_region(part: _Assessment, sees: Any, what: str, where: Location, keys: Sequence[Key], trail_hint: str = "") -> _Assessment:
    """A monitor's assessment for keys of one Region: it counts only if it sees that Region."""
    if sees is True or not (part.covers or part.unknowns):
        return part
    names = ", ".join(k.address for k in keys[:3]) + (" ..." if len(keys) > 3 else "")
    if sees is False:
        return _Assessment((), (f"{what} is in another Region than {names}{trail_hint}",))
    fix = "give both a provider with a known region" + (", or feed the filter from a multi-Region trail" if trail_hint else "")
    return _unknown(where, f"{what}: cannot tell whether it sees the events of the Region of {names}; {fix}")


def _message(unit: Unit, watch: _Watch, problems: Sequence[str]) -> str:
    if not problems:
        problems = [f"no metric filter or EventBridge rule watches {watch.probes.subject}"]
    where = f" in {unit.name}" if unit.name not in ("", ".") else ""
    count = len(unit.keys)
    covers = f" (this configuration declares {count} key{'' if count == 1 else 's'})"
    return f"{watch.headline[0].upper()}{watch.headline[1:]}{where}{covers}: {'; '.join(problems)}. {watch.fix}"


# --- metric filters and alarms ------------------------------------------------------------


def _assess_filter(mf: MetricFilter, scope: _Scope, probes: ProbeSet, inv: Inventory) -> _Assessment:
    what = f"metric filter {mf.address}"
    blind = filter_sees_cloudtrail(mf, inv) is False  # its log group is declared here and no trail delivers to it
    if not mf.pattern.known or not isinstance(mf.pattern.value, str):
        if blind:
            return _Assessment()
        why = "could not be resolved" if not mf.pattern.known else "is not a string"
        return _unknown(mf.pattern.location, f"{what}: the filter pattern {why}, so whether it watches these events is not known")
    verdict = judge_filter_pattern(mf.pattern.value, probes)
    if verdict.could_match and blind:
        return _Assessment()
    found = _judged(what, verdict, probes, mf.pattern.location)
    if found is not None:
        return found
    if verdict.unsure:
        return _unknown(mf.pattern.location, f"{what}: part of the pattern cannot be evaluated, and it may match {', '.join(verdict.unsure)}")
    link = _alarm_link(mf, scope)
    partial = _partial(what, verdict, probes)
    if link.wired:
        return _Assessment(verdict.matched, partial)
    return _Assessment((), partial + link.problems, link.unknowns)


def _judged(what: str, verdict: PatternVerdict, probes: ProbeSet, where: Location) -> _Assessment | None:
    """The assessment when the verdict alone decides it (error, irrelevant, too broad)."""
    if verdict.error:
        return _unknown(where, f"{what}: the pattern {verdict.describe(probes.labels)}")
    if not verdict.matched and not verdict.unsure:
        return _Assessment()  # watches something else, or provably cannot match: not worth a mention
    if verdict.too_broad:
        return _Assessment((), (f"{what} {verdict.describe(probes.labels)}",))
    return None


def _partial(what: str, verdict: PatternVerdict, probes: ProbeSet) -> tuple[str, ...]:
    if len(verdict.matched) == len(probes.labels):
        return ()
    return (f"{what} {describe_match(verdict.matched, probes.labels)}",)


def _alarm_link(mf: MetricFilter, scope: _Scope) -> _Link:
    """Does an alarm with a working action watch the filter's metric (same name and namespace)?"""
    what = f"metric filter {mf.address}"
    for value in (mf.metric_name, mf.namespace):
        if not value.known:
            return _unknown_link(value.location, f"{what}: its metric name or namespace could not be resolved")
    metric = f"{mf.namespace.value}/{mf.metric_name.value}"
    linked = [a for a in scope.alarms if _same_metric(a, mf, scope) is True]
    maybe = [a for a in scope.alarms if _same_metric(a, mf, scope) is None]
    links = [_alarm_actions(a, mf) for a in linked]
    if any(link.wired for link in links):
        return _Link(True)
    unknowns = tuple(u for link in links for u in link.unknowns) + tuple(
        Undecided(a.location, f"alarm {a.address}: its metric could not be resolved; it may watch {metric}")
        for a in maybe
    )
    problems = tuple(p for link in links for p in link.problems)
    if not linked:
        problems = (f"{what} has no alarm: no CloudWatch alarm watches metric {metric}",)
    return _Link(False, problems, unknowns)


def _alarm_metric_name(alarm: Alarm, scope: _Scope) -> Any:
    """The alarm's metric name; through ``aws_cloudwatch_log_metric_filter.x.id`` / ``!Ref``, the
    named filter's own name (which is what that reference gives)."""
    ref = alarm.metric_filter.value
    if not ref:
        return alarm.metric_name.value if alarm.metric_name.known else UNKNOWN
    named = [f for f in scope.filters if f.address == ref and f.unit == alarm.unit]
    if len(named) != 1 or not named[0].name.known or named[0].name.value is None:
        return UNKNOWN
    return named[0].name.value


def _same_metric(alarm: Alarm, mf: MetricFilter, scope: _Scope) -> bool | None:
    """True, False, or None when the alarm's metric is UNKNOWN."""
    name = _alarm_metric_name(alarm, scope)
    if name is UNKNOWN or not alarm.namespace.known:
        return None
    return name == mf.metric_name.value and alarm.namespace.value == mf.namespace.value


def _alarm_actions(alarm: Alarm, mf: MetricFilter) -> _Link:
    what = f"alarm {alarm.address}"
    never = why_alarm_never_fires(alarm, mf)
    if never:
        return _Link(False, (f"{what} can never fire on one event: {never}",))
    if not alarm.actions.known:
        return _unknown_link(alarm.actions.location, f"{what}: its alarm actions could not be resolved")
    if not _has_items(alarm.actions.value):
        return _Link(False, (f"{what} has no action: nobody is notified when it fires",))
    if not alarm.actions_enabled.known:
        return _unknown_link(alarm.actions_enabled.location, f"{what}: actions_enabled could not be resolved")
    if alarm.actions_enabled.value is False:
        return _Link(False, (f"{what} has its actions disabled (actions_enabled is false)",))
    return _Link(True)


def _has_items(actions: Any) -> bool:
    if isinstance(actions, str):
        return bool(actions)
    return isinstance(actions, Iterable) and any(True for _ in actions)


# --- EventBridge rules and targets ----------------------------------------------------------


def _assess_rule(rule: EventRule, scope: _Scope, watch: _Watch) -> _Assessment:
    probes = watch.probes
    what = f"EventBridge rule {rule.address}"
    if not rule.pattern.known:
        return _unknown(rule.pattern.location, f"{what}: the event pattern could not be resolved")
    pattern = _event_pattern(rule.pattern.value)
    if isinstance(pattern, str):
        return _unknown(rule.pattern.location, f"{what}: the event pattern cannot be evaluated: {pattern}")
    verdict = judge_event_pattern(pattern, probes)
    found = _judged(what, verdict, probes, rule.pattern.location)
    if found is not None:
        return found
    partial = _partial(what, verdict, probes)
    if not rule.enabled.known:
        return _unknown(rule.enabled.location, f"{what}: whether it is enabled could not be resolved")
    if rule.enabled.value is False:
        return _Assessment((), partial + (f"{what} is disabled",))
    if watch.read_only:
        sees = rule.sees_read_only_events
        if sees is UNKNOWN:
            return _unknown(rule.state.location, f"{what}: its state could not be resolved")
        if sees is False:
            return _Assessment((), partial + (
                f"{what} is in state {rule.state.value}, which does not receive read-only management events "
                f"such as a failed Decrypt; set its state to {READ_ONLY_STATE}",
            ))
    linked = _target_link(rule, scope)
    if linked is None:
        return _unknown(rule.location, f"{what}: a target's rule reference could not be resolved")
    if not linked:
        return _Assessment((), partial + (f"{what} has no target: its matches go nowhere",))
    return _Assessment(verdict.matched, partial)


def _event_pattern(value: Any) -> Mapping[str, Any] | str:
    """The pattern as a mapping, or the reason it cannot be one."""
    if isinstance(value, Mapping):
        return value
    if isinstance(value, str):
        from ..monitoring.event_pattern import EventPatternError, parse_event_pattern

        try:
            return parse_event_pattern(value)
        except EventPatternError as exc:
            return str(exc)
    return f"expected a JSON object, got {type(value).__name__}"


def _target_link(rule: EventRule, scope: _Scope) -> bool | None:
    """Whether the rule has a target: True, False, or None when a reference is UNKNOWN."""
    if rule.inline_targets > 0 or any(_targets(t, rule) for t in scope.targets):
        return True
    unresolved = [t for t in scope.targets if not t.rule.known]
    if not rule.name.known:
        # The rule's name is unknown: a target naming no known rule might name this one.
        known = {r.address for r in scope.rules} | {r.name.value for r in scope.rules if r.name.known}
        unresolved += [t for t in scope.targets if t.rule.known and t.rule.value not in known]
    return None if unresolved else False


def _targets(target: EventTarget, rule: EventRule) -> bool:
    """A target names its rule by address (in the rule's own unit) or by the rule's name."""
    if not target.rule.known:
        return False
    if target.rule.value == rule.address and target.unit == rule.unit:
        return True
    return rule.name.known and target.rule.value == rule.name.value


def _unknown(location: Location, detail: str) -> _Assessment:
    return _Assessment((), (), (Undecided(location, detail),))


def _unknown_link(location: Location, detail: str) -> _Link:
    return _Link(False, (), (Undecided(location, detail),))
