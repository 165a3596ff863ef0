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
        known = facts(self.value)
        if known.unknown or known.too_big(MAX_ENCODED):
            return UNKNOWN
        return Text(json.dumps(plainify(self.value)), self.loc, partial=known.partial)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Encoded):
            return False
        if self is other or facts(self.value).too_big(MAX_ENCODED) or facts(other.value).too_big(MAX_ENCODED):
            return self is other
        return bool(plainify(self.value) == plainify(other.value))

    def __hash__(self) -> int:
        if facts(self.value).too_big(MAX_ENCODED):
            return id(self)
        return hash(json.dumps(plainify(self.value), sort_keys=True, default=str))


# --- what a value holds, computed once per value ----------------------------------------------
#
# Evaluated values share their parts: ``a1 = [local.a0, local.a0]`` holds ``a0`` twice, not a copy, so
# forty such locals are forty small lists whose tree has 2**40 leaves. Every question asked of a whole
# value (does it hold an UNKNOWN, a placeholder; how big is it written out; how deep) is answered once
# per container, by identity, from its children's answers: linear in the distinct parts, not in the tree.

MAX_VALUE_DEPTH = 64  # real values (a policy document) nest under 10; deeper ones are unknown
MAX_ENCODED = 1_000_000  # elements and characters jsonencode may write; a key policy is at most 32 KB
_SATURATE = 1 << 62  # sizes stop growing here, so a doubling chain stays a small integer
_MEMO_LIMIT = 200_000


class Facts:
    """What a value holds: its size written out (elements + characters, shared parts counted each time
    they are used), its depth, and whether an UNKNOWN or a placeholder is anywhere inside."""

    __slots__ = ("size", "depth", "unknown", "partial")

    def __init__(self, size: int, depth: int, unknown: bool, partial: bool) -> None:
        self.size, self.depth, self.unknown, self.partial = size, depth, unknown, partial

    def too_big(self, max_size: int) -> bool:
        return self.size > max_size or self.depth > MAX_VALUE_DEPTH


_TOO_DEEP = Facts(_SATURATE, MAX_VALUE_DEPTH + 1, True, True)
_memo: dict[int, tuple[Any, Facts]] = {}  # id -> (the value, kept alive so its id is not reused; facts)


def clear_facts() -> None:
    """Forget memoized facts (between configurations, so values do not outlive their evaluation)."""
    _memo.clear()


def facts(value: Any, level: int = 0) -> Facts:
    """The :class:`Facts` of ``value``; containers are memoized by identity."""
    if value is UNKNOWN:
        return Facts(1, 0, True, False)
    if isinstance(value, str):
        return Facts(len(value) + 1, 0, False, isinstance(value, Text) and value.partial)
    children: Any
    if isinstance(value, Encoded):
        children = (value.value,)
    elif isinstance(value, dict):
        children = value.values()
    elif isinstance(value, (list, tuple)):
        children = value
    else:
        return Facts(1, 0, False, False)
    hit = _memo.get(id(value))
    if hit is not None and hit[0] is value:
        return hit[1]
    if level > MAX_VALUE_DEPTH:
        return _TOO_DEEP  # not memoized: the same value reached from nearer the top is measured properly
    size, depth, unknown, partial = 1 + (sum(len(str(k)) + 1 for k in value) if isinstance(value, dict) else 0), 0, False, False
    for child in children:
        f = facts(child, level + 1)
        size = min(size + f.size, _SATURATE)
        depth, unknown, partial = max(depth, f.depth + 1), unknown or f.unknown, partial or f.partial
    result = Facts(size, depth, unknown, partial)
    if len(_memo) >= _MEMO_LIMIT:
        _memo.clear()
    _memo[id(value)] = (value, result)
    return result


def plainify(value: Any) -> Any:
    """JSON-ready data; callers check :func:`facts` first, so the copy it makes is bounded."""
    if isinstance(value, Encoded):
        return plainify(value.value)
    if isinstance(value, dict):
        return {str(k): plainify(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plainify(v) for v in value]
    if isinstance(value, Text):
        return str(value)
    return value


def contains_unknown(value: Any) -> bool:
    """UNKNOWN anywhere inside (or the value nests too deeply to tell)."""
    return facts(value).unknown


def is_partial(value: Any) -> bool:
    """A placeholder (a value only known at apply time) anywhere inside."""
    return facts(value).partial


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
        try:
            return value if isinstance(value, Text) else str(value)
        except ValueError:  # an integer of more than 4,300 digits
            raise EvalError("number too large to write as text") from None
    if value is None:
        raise EvalError("null value in a string template")
    raise EvalError(f"cannot use a {type(value).__name__} in a string")
