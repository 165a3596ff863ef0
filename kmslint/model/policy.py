"""Key policies: normalised statements and the semantics every policy rule relies on.

The normalisation follows the IAM policy grammar: Statement may be one object or a list;
Action/NotAction/Resource/Principal values may be a string or a list; ``"*"`` as a principal is
``{"AWS": "*"}``; condition operators and keys are case-insensitive; ``"true"``, ``true`` and
``["true"]`` are the same value. Loaders build these objects with :func:`statement_from_json`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterable, Mapping, Optional, Sequence

from .values import UNKNOWN, Location, Tri

_PLACEHOLDER = r"\$\{[^}]+\}|<[^>]+>"  # a value computed at deploy time: ${...}, <account>
_ROOT_ARN = re.compile(rf"^arn:([a-z0-9-]+|{_PLACEHOLDER}):iam::(\d{{12}}|{_PLACEHOLDER}):root$", re.I)
_ACCOUNT_ID = re.compile(r"^\d{12}$")
MFA_PRESENT = "aws:multifactorauthpresent"
MFA_AGE = "aws:multifactorauthage"
WINDOW_KEY = "kms:schedulekeydeletionpendingwindowindays"
PINNING_KEYS = frozenset(
    {
        "kms:calleraccount",
        "aws:principalaccount",
        "aws:principalorgid",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:principalarn",
        "aws:sourceowner",
        "aws:principalorgpaths",
    }
)


@dataclass(frozen=True)
class Principal:
    """One principal: ``kind`` is AWS, Service, Federated or CanonicalUser."""

    kind: str
    value: str

    @property
    def is_wildcard(self) -> bool:
        return self.kind == "AWS" and self.value == "*"

    @property
    def is_account_root(self) -> bool:
        """The account itself: access is delegated to IAM policies."""
        return self.kind == "AWS" and bool(_ACCOUNT_ID.match(self.value) or _ROOT_ARN.match(self.value))

    @property
    def is_service(self) -> bool:
        return self.kind == "Service"


@dataclass(frozen=True)
class Condition:
    """One condition test. ``operator`` and ``key`` keep their source spelling."""

    operator: str
    key: str
    values: tuple[str, ...]

    @property
    def op(self) -> str:
        return self.operator.lower()

    @property
    def key_lc(self) -> str:
        return self.key.lower()

    def is_mfa_required(self) -> bool:
        """An Allow condition that admits only MFA-authenticated requests."""
        if self.key_lc == MFA_PRESENT:
            return self.op == "bool" and set(self.values) == {"true"}
        if self.key_lc == MFA_AGE:
            return self.op in ("numericlessthan", "numericlessthanequals")
        return False

    def is_mfa_absent_test(self) -> bool:
        """A Deny condition ``aws:MultiFactorAuthPresent == false``, with or without IfExists."""
        return self.key_lc == MFA_PRESENT and self.op in ("bool", "boolifexists") and set(self.values) == {"false"}

    def pins_caller(self) -> bool:
        """Limits the caller to concrete accounts, organisations or ARNs."""
        if self.key_lc not in PINNING_KEYS or "not" in self.op or self.op.startswith("null"):
            return False
        return bool(self.values) and all(v not in ("*", "") for v in self.values)


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
        return self.effect.lower() == "allow"

    @property
    def is_deny(self) -> bool:
        return self.effect.lower() == "deny"

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
    def only_services(self) -> bool:
        return bool(self.principals) and all(p.is_service for p in self.principals or ())

    @property
    def to_account_root(self) -> bool:
        return bool(self.principals) and any(p.is_account_root for p in self.principals or ())

    @property
    def requires_mfa(self) -> bool:
        return any(c.is_mfa_required() for c in self.conditions)

    @property
    def pins_caller(self) -> bool:
        return any(c.pins_caller() for c in self.conditions)

    def mfa_guard(self, action: str) -> Optional[str]:
        """If this is a Deny for everyone on ``action`` when MFA is absent: its operator.

        Returns ``"boolifexists"`` (a full guard), ``"bool"`` (lets access-key requests through)
        or None. Extra conditions narrow a Deny, so only a statement whose sole condition is
        the MFA test counts.
        """
        if not (self.is_deny and self.everyone and self.covers(action)) or len(self.conditions) != 1:
            return None
        cond = self.conditions[0]
        return cond.op if cond.is_mfa_absent_test() else None

    def window_floor(self) -> Optional[int]:
        """For a Deny of ScheduleKeyDeletion below a window: the smallest window it allows."""
        if not (self.is_deny and self.covers("kms:ScheduleKeyDeletion")):
            return None
        for cond in self.conditions:
            if cond.key_lc == WINDOW_KEY and cond.op in ("numericlessthan", "numericlessthanifexists"):
                nums = [int(v) for v in cond.values if v.lstrip("-").isdigit()]
                if nums:
                    return min(nums)
        return None


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

    def mfa_guards(self, action: str) -> dict[str, Statement]:
        """Deny-without-MFA statements covering ``action``, by operator (bool/boolifexists)."""
        found: dict[str, Statement] = {}
        for s in self.statements:
            op = s.mfa_guard(action) if s.known else None
            if op and op not in found:
                found[op] = s
        return found

    def requires_mfa_for(self, action: str) -> Tri:
        """True when no principal can call ``action`` without MFA (or only services can)."""
        if not self.known:
            return UNKNOWN
        if "boolifexists" in self.mfa_guards(action):
            return True
        if any(not s.known for s in self.statements):
            return UNKNOWN
        return all(s.only_services or s.requires_mfa for s in self.allows(action))


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


@lru_cache(maxsize=512)
def _action_regex(pattern: str) -> "re.Pattern[str]":
    parts = (".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile("^" + "".join(parts) + "$", re.I | re.S)


def action_matches(pattern: str, action: str) -> bool:
    """IAM action match: case-insensitive, ``*`` and ``?`` wildcards."""
    return bool(_action_regex(pattern).match(action))


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
    """``"*"`` -> AWS:*; ``{"AWS": [...], "Service": "..."}`` -> principals. None if malformed."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return (Principal("AWS", raw.strip()),) if raw.strip() == "*" else None
    if not isinstance(raw, Mapping):
        return None
    out: list[Principal] = []
    for kind, values in raw.items():
        for v in _as_list(values):
            text = _scalar_text(v)
            if text is None:
                return None
            out.append(Principal(str(kind), text.strip()))
    return tuple(out)


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
            out.append(Condition(str(op), str(key), tuple(t.lower() if t in ("True", "False") else t for t in texts if t is not None)))
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
        not has_unknown
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
