"""Decoding ``terraform show -json`` output, remembering where each resource change is.

Plans are large (tens of megabytes are common), so values are decoded by the standard
library's C decoder; only the top-level object, the ``resource_changes`` array and each change
object are walked here, which is enough to know the offset of every change's ``"address"``.
Terraform prints a plan on one line, so a location is a line and a column.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from json import decoder as _json_decoder
from json.decoder import JSONDecodeError
from typing import Any, Callable

from ..jsonpos import LineIndex

__all__ = ["JSONDecodeError", "LineIndex", "PlanText", "decode_plan"]

_WS = re.compile(r"[ \t\n\r]*")
_ADDRESS_FIRST = re.compile(r'\{[ \t\n\r]*("address")[ \t\n\r]*:')
# The standard library's string scanner (C when available); typeshed does not declare it.
scanstring: Callable[[str, int, bool], tuple[str, int]] = getattr(_json_decoder, "scanstring")


def _parse_int(digits: str) -> Any:
    """JSON sets no limit on digits; Python's int() refuses more than 4,300. Such a number is inf."""
    try:
        return int(digits)
    except ValueError:
        return float(digits)


_DECODER = json.JSONDecoder(parse_int=_parse_int)

# A value decoder: (text, offset of the value) -> (value, offset after it).
ValueDecoder = Callable[[str, int], tuple[Any, int]]


@dataclass(frozen=True)
class PlanText:
    """A decoded plan: its top-level members and the offset of each change's ``"address"`` key.

    ``change_offsets[i]`` belongs to ``members["resource_changes"][i]`` (the object's ``{`` when
    it has no address).
    """

    members: dict[str, Any]
    change_offsets: tuple[int, ...] = ()
    lines: LineIndex = field(default_factory=lambda: LineIndex(""))


def _skip(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()  # type: ignore[union-attr]


def _raw(text: str, pos: int) -> tuple[Any, int]:
    """One value at ``pos``, decoded by the C decoder; errors carry positions in ``text``."""
    return _DECODER.raw_decode(text, pos)


def _object(text: str, pos: int, member: Callable[[str], ValueDecoder]) -> tuple[dict[str, Any], dict[str, int], int]:
    """Decode the object at ``pos``; ``member(key)`` decodes each value. Returns (members, key offsets, end)."""
    if text[pos : pos + 1] != "{":
        raise JSONDecodeError("Expecting '{'", text, pos)
    members: dict[str, Any] = {}
    offsets: dict[str, int] = {}
    pos = _skip(text, pos + 1)
    if text[pos : pos + 1] == "}":
        return members, offsets, pos + 1
    while True:
        if text[pos : pos + 1] != '"':
            raise JSONDecodeError("Expecting property name enclosed in double quotes", text, pos)
        key, end = scanstring(text, pos + 1, True)
        if key in members:
            raise JSONDecodeError(f"Duplicate key {key!r}", text, pos)
        offsets[key] = pos
        end = _skip(text, end)
        if text[end : end + 1] != ":":
            raise JSONDecodeError("Expecting ':' delimiter", text, end)
        members[key], pos = member(key)(text, _skip(text, end + 1))
        pos = _skip(text, pos)
        if text[pos : pos + 1] == "}":
            return members, offsets, pos + 1
        if text[pos : pos + 1] != ",":
            raise JSONDecodeError("Expecting ',' delimiter", text, pos)
        pos = _skip(text, pos + 1)


class _Changes:
    """Decodes the ``resource_changes`` array, recording where each change names its address."""

    def __init__(self) -> None:
        self.offsets: list[int] = []

    def __call__(self, text: str, pos: int) -> tuple[Any, int]:
        if text[pos : pos + 1] != "[":
            return _raw(text, pos)  # not an array: the loader reports the shape
        items: list[Any] = []
        pos = _skip(text, pos + 1)
        if text[pos : pos + 1] == "]":
            return items, pos + 1
        while True:
            item, end = self._change(text, pos)
            items.append(item)
            pos = _skip(text, end)
            if text[pos : pos + 1] == "]":
                return items, pos + 1
            if text[pos : pos + 1] != ",":
                raise JSONDecodeError("Expecting ',' delimiter", text, pos)
            pos = _skip(text, pos + 1)

    def _change(self, text: str, pos: int) -> tuple[Any, int]:
        first = _ADDRESS_FIRST.match(text, pos)
        if first is not None or text[pos : pos + 1] != "{":
            # Terraform writes "address" first: the C decoder does the rest.
            self.offsets.append(first.start(1) if first is not None else pos)
            return _raw(text, pos)
        members, offsets, end = _object(text, pos, lambda _key: _raw)
        self.offsets.append(offsets.get("address", pos))
        return members, end


def decode_plan(text: str) -> PlanText:
    """Decode a plan. Raises :class:`JSONDecodeError` (with ``lineno``/``colno``) or
    :class:`RecursionError` (absurd nesting); a top-level value that is not an object is an error."""
    changes = _Changes()
    start = _skip(text, 0)
    if text[start : start + 1] != "{":
        raise JSONDecodeError("Expecting a JSON object (a Terraform plan)", text, start)
    members, _, end = _object(text, start, lambda key: changes if key == "resource_changes" else _raw)
    end = _skip(text, end)
    if end != len(text):
        raise JSONDecodeError("Extra data", text, end)
    return PlanText(members, tuple(changes.offsets), LineIndex(text))
