"""Key-policy predicates: MFA on destructive actions (KMS001), public access (KMS012),
the runtime deletion-window guard (KMS014). All policy facts come from ``kmslint.model.policy``;
this module decides what to report and words the advice."""

from __future__ import annotations

from typing import Any, Iterator, Mapping, Optional, Sequence

from ..engine.api import Hit, Outcome, PolicySubject, Undecided
from ..model.policy import MFA_PRESENT, SCHEDULE_DELETION, WINDOW_KEY, Condition, Policy, Principal, Statement
from ..model.policy_text import display_value
from ..model.resources import Inventory
from ..wildcard import ascii_lower

PUT_KEY_POLICY = "kms:PutKeyPolicy"
DELETE_IMPORTED = "kms:DeleteImportedKeyMaterial"


def _name(s: Statement) -> str:
    return f"statement {s.sid!r}" if s.sid else "a statement"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _principal_text(p: Principal) -> str:
    if not p.resolved:
        return "an AWS principal set at deploy time"
    shown = display_value(p.value)
    return shown if p.kind == "AWS" else f"{p.kind}:{shown}"


def _who(principals: Sequence[Principal]) -> str:
    shown = [_principal_text(p) for p in principals[:3]]
    return ", ".join(shown) + (" ..." if len(principals) > 3 else "")


def _same_action(a: str, b: str) -> bool:
    return ascii_lower(a) == ascii_lower(b)


def _join(items: Sequence[str]) -> str:
    return ", ".join(items)


# --- KMS001 ------------------------------------------------------------------------------


def mfa_deny_snippet(actions: Sequence[str]) -> str:
    acts = ", ".join(f'"{a}"' for a in actions)
    return (
        '{"Sid": "RequireMFAForKeyDeletion", "Effect": "Deny", "Principal": {"AWS": "*"}, '
        f'"Action": [{acts}], "Resource": "*", '
        '"Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}'
    )


def required_actions(subject: PolicySubject, params: Mapping[str, Any]) -> list[str]:
    """The rule's actions; DeleteImportedKeyMaterial only where the key may hold imported material."""
    actions = [str(a) for a in params["actions"]]
    if subject.key is not None and not subject.key.may_import_material:
        actions = [a for a in actions if not _same_action(a, DELETE_IMPORTED)]
    return actions


def _grant_message(subject: PolicySubject, stmt: Statement, actions: list[str], all_actions: Sequence[str]) -> str:
    acts = _join(actions)
    fix = f"Add this Deny to the key policy: {mfa_deny_snippet(all_actions)}"
    if subject.policy.is_default:
        return (
            f"No key policy is set, so AWS attaches its default policy, which gives the account root kms:*: "
            f"{acts} {'is' if len(actions) == 1 else 'are'} delegated to IAM, where MFA is not enforced, and one call "
            f"can destroy the key's data. {fix}"
        )
    if stmt.to_account_root:
        roots = [p for p in stmt.principals or () if p.is_account_root]
        return (
            f"{_cap(_name(stmt))} grants {acts} to the account root ({_who(roots)}): the grant is delegated to IAM, "
            f"where MFA is not enforced. {fix}"
        )
    who = "every principal its conditions admit" if stmt.everyone else _who(stmt.principals or ()) or "its principals"
    why = ""
    if stmt.admits_access_keys:
        why = (
            " Its BoolIfExists aws:MultiFactorAuthPresent true is also true for requests signed with long-term "
            "access keys, which carry no MFA key."
        )
    elif any(not p.resolved for p in stmt.principals or ()):
        why = " Whatever that principal turns out to be, this grant does not need MFA."
    return (
        f"{_cap(_name(stmt))} lets {who} call {acts} without MFA.{why} {fix} (a separate Deny, so that the "
        "other actions this statement allows keep working without MFA)"
    )


def _weak_test(stmt: Statement) -> Optional[Condition]:
    return next((c for c in stmt.conditions if c.mfa_deny_test() == "weak"), None)


def _defect_texts(stmt: Statement, defects: Sequence[str]) -> tuple[list[str], list[str]]:
    """(what is wrong, how to fix it) for each defect of an MFA Deny."""
    wrong: list[str] = []
    fixes: list[str] = []
    if "weak" in defects:
        cond = _weak_test(stmt)
        op = cond.operator if cond else "Bool"
        key = cond.key if cond else "aws:MultiFactorAuthPresent"
        absent = (
            "as in requests signed with long-term access keys: those carry no MFA key at all and slip through"
            if cond is None or cond.key_lc == MFA_PRESENT
            else "as in every request made without MFA, which slips through"
        )
        wrong.append(f"it uses {op} {key}, which is false when the key is absent, {absent}")
        fixes.append(f"use {op}IfExists instead of {op}")
    if "principals" in defects:
        if stmt.all_but_some:
            wrong.append(f"it exempts {_who(stmt.not_principals or ())} (NotPrincipal)")
        else:
            wrong.append(f"it applies only to {_who(stmt.principals or ())}, not to every principal")
        fixes.append('make its principal {"AWS": "*"}')
    if "conditions" in defects:
        narrow = ", ".join(f"{c.operator} {c.key}" for c in stmt.narrowing_conditions()[:3])
        wrong.append(f"its condition {narrow} narrows it to some requests")
        fixes.append("remove that condition (keep the MFA test alone)")
    return wrong, fixes


def _missing_texts(missing: Sequence[str]) -> tuple[list[str], list[str]]:
    wrong: list[str] = []
    put = [a for a in missing if _same_action(a, PUT_KEY_POLICY)]
    others = [a for a in missing if not _same_action(a, PUT_KEY_POLICY)]
    if others:
        wrong.append(f"it does not cover {_join(others)}")
    if put:
        wrong.append(
            "it does not cover kms:PutKeyPolicy, so the MFA guard can be removed without MFA: anyone allowed "
            "PutKeyPolicy can delete this Deny first and then schedule deletion"
        )
    return wrong, ([f"add {_join(missing)} to its Action"] if missing else [])


def _weak_deny_message(stmt: Statement, defects: Sequence[str], missing: Sequence[str], actions: Sequence[str]) -> str:
    wrong, fixes = _defect_texts(stmt, defects)
    more_wrong, more_fixes = _missing_texts(missing)
    wrong += more_wrong
    fixes += more_fixes
    return (
        f"{_cap(_name(stmt))} is an MFA guard for {_join(actions)} that does not hold: {'; '.join(wrong)}. "
        f"Fix it: {'; '.join(fixes)}."
    )


def _deny_hits(policy: Policy, actions: Sequence[str], exposed: Sequence[str]) -> Iterator[Outcome]:
    denies = [d for d in policy.mfa_denies() if any(d.covers(a) for a in actions)]
    missing = [a for a in exposed if not any(d.covers(a) for d in denies)]
    for i, deny in enumerate(denies):
        defects = deny.mfa_guard_defects()
        own_missing = missing if i == 0 else []
        if (defects and any(deny.covers(a) for a in exposed)) or own_missing:
            yield Hit(deny.location, _weak_deny_message(deny, defects, own_missing, actions))


def destructive_without_mfa(subject: PolicySubject, params: Mapping[str, Any], inv: Inventory) -> Iterator[Outcome]:
    """KMS001: nobody but a service may call a destructive action without MFA."""
    policy = subject.policy
    if not policy.known:
        yield Undecided(policy.location, "key policy could not be resolved")
        return
    actions = required_actions(subject, params)
    for stmt in policy.statements:
        if not stmt.known:
            yield Undecided(stmt.location, "statement could not be resolved")
    exposed = [a for a in actions if policy.mfa_guard(a) is None and policy.without_mfa(a)]
    if not exposed or policy.may_hide_a_deny:  # an unresolved statement may be the guard
        return
    denies = [d for d in policy.mfa_denies() if any(d.covers(a) for a in actions)]
    unsure = [d for d in denies if d.principal_unresolved]
    for deny in unsure:
        yield Undecided(deny.location, "the principal of this MFA Deny could not be resolved")
    if unsure:
        return
    if denies:
        yield from _deny_hits(policy, actions, exposed)
        return
    grants: dict[Statement, list[str]] = {}
    for action in exposed:
        for stmt in policy.without_mfa(action):
            if not stmt.is_public:  # KMS012 reports it; MFA would not make it safe
                grants.setdefault(stmt, []).append(action)
    for stmt, acts in grants.items():
        yield Hit(stmt.location, _grant_message(subject, stmt, acts, actions))


# --- KMS012 ------------------------------------------------------------------------------


def _actions_text(stmt: Statement) -> str:
    if stmt.not_actions is not None:
        return "every action except " + ", ".join(stmt.not_actions[:4])
    return ", ".join(stmt.actions[:4]) + (" ..." if len(stmt.actions) > 4 else "") if stmt.actions else "its actions"


_PIN_ADVICE = (
    'Name the principals, or add a condition such as "StringEquals": {"kms:CallerAccount": "<account id>"} '
    'or {"aws:PrincipalOrgID": "o-..."}.'
)


def _pin_failures(stmt: Statement) -> str:
    problems = [p for p in (c.pin_problem() for c in stmt.conditions if c.names_caller) if p]
    return f" ({'; '.join(problems[:2])})" if problems else ""


def _public_message(stmt: Statement) -> str:
    acts = _actions_text(stmt)
    if stmt.all_but_some:
        return (
            f"{_cap(_name(stmt))} allows {acts} to every principal except {_who(stmt.not_principals or ())} "
            f"(NotPrincipal with Allow): any account can use this key{_pin_failures(stmt)}. IAM no longer supports "
            f"NotPrincipal with Allow; list the principals in Principal instead. {_PIN_ADVICE}"
        )
    return (
        f"{_cap(_name(stmt))} allows {acts} to every AWS principal (\"*\") with no condition that pins the "
        f"caller{_pin_failures(stmt)}: any account can use this key. {_PIN_ADVICE}"
    )


def public_access(subject: PolicySubject, params: Mapping[str, Any], inv: Inventory) -> Iterator[Outcome]:
    """KMS012: an Allow to every principal with no condition pinning the caller."""
    for stmt in subject.policy.statements:
        if not stmt.known:
            yield Undecided(stmt.location, "statement could not be resolved")
        elif stmt.is_public:
            yield Hit(stmt.location, _public_message(stmt))
        elif stmt.is_allow and stmt.principal_unresolved and not stmt.pins_caller:
            yield Undecided(stmt.location, "an AWS principal could not be resolved and might be \"*\"")


# --- KMS014 ------------------------------------------------------------------------------


def _window_guard_snippet(min_days: int) -> str:
    return (
        '{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:ScheduleKeyDeletion", "Resource": "*", '
        f'"Condition": {{"NumericLessThan": {{"kms:ScheduleKeyDeletionPendingWindowInDays": "{min_days}"}}}}}}'
    )


def _weak_window_message(stmt: Statement, floor: int, min_days: int) -> str:
    wrong: list[str] = []
    if floor < min_days:
        wrong.append(f"only denies deletion windows below {floor} days; the minimum is {min_days}")
    if stmt.all_but_some:
        wrong.append(f"exempts {_who(stmt.not_principals or ())} (NotPrincipal)")
    elif not stmt.everyone:
        wrong.append(f"applies only to {_who(stmt.principals or ())}, not to every principal")
    others = [f"{c.operator} {c.key}" for c in stmt.conditions if c.key_lc != WINDOW_KEY]
    if others:
        wrong.append(f"is narrowed by {', '.join(others[:3])}")
    fix = (
        f"A guard counts only as a Deny for every principal with no other condition: {_window_guard_snippet(min_days)}"
        if stmt.window_narrowed()
        else f"Raise the value to {min_days} (NumericLessThan) or {min_days - 1} (NumericLessThanEquals)."
    )
    return f"{_cap(_name(stmt))} {'; '.join(wrong)}. {fix}"


def window_guard(subject: PolicySubject, params: Mapping[str, Any], inv: Inventory) -> Iterator[Outcome]:
    """KMS014: the policy should deny ScheduleKeyDeletion with a window below ``min_days``."""
    policy = subject.policy
    min_days = int(params["min_days"])
    if min_days <= 7:  # AWS itself refuses windows below 7 days: nothing to guard
        return
    if not policy.known:
        yield Undecided(policy.location, "key policy could not be resolved")
        return
    if policy.enforces_window(min_days):
        return
    if any(not s.known for s in policy.statements):
        yield Undecided(policy.location, "key policy has unresolved statements")
        return
    denies = policy.window_guards()
    allows = [(a, a.allowed_window_floor()) for a in policy.allows(SCHEDULE_DELETION)]
    if not denies and any(f is not None for _, f in allows):  # an Allow-side guard with a gap
        stmt, floor = next((a, f) for a, f in allows if f is None or f < min_days)
        has = f"demands only {floor} days" if floor is not None else "has no window condition"
        yield Hit(
            stmt.location,
            f"{_cap(_name(stmt))} allows ScheduleKeyDeletion and {has}: a window condition on Allows guards "
            f"deletion only when every statement that allows ScheduleKeyDeletion demands {min_days} days "
            f'("NumericGreaterThanEquals": {{"kms:ScheduleKeyDeletionPendingWindowInDays": "{min_days}"}}), '
            f"or use a Deny: {_window_guard_snippet(min_days)}",
        )
        return
    if denies:
        stmt, floor = denies[0]
        yield Hit(stmt.location, _weak_window_message(stmt, floor, min_days))
        return
    yield Hit(
        subject.policy.location if not policy.is_default else subject.header,
        "The deletion window in code protects only deletions made by this tool: a person calling "
        "ScheduleKeyDeletion picks their own window, as short as 7 days. "
        f"Add to the key policy: {_window_guard_snippet(min_days)}",
    )
