"""Evaluating the rule catalog over an inventory.

A check that raises becomes a :class:`ScanError` naming the rule and file (exit code 2);
every other rule and target still runs. Nothing here keeps state between runs.
"""

from __future__ import annotations

import string
from dataclasses import replace
from typing import Any, Iterable, Iterator, Mapping

from ..findings import Finding, ScanError, UnknownNote
from ..model.resources import Inventory
from ..model.values import UNKNOWN, Location, Value
from ..predicates import PREDICATES
from .api import Hit, PolicySubject, Undecided, Unit, targets
from .conditions import condition_fields, evaluate, plain, resolve_field
from .rules import Check, Rule


def target_location(target: Any) -> Location:
    if isinstance(target, Unit):
        return target.location
    if isinstance(target, PolicySubject):
        return target.header
    loc = getattr(target, "location", None)
    return loc if isinstance(loc, Location) else Location("", 1)


def target_resource(target: Any) -> str:
    if isinstance(target, Unit):
        return target.keys[0].address
    return str(getattr(target, "address", ""))


class _Fields(string.Formatter):
    """Message templates: ``{min_days}`` is a parameter, ``{value}`` the ``at`` field, others fields."""

    def __init__(self, target: Any, params: Mapping[str, Any], at_value: Any) -> None:
        self.target, self.params, self.at_value = target, params, at_value

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        if key == "value":
            return self.at_value
        if key == "resource":
            return target_resource(self.target)
        if key in self.params:
            value = self.params[key]
            return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value
        return plain(resolve_field(self.target, str(key)))


def _condition_outcomes(rule: Rule, check: Check, target: Any, params: Mapping[str, Any]) -> Iterator[Any]:
    assert check.when is not None
    verdict = evaluate(check.when, target, params)
    at = resolve_field(target, check.at) if check.at else None
    location = at.location if isinstance(at, Value) else at if isinstance(at, Location) else target_location(target)
    if verdict is UNKNOWN:
        unknown = [f for f in condition_fields(check.when) if plain(resolve_field(target, f)) is UNKNOWN]
        yield Undecided(location, f"{', '.join(unknown) or 'the condition'} could not be resolved")
    elif verdict:
        at_value = plain(at) if at is not None else ""
        message = _Fields(target, params, at_value).format(check.message.strip())
        if isinstance(at, Value) and at.note:  # e.g. a CloudFormation Fn::If branch
            message = f"{message} ({at.note})"
        yield Hit(location, message, check.level)


def _outcomes(rule: Rule, check: Check, target: Any, params: Mapping[str, Any], inv: Inventory) -> Iterable[Any]:
    if check.predicate:
        return list(PREDICATES[check.predicate](target, params, inv))
    return list(_condition_outcomes(rule, check, target, params))


def _finding(rule: Rule, level: str, hit: Hit, target: Any) -> Finding:
    return Finding(
        location=hit.location,
        rule_id=rule.id,
        level=hit.level or level,
        message=hit.message,
        rule_name=rule.name,
        resource=hit.resource or target_resource(target),
        related=tuple(loc for loc in dict.fromkeys(hit.related) if loc != hit.location),
    )


def run_rule(
    rule: Rule, level: str, params: Mapping[str, Any], inv: Inventory
) -> tuple[list[Finding], list[ScanError], list[UnknownNote]]:
    findings: list[Finding] = []
    errors: list[ScanError] = []
    unknowns: list[UnknownNote] = []
    for target in targets(rule.target, inv):
        for check in rule.checks:
            try:
                outcomes = _outcomes(rule, check, target, params, inv)
            except Exception as exc:  # a broken check is an error result, never a pass
                where = target_location(target).path
                errors.append(ScanError(where, rule.id, f"check {check.predicate or check.at!r} failed on {target_resource(target) or where}: {type(exc).__name__}: {exc}"))
                continue
            for out in outcomes:
                if isinstance(out, Hit):
                    findings.append(_finding(rule, level, out, target))
                else:
                    unknowns.append(UnknownNote(out.location, rule.id, out.detail, out.unchecked))
    return findings, errors, unknowns


def run_rules(
    rules: Iterable[tuple[Rule, str, Mapping[str, Any]]], inv: Inventory
) -> tuple[list[Finding], list[ScanError], list[UnknownNote]]:
    """Run (rule, effective level, parameters) triples; findings are de-duplicated and sorted."""
    findings: list[Finding] = []
    errors: list[ScanError] = []
    unknowns: list[UnknownNote] = []
    for rule, level, params in rules:
        f, e, u = run_rule(rule, level, params, inv)
        findings.extend(f)
        errors.extend(e)
        unknowns.extend(u)
    return merge_same_place(findings), sorted(set(errors)), sorted(set(unknowns), key=lambda u: (u.location, u.rule_id, u.detail))


def merge_same_place(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and place: a module used by several callers is one fix, not many."""
    groups: dict[tuple[str, Location], list[Finding]] = {}
    for f in sorted(findings):
        groups.setdefault((f.rule_id, f.location), []).append(f)
    merged = []
    for group in groups.values():
        first = group[0]
        related = tuple(dict.fromkeys(loc for f in group for loc in f.related))
        if related != first.related:
            first = replace(first, related=related)
        others = sorted({f.resource for f in group} - {first.resource})
        if others:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            first = replace(first, message=f"{first.message} (Also affects {shown}.)")
        merged.append(first)
    return merged

