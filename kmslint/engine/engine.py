"""Evaluating the rule catalog over an inventory.

A check that raises becomes a :class:`ScanError` naming the rule and file (exit code 2);
every other rule and target still runs. Nothing here keeps state between runs.
"""

from __future__ import annotations

import string
from dataclasses import replace
from typing import Any, Iterable, Iterator, Mapping, Optional

from ..findings import Finding, ScanError, UnknownNote
from ..model.resources import Inventory
from ..model.values import UNKNOWN, Location, Value
from ..predicates import PREDICATES
from .api import Hit, PolicySubject, Undecided, Unit, targets
from .branches import Combination, branch_note
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


_REMEDIATION_FORMAT = {"plan": "terraform"}  # a plan is fixed in the Terraform it was made from


def source_format(target: Any) -> str:
    """The source format a finding on ``target`` is fixed in: terraform, cloudformation, policy."""
    key = target.key if isinstance(target, PolicySubject) else target.keys[0] if isinstance(target, Unit) else target
    fmt = getattr(key, "source_format", None)
    if isinstance(target, PolicySubject) and target.key is None:
        return "policy"
    return _REMEDIATION_FORMAT.get(fmt, fmt) if isinstance(fmt, str) else ""


def remediation_for(rule: Rule, target: Any) -> str:
    """The rule's remediation for the target's source format (else its general one), as one line of
    plain text for a message: a template's finding gives the CloudFormation fix only."""
    text = rule.remediation.get(source_format(target)) or rule.remediation.get("general") or ""
    return " ".join(text.replace("`", "").split())


class _Fields(string.Formatter):
    """Message templates: ``{min_days}`` is a parameter, ``{value}`` the ``at`` field, ``{fix}`` the
    remediation for the target's source format, others fields."""

    def __init__(self, target: Any, params: Mapping[str, Any], at_value: Any, rule: Optional[Rule] = None) -> None:
        self.target, self.params, self.at_value, self.rule = target, params, at_value, rule

    def get_value(self, key: Any, args: Any, kwargs: Any) -> Any:
        if key == "value":
            return self.at_value
        if key == "fix" and self.rule is not None:
            return remediation_for(self.rule, self.target)
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
        why = [v.note for v in (resolve_field(target, f) for f in unknown) if isinstance(v, Value) and v.note]  # the loader's reason, if it gave one
        yield Undecided(location, f"{', '.join(unknown) or 'the condition'} could not be resolved" + "".join(f": {w}" for w in dict.fromkeys(why)))
    elif verdict:
        at_value = plain(at) if at is not None else ""
        message = _Fields(target, params, at_value, rule).format(check.message.strip())
        if isinstance(at, Value) and at.note:  # e.g. a CloudFormation Fn::If branch
            message = f"{message} ({at.note})"
        yield Hit(location, message, check.level, related=at.related if isinstance(at, Value) else ())


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


def _policy_branches(target: Any) -> tuple[Combination, ...]:
    key = target.key if isinstance(target, PolicySubject) else None
    return key.policy_branches if key is not None else ()


def _branch_findings(rule: Rule, level: str, hits: Mapping[tuple[Any, ...], tuple[Hit, Any, list[Combination]]], inv: Inventory) -> list[Finding]:
    """Findings on the policy of a key whose policy differs between Fn::If branches (CloudFormation):
    one per place and message, saying which condition values it holds under (see :mod:`.branches`)."""
    out: list[Finding] = []
    for (unit, address, *_), (hit, target, holds) in hits.items():
        every = [c for k in inv.keys if k.unit == unit and k.address == address for c in k.policy_branches]
        note = branch_note(holds, every)
        out.append(_finding(rule, level, replace(hit, message=f"{hit.message} ({note})") if note else hit, target))
    return out


def run_rule(
    rule: Rule, level: str, params: Mapping[str, Any], inv: Inventory
) -> tuple[list[Finding], list[ScanError], list[UnknownNote]]:
    findings: list[Finding] = []
    errors: list[ScanError] = []
    unknowns: list[UnknownNote] = []
    branched: dict[tuple[Any, ...], tuple[Hit, Any, list[Combination]]] = {}
    for target in targets(rule.target, inv):
        for check in rule.checks:
            try:
                outcomes = _outcomes(rule, check, target, params, inv)
            except Exception as exc:  # a broken check is an error result, never a pass
                where = target_location(target).path
                errors.append(ScanError(where, rule.id, f"check {check.predicate or check.at!r} failed on {target_resource(target) or where}: {type(exc).__name__}: {exc}"))
                continue
            for out in outcomes:
                if isinstance(out, Hit) and _policy_branches(target):
                    group = (target.unit, target.address, out.location, out.message, out.level, out.resource)
                    branched.setdefault(group, (out, target, []))[2].extend(_policy_branches(target))
                elif isinstance(out, Hit):
                    findings.append(_finding(rule, level, out, target))
                else:
                    unknowns.append(UnknownNote(out.location, rule.id, out.detail))
    return findings + _branch_findings(rule, level, branched, inv), errors, unknowns


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

