"""Source locations, three-valued logic and located values.

Every fact in the model is a :class:`Value`: what the source says (or the AWS default when the
source is silent), where it is said, and whether it could be resolved at all. A value that
cannot be resolved (a variable with no default, a computed attribute) is ``UNKNOWN`` and rules
never fire on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, TypeVar, Union

T = TypeVar("T")


class _Unknown(Enum):
    """Singleton marker for a value kmslint could not resolve."""

    UNKNOWN = "UNKNOWN"

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:  # pragma: no cover - guard against accidental truthiness
        raise TypeError("UNKNOWN has no truth value; use tri-state helpers")


UNKNOWN = _Unknown.UNKNOWN
"""The one unknown value. Compare with ``is``."""

Tri = Union[bool, _Unknown]
"""Three-valued truth: True, False or UNKNOWN."""


def is_unknown(value: object) -> bool:
    return value is UNKNOWN


def tri_not(a: Tri) -> Tri:
    return UNKNOWN if a is UNKNOWN else not a


def tri_all(values: "list[Tri]") -> Tri:
    """Kleene AND: False wins, then UNKNOWN, then True."""
    if any(v is False for v in values):
        return False
    if any(v is UNKNOWN for v in values):
        return UNKNOWN
    return True


def tri_any(values: "list[Tri]") -> Tri:
    """Kleene OR: True wins, then UNKNOWN, then False."""
    if any(v is True for v in values):
        return True
    if any(v is UNKNOWN for v in values):
        return UNKNOWN
    return False


@dataclass(frozen=True, order=True)
class Location:
    """A span in a scanned file. ``path`` is relative to the scan root with forward slashes.

    Lines and columns are 1-based; columns count Unicode code points.
    """

    path: str
    line: int
    column: int = 1
    end_line: int = 0
    end_column: int = 0

    def __post_init__(self) -> None:
        if self.end_line < self.line:
            object.__setattr__(self, "end_line", self.line)
        if self.end_line == self.line and self.end_column < self.column:
            object.__setattr__(self, "end_column", self.column)


class Presence(str, Enum):
    """How a value got into the model."""

    SET = "set"  # written in the source (possibly through variables)
    DEFAULT = "default"  # absent from the source: the AWS default applies
    UNKNOWN = "unknown"  # present but not resolvable


@dataclass(frozen=True)
class Value(Generic[T]):
    """A model field: its value, where it comes from, and whether it is known.

    ``location`` is where a fix goes: the attribute, the module argument that fed it, or the
    resource header when the attribute is absent.
    """

    value: Union[T, _Unknown]
    location: Location
    presence: Presence = Presence.SET
    note: str = ""  # e.g. "when condition IsProd is true" for Fn::If branches
    # Other places the value comes through (a variable default, a tfvars line, a module argument):
    # findings about it carry them as ``related`` so a pre-commit scan of any of those files sees them.
    related: tuple[Location, ...] = field(default=(), compare=False)

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN

    @property
    def is_set(self) -> bool:
        return self.presence is Presence.SET

    @staticmethod
    def default(value: T, header: Location) -> "Value[T]":
        return Value(value, header, Presence.DEFAULT)

    @staticmethod
    def unknown(location: Location, note: str = "") -> "Value[Any]":
        return Value(UNKNOWN, location, Presence.UNKNOWN, note)


def tri_eq(value: "Value[Any]", expected: object) -> Tri:
    """Three-valued equality of a model value with a literal."""
    if value.value is UNKNOWN:
        return UNKNOWN
    return bool(value.value == expected)
