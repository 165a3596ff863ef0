"""Key policies: normalised statements and the semantics every policy rule relies on.

The normalisation follows the IAM policy grammar: Statement may be one object or a list;
Action/NotAction/Resource/Principal values may be a string or a list; ``"*"`` as a principal is
``{"AWS": "*"}``; condition operators and keys are case-insensitive; ``"true"``, ``true`` and
``["true"]`` are the same value. Loaders build these objects with :func:`statement_from_json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Sequence

from ..wildcard import ascii_lower, glob_match
from .policy_text import account_of_arn, has_policy_variable, is_fixed, is_placeholder, is_root_arn
from .values import UNKNOWN, Location, Tri

MFA_PRESENT = "aws:multifactorauthpresent"
MFA_AGE = "aws:multifactorauthage"
VIA_AWS_SERVICE = "aws:viaawsservice"
WINDOW_KEY = "kms:schedulekeydeletionpendingwindowindays"
SCHEDULE_DELETION = "kms:ScheduleKeyDeletion"
# Keys that name the caller itself, in every request.
CALLER_KEYS = frozenset(
    {"kms:calleraccount", "aws:principalaccount", "aws:principalorgid", "aws:principalarn", "aws:principalorgpaths"}
)
# Keys present only when an AWS service principal calls on behalf of a resource: a positive test
# on one (not IfExists) admits only services acting for the named account, organisation or ARN,
# since the key is absent from every other principal's request.
SOURCE_KEYS = frozenset({"aws:sourceaccount", "aws:sourceowner", "aws:sourceorgid", "aws:sourcearn"})
ARN_KEYS = frozenset({"aws:principalarn", "aws:sourcearn"})
ORG_PATH_KEYS = frozenset({"aws:principalorgpaths"})  # multi-valued: o-id/r-root/ou-.../
POSITIVE_OPERATORS = frozenset({"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"})
UNRESOLVED = "<unresolved>"  # the value of an AWS principal whose identity the source leaves unknown


@dataclass(frozen=True)
class Principal:
    """One principal: ``kind`` is AWS, Service, Federated or CanonicalUser.

    ``resolved`` is False for an AWS principal whose value is unknown (a CloudFormation parameter
    without a default, say): it is some AWS principal, possibly ``*``."""

    kind: str
    value: str
    resolved: bool = True

    @property
    def is_wildcard(self) -> bool:
        return self.kind == "AWS" and self.value == "*"

    @property
    def is_account_root(self) -> bool:
        """The account itself (a bare account id is its root): access is delegated to IAM policies."""
        if self.kind != "AWS" or not self.resolved:
            return False
        v = self.value
        return (len(v) == 12 and v.isascii() and v.isdigit()) or _names_an_account(v) or is_root_arn(v)

    @property
    def is_service(self) -> bool:
        return self.kind == "Service"


def _names_an_account(value: str) -> bool:
    """A deploy-time value that is an account id: ``${data.aws_caller_identity.current.account_id}``,
    ``${AWS::AccountId}``, ``<account>``."""
    if not is_placeholder(value):
        return False
    name = ascii_lower(value[2:-1] if value.startswith("${") else value[1:-1])
    return name.endswith("account_id") or name in ("aws::accountid", "account")


@dataclass(frozen=True)
class Condition:
    """One condition test. ``operator`` and ``key`` keep their source spelling."""

    operator: str
    key: str
    values: tuple[str, ...]

    @property
    def op(self) -> str:
        return ascii_lower(self.operator)

    @property
    def key_lc(self) -> str:
        return ascii_lower(self.key)

    @property
    def set_qualifier(self) -> str:
        """``forallvalues``, ``foranyvalue`` or ``""``."""
        head, sep, _ = self.op.partition(":")
        return head if sep else ""

    @property
    def base_op(self) -> str:
        """The operator without its set qualifier and without ``IfExists``."""
        op = self.op.partition(":")[2] or self.op
        return op[: -len("ifexists")] if op.endswith("ifexists") else op

    @property
    def if_exists(self) -> bool:
        return self.op.endswith("ifexists")

    def _values_are(self, value: str) -> bool:
        return bool(self.values) and set(self.values) == {value}

    def _numeric(self) -> list[int]:
        return [int(v) for v in self.values if v.lstrip("-").isdigit() and v.isascii()]

    def mfa_allow_test(self) -> bool:
        """An Allow condition that admits only MFA-authenticated requests: ``Bool
        aws:MultiFactorAuthPresent true`` or ``NumericLessThan[Equals] aws:MultiFactorAuthAge``.
        Their IfExists forms are true when the key is absent, as in every request signed with
        long-term access keys, so they do not count."""
        if self.set_qualifier or self.if_exists:
            return False
        if self.key_lc == MFA_PRESENT:
            return self.base_op == "bool" and self._values_are("true")
        if self.key_lc == MFA_AGE:
            return self.base_op in ("numericlessthan", "numericlessthanequals") and bool(self._numeric())
        return False

    def admits_access_keys(self) -> bool:
        """``BoolIfExists aws:MultiFactorAuthPresent true`` on an Allow: MFA or long-term access keys."""
        return self.key_lc == MFA_PRESENT and self.op == "boolifexists" and self._values_are("true")

    def mfa_deny_test(self) -> Optional[str]:
        """On a Deny: ``"full"`` for a test true whenever MFA is missing (BoolIfExists
        aws:MultiFactorAuthPresent false, Null aws:MultiFactorAuthAge true, NumericGreaterThanIfExists
        aws:MultiFactorAuthAge), ``"weak"`` for the plain forms that are false when the key is absent
        (Bool ... false, NumericGreaterThan), None for anything else."""
        if self.set_qualifier:
            return None
        if self.key_lc == MFA_PRESENT and self.base_op == "bool" and self._values_are("false"):
            return "full" if self.if_exists else "weak"
        if self.key_lc == MFA_AGE:
            if self.op == "null" and self._values_are("true"):
                return "full"
            if self.base_op in ("numericgreaterthan", "numericgreaterthanequals") and self._numeric():
                return "full" if self.if_exists else "weak"
        return None

    def is_via_aws_service_false(self) -> bool:
        """``Bool aws:ViaAWSService false``: the AWS knowledge-center MFA guard adds it so that
        services calling on the user's behalf are not denied."""
        return self.key_lc == VIA_AWS_SERVICE and self.base_op == "bool" and self._values_are("false")

    @property
    def names_caller(self) -> bool:
        """A key that identifies the caller (:data:`CALLER_KEYS`, or :data:`SOURCE_KEYS`, which
        only service principals' requests carry)."""
        return self.key_lc in CALLER_KEYS or self.key_lc in SOURCE_KEYS

    def pin_problem(self) -> Optional[str]:
        """Why this test does not restrict the caller to fixed accounts, organisations or ARNs;
        None when it does.

        It does when all hold: a key that identifies the caller (:attr:`names_caller`); a positive
        operator that is false when the key is absent (not ``...IfExists``, true for an account
        outside any organisation, say; not ``ForAllValues:``, true for an absent key); fixed values
        (no ``*``/``?`` in the account, no policy variable), as AWS Config's
        kms-key-policy-no-public-access requires.
        """
        if not self.names_caller:
            return f"{self.key} does not identify the caller"
        if self.if_exists:
            return f"{self.operator} is also true when {self.key} is absent from the request"
        if self.set_qualifier == "forallvalues":
            return f"{self.operator} is true when {self.key} is absent from the request"
        if self.base_op not in POSITIVE_OPERATORS:
            return f"{self.operator} does not name the callers it admits"
        bad = [v for v in self.values if not _fixed_for(self.key_lc, v)]
        if not self.values or bad:
            shown = bad[0] if bad else ""
            return f"{self.key} value {shown!r} is not fixed (a wildcard in the account, or a policy variable)"
        return None

    def pins_caller(self) -> bool:
        """Does this test restrict the caller to fixed accounts, organisations or ARNs?"""
        return self.pin_problem() is None


def _fixed_for(key: str, value: str) -> bool:
    """``value`` names fixed callers for condition key ``key``."""
    if has_policy_variable(value):
        return False
    if key in ARN_KEYS:
        if is_placeholder(value):  # a computed ARN, concrete at deploy time
            return True
        account = account_of_arn(value)
        if account is None:
            return False
        return is_fixed(account) if account else is_fixed(value)  # S3 bucket ARNs have no account
    if key in ORG_PATH_KEYS:
        return is_fixed(value.partition("/")[0])
    return is_fixed(value)


@dataclass(frozen=True)
class Statement:
    """A normalised policy statement.

    ``principals`` is None when the statement uses NotPrincipal or has no Principal element.
    ``known`` is False when any element could not be resolved; rules skip such statements.
    """

    location: Location
    effect: str
    sid: str = ""
    principals: Optional[tuple[Principal, ...]] = None
    not_principals: Optional[tuple[Principal, ...]] = None
    actions: tuple[str, ...] = ()
    not_actions: Optional[tuple[str, ...]] = None
    conditions: tuple[Condition, ...] = ()
    known: bool = True

    @property
    def is_allow(self) -> bool:
        return ascii_lower(self.effect) == "allow"

    @property
    def is_deny(self) -> bool:
        return ascii_lower(self.effect) == "deny"

    def covers(self, action: str) -> bool:
        """Does the Action/NotAction element match ``action`` (ignoring effect)?"""
        if self.not_actions is not None:
            return not any(action_matches(p, action) for p in self.not_actions)
        return any(action_matches(p, action) for p in self.actions)

    def grants(self, action: str) -> bool:
        return self.is_allow and self.covers(action)

    @property
    def everyone(self) -> bool:
        """Applies to every principal: ``*``, ``{"AWS": "*"}``."""
        return self.principals is not None and any(p.is_wildcard for p in self.principals)

    @property
    def all_but_some(self) -> bool:
        """Uses NotPrincipal: applies to every principal except those named."""
        return self.not_principals is not None

    @property
    def principal_unresolved(self) -> bool:
        """Some AWS principal's identity is unknown (it might be ``*``)."""
        return any(not p.resolved for p in self.principals or ())

    @property
    def only_services(self) -> bool:
        return bool(self.principals) and all(p.is_service for p in self.principals or ())

    @property
    def to_account_root(self) -> bool:
        return bool(self.principals) and any(p.is_account_root for p in self.principals or ())

    @property
    def requires_mfa(self) -> bool:
        return any(c.mfa_allow_test() for c in self.conditions)

    @property
    def admits_access_keys(self) -> bool:
        """Its only MFA test is ``BoolIfExists aws:MultiFactorAuthPresent true``."""
        return not self.requires_mfa and any(c.admits_access_keys() for c in self.conditions)

    @property
    def pins_caller(self) -> bool:
        return any(c.pins_caller() for c in self.conditions)

    @property
    def is_public(self) -> bool:
        """An Allow for every principal (``*``, or NotPrincipal) that no condition pins."""
        return self.is_allow and (self.everyone or self.all_but_some) and not self.pins_caller

    # --- the MFA guard (KMS001) ------------------------------------------------------------

    def mfa_test(self) -> Optional[str]:
        """For a Deny: ``"full"`` or ``"weak"`` (see :meth:`Condition.mfa_deny_test`) when it tests
        for missing MFA, ``"weak"`` if any of its MFA tests is weak; None otherwise."""
        if not self.is_deny:
            return None
        tests = [t for t in (c.mfa_deny_test() for c in self.conditions) if t]
        if not tests:
            return None
        return "weak" if "weak" in tests else "full"

    def narrowing_conditions(self) -> tuple[Condition, ...]:
        """Conditions of an MFA Deny other than its MFA tests and ``Bool aws:ViaAWSService false``:
        each one makes the Deny apply to fewer requests."""
        return tuple(c for c in self.conditions if not (c.mfa_deny_test() or c.is_via_aws_service_false()))

    def mfa_guard_defects(self) -> tuple[str, ...]:
        """Why this MFA Deny does not stop every principal without MFA: ``"weak"`` (plain Bool or
        NumericGreaterThan), ``"principals"`` (not for ``*``), ``"conditions"`` (narrowed)."""
        defects: list[str] = []
        if self.mfa_test() == "weak":
            defects.append("weak")
        if not self.everyone or self.all_but_some:
            defects.append("principals")
        if self.narrowing_conditions():
            defects.append("conditions")
        return tuple(defects)

    def is_mfa_guard(self, action: str) -> bool:
        """A Deny for every principal on ``action`` whenever MFA is missing, not narrowed."""
        return self.mfa_test() == "full" and self.covers(action) and not self.mfa_guard_defects()

    # --- the deletion-window guard (KMS014) ------------------------------------------------

    def window_floor(self) -> Optional[int]:
        """For a Deny of ScheduleKeyDeletion below a window: the shortest window it lets through.

        ``NumericLessThan N`` lets N through, ``NumericLessThanEquals N`` lets N + 1 (values are
        alternatives: the Deny applies below the largest)."""
        if not (self.is_deny and self.covers(SCHEDULE_DELETION)):
            return None
        for cond in self.conditions:
            if cond.key_lc != WINDOW_KEY or cond.set_qualifier:
                continue
            nums = cond._numeric()
            if nums and cond.base_op == "numericlessthan":
                return max(nums)
            if nums and cond.base_op == "numericlessthanequals":
                return max(nums) + 1
        return None

    def window_narrowed(self) -> bool:
        """A window Deny that does not apply to every principal or has other conditions."""
        others = [c for c in self.conditions if c.key_lc != WINDOW_KEY]
        return not self.everyone or self.all_but_some or bool(others)

    def allowed_window_floor(self) -> Optional[int]:
        """For an Allow of ScheduleKeyDeletion: the shortest window its conditions let through
        (``NumericGreaterThanEquals N`` -> N, ``NumericGreaterThan N`` -> N + 1), None if any."""
        floors: list[int] = []
        for cond in self.conditions:
            if cond.key_lc != WINDOW_KEY or cond.set_qualifier or cond.if_exists:
                continue
            nums = cond._numeric()
            if nums and cond.base_op == "numericgreaterthanequals":
                floors.append(min(nums))
            elif nums and cond.base_op == "numericgreaterthan":
                floors.append(min(nums) + 1)
        return max(floors) if floors else None


@dataclass(frozen=True)
class Policy:
    """A key policy. ``origin`` says where it came from (inline, aws_kms_key_policy, default...)."""

    location: Location
    statements: tuple[Statement, ...] = ()
    origin: str = "inline"
    known: bool = True
    parse_error: str = ""

    @property
    def is_default(self) -> bool:
        return self.origin == "default"

    def allows(self, action: str) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.known and s.grants(action))

    @property
    def may_hide_a_deny(self) -> bool:
        """Some statement could not be resolved and is not known to be an Allow: it may be a guard."""
        return any(not s.known and not s.is_allow for s in self.statements)

    def mfa_denies(self) -> tuple[Statement, ...]:
        """Every Deny that tests for missing MFA, whole guard or not."""
        return tuple(s for s in self.statements if s.known and s.mfa_test() is not None)

    def mfa_guard(self, action: str) -> Optional[Statement]:
        """The Deny that stops every principal calling ``action`` without MFA, if there is one."""
        return next((s for s in self.statements if s.known and s.is_mfa_guard(action)), None)

    def without_mfa(self, action: str) -> tuple[Statement, ...]:
        """The Allows that let a principal other than a service call ``action`` without MFA
        (ignoring Deny guards). An AWS principal of unknown identity counts: no value of it
        would make the grant need MFA."""
        return tuple(s for s in self.allows(action) if not (s.only_services or s.requires_mfa))

    def requires_mfa_for(self, action: str) -> Tri:
        """True when no principal can call ``action`` without MFA (or only services can)."""
        if not self.known:
            return UNKNOWN
        if self.mfa_guard(action) is not None:
            return True
        if self.without_mfa(action):
            return False
        return UNKNOWN if any(not s.known for s in self.statements) else True


    def window_guards(self) -> tuple[tuple[Statement, int], ...]:
        """Every Deny of ScheduleKeyDeletion below some window, with the shortest window it lets through."""
        found = ((s, s.window_floor()) for s in self.statements if s.known)
        return tuple((s, f) for s, f in found if f is not None)

    def enforces_window(self, min_days: int) -> bool:
        """No one can schedule deletion with a window below ``min_days``: a Deny for every principal,
        with no other condition, below ``min_days``; or every Allow of ScheduleKeyDeletion (one at
        least) demands ``min_days`` or more."""
        if any(f >= min_days and not s.window_narrowed() for s, f in self.window_guards()):
            return True
        floors = [s.allowed_window_floor() for s in self.allows(SCHEDULE_DELETION)]
        return bool(floors) and all(f is not None and f >= min_days for f in floors)


def default_policy(header: Location) -> Policy:
    """The policy AWS attaches when none is given: the account root may do ``kms:*``."""
    root = Statement(
        location=header,
        effect="Allow",
        sid="Enable IAM User Permissions",
        principals=(Principal("AWS", "arn:aws:iam::<account>:root"),),
        actions=("kms:*",),
    )
    return Policy(location=header, statements=(root,), origin="default")


def action_matches(pattern: str, action: str) -> bool:
    """IAM action match: ASCII case-insensitive, ``*`` and ``?`` wildcards, linear time."""
    return glob_match(pattern, action, fold_case=True)


# --- building statements from policy JSON -------------------------------------------------


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _scalar_text(value: Any) -> Optional[str]:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def normalise_principals(raw: Any) -> Optional[tuple[Principal, ...]]:
    """``"*"`` -> AWS:*; ``{"AWS": [...], "Service": "..."}`` -> principals. None if malformed.

    An AWS principal whose value is unresolved (UNKNOWN, or text with a loader's unresolved mark)
    becomes an unresolved AWS principal; any other unresolved part makes the whole None."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return (Principal("AWS", raw.strip()),) if raw.strip() == "*" else None
    if not isinstance(raw, Mapping):
        return None
    out: list[Principal] = []
    for kind, values in raw.items():
        if values is UNKNOWN and str(kind) == "AWS":
            out.append(Principal("AWS", UNRESOLVED, resolved=False))
            continue
        for v in _as_list(values):
            if str(kind) == "AWS" and _unresolved(v):
                out.append(Principal("AWS", UNRESOLVED, resolved=False))
                continue
            text = _scalar_text(v)
            if text is None:
                return None
            out.append(Principal(str(kind), text.strip()))
    return tuple(out)


# The CloudFormation loader marks the unresolved parts of text it builds (``Fn::Sub`` of a
# parameter without a default) with this character (kmslint.loaders.cfn.resolve.UNKNOWN_MARK).
_UNRESOLVED_TEXT = "\u27e6kmslint:unknown"


def _unresolved(value: Any, depth: int = 0) -> bool:
    """UNKNOWN, or holds it (or the loaders' unresolved-text mark) somewhere."""
    if value is UNKNOWN:
        return True
    if isinstance(value, str):
        return _UNRESOLVED_TEXT in value
    if depth > 64:
        return False
    if isinstance(value, Mapping):
        return any(_unresolved(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_unresolved(v, depth + 1) for v in value)
    return False


def _only_principal_unresolved(raw: Mapping[str, Any]) -> bool:
    """The statement's only unresolved part is the value of some AWS principals: its verdict
    may not need them (KMS001 fires for any AWS principal allowed a destructive action)."""
    principal = raw.get("Principal")
    if not isinstance(principal, Mapping) or any(_unresolved(v) for k, v in principal.items() if str(k) != "AWS"):
        return False
    rest = {k: v for k, v in raw.items() if k != "Principal"}
    return _unresolved(principal.get("AWS")) and not _unresolved(rest)


def normalise_conditions(raw: Any) -> Optional[tuple[Condition, ...]]:
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        return None
    out: list[Condition] = []
    for op, tests in raw.items():
        if not isinstance(tests, Mapping):
            return None
        for key, values in tests.items():
            texts = [_scalar_text(v) for v in _as_list(values)]
            if any(t is None for t in texts):
                return None
            out.append(Condition(str(op), str(key), tuple(ascii_lower(t) if t in ("True", "False") else t for t in texts if t is not None)))
    return tuple(out)


def _actions(raw: Any) -> Optional[tuple[str, ...]]:
    items = _as_list(raw)
    if not all(isinstance(a, str) for a in items):
        return None
    return tuple(a.strip() for a in items)


def _has_placeholder(effect: Any, actions: Optional[tuple[str, ...]], not_actions: Optional[tuple[str, ...]]) -> bool:
    """A value computed at deploy time (``${...}``) in Effect or Action leaves the grant unknown.

    Principals and condition values may hold placeholders: their shape (an account root, a
    concrete account id) is what the rules need, not their text.
    """
    texts = [effect] if isinstance(effect, str) else []
    texts += list(actions or ()) + list(not_actions or ())
    return any("${" in t for t in texts)


def statement_from_json(raw: Any, location: Location, has_unknown: bool = False) -> Statement:
    """Normalise one JSON statement. Malformed or unresolved parts make it ``known=False``."""
    if not isinstance(raw, Mapping):
        return Statement(location=location, effect="", known=False)
    effect = raw.get("Effect")
    actions = _actions(raw.get("Action"))
    not_actions = _actions(raw.get("NotAction")) if "NotAction" in raw else None
    principals = normalise_principals(raw.get("Principal")) if "Principal" in raw else None
    not_principals = normalise_principals(raw.get("NotPrincipal")) if "NotPrincipal" in raw else None
    conditions = normalise_conditions(raw.get("Condition"))
    known = (
        (not has_unknown or _only_principal_unresolved(raw))
        and not _has_placeholder(effect, actions, not_actions)
        and isinstance(effect, str)
        and actions is not None
        and ("NotAction" not in raw or not_actions is not None)
        and ("Principal" not in raw or principals is not None)
        and conditions is not None
    )
    return Statement(
        location=location,
        effect=effect if isinstance(effect, str) else "",
        sid=str(raw.get("Sid", "")),
        principals=principals,
        not_principals=not_principals,
        actions=actions or (),
        not_actions=not_actions,
        conditions=conditions or (),
        known=bool(known),
    )


def policy_from_json(
    doc: Any,
    location: Location,
    statement_locations: Sequence[Location] = (),
    origin: str = "inline",
    unknown_statements: Iterable[int] = (),
) -> Policy:
    """Build a Policy from a parsed JSON document.

    ``statement_locations[i]`` is where statement ``i`` starts (falls back to ``location``).
    """
    if not isinstance(doc, Mapping) or "Statement" not in doc:
        return Policy(location=location, origin=origin, known=False, parse_error="policy has no Statement")
    raw_statements = doc["Statement"]
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        return Policy(location=location, origin=origin, known=False, parse_error="Statement is not an object or a list")
    unknown = set(unknown_statements)
    statements = tuple(
        statement_from_json(
            raw,
            statement_locations[i] if i < len(statement_locations) else location,
            has_unknown=i in unknown,
        )
        for i, raw in enumerate(raw_statements)
    )
    return Policy(location=location, statements=statements, origin=origin)


__all__ = [
    "Condition",
    "Policy",
    "Principal",
    "Statement",
    "action_matches",
    "default_policy",
    "normalise_conditions",
    "normalise_principals",
    "policy_from_json",
    "statement_from_json",
]
