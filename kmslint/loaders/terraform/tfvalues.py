"""Runtime values of the Terraform evaluator.

Plain Python values (None, bool, int, float, str, list, dict) plus:
- ``UNKNOWN``: cannot be resolved (a variable with no value); rules never fire on it.
- :class:`Text`: a string that remembers where it was written, and whether it holds
  placeholders for values only known at apply time (``${aws_kms_key.a.arn}``): such a string
  has a known shape (an ARN, an account id) even though its exact text is not known.
- :class:`LocDict` / :class:`LocList`: collections that remember where they were written,
  so a policy statement built from HCL points at its own line.
- :class:`Encoded`: the result of ``jsonencode``; keeps the structure for policy analysis.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from ...model.values import UNKNOWN, Location


class EvalError(Exception):
    """An expression is invalid at evaluation time (caught by ``try``/``can``)."""


class Text(str):
    loc: Optional[Location]
    partial: bool
    ref: str
    attr: str

    def __new__(cls, value: str, loc: Optional[Location] = None, partial: bool = False, ref: str = "", attr: str = "") -> "Text":
        obj = super().__new__(cls, value)
        obj.loc, obj.partial, obj.ref, obj.attr = loc, partial, ref, attr
        return obj


def placeholder(address: str, attr: str, loc: Optional[Location] = None) -> Text:
    """A computed attribute: known to exist and to be concrete, not known in text."""
    return Text("${" + f"{address}.{attr}" + "}", loc, partial=True, ref=address, attr=attr)


class LocDict(dict):  # type: ignore[type-arg]
    loc: Optional[Location] = None


class LocList(list):  # type: ignore[type-arg]
    loc: Optional[Location] = None


def with_loc(value: Any, loc: Optional[Location]) -> Any:
    if isinstance(value, dict) and not isinstance(value, LocDict):
        value = LocDict(value)
    elif isinstance(value, list) and not isinstance(value, LocList):
        value = LocList(value)
    if isinstance(value, (LocDict, LocList)) and value.loc is None:
        value.loc = loc
    return value


class Encoded:
    """``jsonencode(x)``: the structure, and its JSON text on demand."""

    def __init__(self, value: Any, loc: Optional[Location]) -> None:
        self.value, self.loc = value, loc

    def text(self) -> Any:
        if contains_unknown(self.value):
            return UNKNOWN
        return Text(json.dumps(plainify(self.value)), self.loc, partial=is_partial(self.value))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Encoded) and plainify(self.value) == plainify(other.value)

    def __hash__(self) -> int:
        return hash(json.dumps(plainify(self.value), sort_keys=True, default=str))


def plainify(value: Any) -> Any:
    if isinstance(value, Encoded):
        return plainify(value.value)
    if isinstance(value, dict):
        return {str(k): plainify(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plainify(v) for v in value]
    if isinstance(value, Text):
        return str(value)
    return value


def contains_unknown(value: Any, depth: int = 0) -> bool:
    if value is UNKNOWN:
        return True
    if depth > 64:
        return False
    if isinstance(value, Encoded):
        return contains_unknown(value.value, depth + 1)
    if isinstance(value, dict):
        return any(contains_unknown(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(contains_unknown(v, depth + 1) for v in value)
    return False


def is_partial(value: Any, depth: int = 0) -> bool:
    if isinstance(value, Text):
        return value.partial
    if depth > 64:
        return False
    if isinstance(value, dict):
        return any(is_partial(v, depth + 1) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(is_partial(v, depth + 1) for v in value)
    return False


def to_text(value: Any) -> Any:
    """Terraform's string conversion for interpolation; UNKNOWN stays UNKNOWN."""
    if value is UNKNOWN:
        return UNKNOWN
    if isinstance(value, Encoded):
        return value.text()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float, str)):
        return value if isinstance(value, Text) else str(value)
    if value is None:
        raise EvalError("null value in a string template")
    raise EvalError(f"cannot use a {type(value).__name__} in a string")
