"""What rules are evaluated over, and how named Python predicates are declared.

A predicate is a typed function for semantics the condition language cannot say well
(policy analysis, pattern matching, replica ordering). It receives one target, the rule's
resolved parameters and the whole inventory, and yields :class:`Hit` objects. It keeps no
state. Register it in ``kmslint/predicates/__init__.py`` (an explicit registry, so grep finds
every predicate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Optional, Union

from ..model.policy import Policy
from ..model.resources import Inventory, Key, ParseError, PolicyDocument
from ..model.values import Location


@dataclass(frozen=True)
class Hit:
    """A predicate's verdict for one place. ``level`` overrides the rule's level if set."""

    location: Location
    message: str
    level: Optional[str] = None
    resource: str = ""
    related: tuple[Location, ...] = ()  # other places the verdict depends on (JSON ``related``)


@dataclass(frozen=True)
class Undecided:
    """A predicate could not decide because of an UNKNOWN value (for --show-unknown)."""

    location: Location
    detail: str


@dataclass(frozen=True)
class PolicySubject:
    """A policy to check: a key's effective policy, or a standalone key-policy file."""

    address: str
    unit: str
    policy: Policy
    header: Location
    key: Optional[Key] = None

    @staticmethod
    def of_key(key: Key) -> "PolicySubject":
        return PolicySubject(key.address, key.unit, key.effective_policy, key.location, key)

    @staticmethod
    def of_document(doc: PolicyDocument) -> "PolicySubject":
        return PolicySubject(doc.address, doc.unit, doc.policy, doc.location, None)


@dataclass(frozen=True)
class Unit:
    """A configuration unit (Terraform root module directory, CloudFormation template)."""

    name: str
    keys: tuple[Key, ...]

    @property
    def location(self) -> Location:
        return self.keys[0].unit_location


Target = Union[Key, PolicySubject, Unit, Inventory, ParseError]
Outcome = Union[Hit, Undecided]
Predicate = Callable[[Any, Mapping[str, Any], Inventory], Iterable[Outcome]]

TARGETS = ("key", "policy", "unit", "inventory", "parse-error")


def targets(kind: str, inv: Inventory) -> tuple[Any, ...]:
    """The objects a rule with ``target: kind`` is evaluated over, in a stable order."""
    if kind == "key":
        return inv.keys
    if kind == "policy":
        return tuple(PolicySubject.of_key(k) for k in inv.keys) + tuple(
            PolicySubject.of_document(d) for d in inv.policy_documents
        )
    if kind == "unit":
        names = list(dict.fromkeys(k.unit for k in inv.keys))
        return tuple(Unit(n, inv.keys_in(n)) for n in names)
    if kind == "inventory":
        return (inv,)
    if kind == "parse-error":
        return inv.parse_errors
    raise ValueError(f"unknown rule target {kind!r}")
