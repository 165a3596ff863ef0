"""Key-policy predicates: MFA on destructive actions (KMS001), public access (KMS012),
the runtime deletion-window guard (KMS014). All policy facts come from ``kmslint.model.policy``."""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Sequence

from ..engine.api import Hit, Outcome, PolicySubject, Undecided
from ..model.policy import Principal, Statement
from ..model.resources import Inventory


def _name(s: Statement) -> str:
    return f"statement {s.sid!r}" if s.sid else "a statement"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _who(principals: Sequence[Principal]) -> str:
    shown = [p.value if p.kind == "AWS" else f"{p.kind}:{p.value}" for p in principals[:3]]
    return ", ".join(shown) + (" ..." if len(principals) > 3 else "")


def mfa_deny_snippet(actions: Sequence[str]) -> str:
    acts = ", ".join(f'"{a}"' for a in actions)
    return (
        '{"Sid": "RequireMFAForKeyDeletion", "Effect": "Deny", "Principal": {"AWS": "*"}, '
        f'"Action": [{acts}], "Resource": "*", '
        '"Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}'
    )


def _grant_message(subject: PolicySubject, stmt: Statement, actions: list[str], all_actions: Sequence[str]) -> str:
    acts = ", ".join(actions)
    fix = f"Add this Deny to the key policy: {mfa_deny_snippet(all_actions)}"
    if subject.policy.is_default:
        return (
            f"No key policy is set, so AWS attaches its default policy, which gives the account root kms:*: "
            f"{acts} {'is' if len(actions) == 1 else 'are'} delegated to IAM, where MFA is not enforced, and one call "
            f"can destroy the key's data. {fix}"
        )
    if stmt.to_account_root:
        return (
            f"{_cap(_name(stmt))} grants {acts} to the account root: the grant is delegated to IAM, "
            f"where MFA is not enforced. {fix}"
        )
    who = _who(stmt.principals or ()) if stmt.principals else "its principals"
    return (
        f"{_cap(_name(stmt))} lets {who} call {acts} without MFA. Add "
        f'"Condition": {{"Bool": {{"aws:MultiFactorAuthPresent": "true"}}}} to it, or {fix[0].lower()}{fix[1:]}'
    )


def destructive_without_mfa(subject: PolicySubject, params: Mapping[str, Any], inv: Inventory) -> Iterator[Outcome]:
    """KMS001: every principal that can call a destructive action must need MFA."""
    policy = subject.policy
    if not policy.known:
        yield Undecided(policy.location, "key policy could not be resolved")
        return
    actions: list[str] = list(params["actions"])
    unguarded: dict[Statement, list[str]] = {}
    weak_denies: dict[Statement, list[str]] = {}
    for action in actions:
        guards = policy.mfa_guards(action)
        if "boolifexists" in guards:
            continue
        if "bool" in guards:
            weak_denies.setdefault(guards["bool"], []).append(action)
            continue
        for stmt in policy.allows(action):
            if not (stmt.only_services or stmt.requires_mfa):
                unguarded.setdefault(stmt, []).append(action)
    for stmt in policy.statements:
        if not stmt.known:
            yield Undecided(stmt.location, "statement could not be resolved")
    for stmt, acts in weak_denies.items():
        yield Hit(
            stmt.location,
            f"{_cap(_name(stmt))} denies {', '.join(acts)} with Bool aws:MultiFactorAuthPresent false: requests "
            "signed with long-term access keys carry no MFA key at all, so they slip through. Use BoolIfExists instead.",
        )
    for stmt, acts in unguarded.items():
        yield Hit(stmt.location, _grant_message(subject, stmt, acts, actions))


def _actions_text(stmt: Statement) -> str:
    if stmt.not_actions is not None:
        return "every action except " + ", ".join(stmt.not_actions[:4])
    return ", ".join(stmt.actions[:4]) + (" ..." if len(stmt.actions) > 4 else "") if stmt.actions else "its actions"


def public_access(subject: PolicySubject, params: Mapping[str, Any], inv: Inventory) -> Iterator[Outcome]:
    """KMS012: an Allow to every principal with no condition pinning the caller's account."""
    for stmt in subject.policy.statements:
        if not stmt.known:
            yield Undecided(stmt.location, "statement could not be resolved")
        elif stmt.is_allow and stmt.everyone and not stmt.pins_caller:
            acts = _actions_text(stmt)
            yield Hit(
                stmt.location,
                f"{_cap(_name(stmt))} allows {acts} to every AWS principal (\"*\") with no condition that "
                "pins the caller: any account can use this key. Name the principals, or add a condition such as "
                '"StringEquals": {"kms:CallerAccount": "<account id>"} or "aws:PrincipalOrgID".',
            )


def window_guard(subject: PolicySubject, params: Mapping[str, Any], inv: Inventory) -> Iterator[Outcome]:
    """KMS014: the policy should deny ScheduleKeyDeletion with a window below ``min_days``."""
    policy = subject.policy
    min_days = int(params["min_days"])
    if min_days <= 7:  # AWS itself refuses windows below 7 days: nothing to guard
        return
    if not policy.known:
        yield Undecided(policy.location, "key policy could not be resolved")
        return
    floors = [(s, s.window_floor()) for s in policy.statements if s.known]
    if any(floor is not None and floor >= min_days for _, floor in floors):
        return
    if any(not s.known for s in policy.statements):
        yield Undecided(policy.location, "key policy has unresolved statements")
        return
    weak = [(s, f) for s, f in floors if f is not None]
    guard = (
        '{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:ScheduleKeyDeletion", "Resource": "*", '
        f'"Condition": {{"NumericLessThan": {{"kms:ScheduleKeyDeletionPendingWindowInDays": "{min_days}"}}}}}}'
    )
    if weak:
        stmt, floor = weak[0]
        yield Hit(stmt.location, f"{_cap(_name(stmt))} only denies deletion windows below {floor} days; the minimum is {min_days}. Raise the NumericLessThan value to {min_days}.")
        return
    yield Hit(
        subject.policy.location if not policy.is_default else subject.header,
        "The deletion window in code protects only deletions made by this tool: a person calling "
        "ScheduleKeyDeletion picks their own window, as short as 7 days. "
        f"Add to the key policy: {guard}",
    )
