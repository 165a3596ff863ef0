"""JSON decoding that remembers where every object, array, string and key starts.

The standard library's scanner is reused (``json.scanner.py_make_scanner``); only the object,
array and string callbacks are replaced so each value carries its start offset. Offsets are
indices into the decoded text (code points); :class:`LineIndex` turns them into 1-based lines
and columns, counting CRLF, CR and LF as one line break each, as editors do.

Duplicate object keys are an error (:class:`DuplicateKeyError`): a policy whose meaning depends
on which duplicate wins cannot be evaluated honestly.
"""

from __future__ import annotations

import bisect
import re
from json import decoder as _decoder
from json import scanner as _scanner
from json.decoder import JSONDecodeError
from typing import Any, Callable, Optional

__all__ = [
    "DuplicateKeyError",
    "JArray",
    "JObject",
    "JSONDecodeError",
    "JString",
    "LineIndex",
    "loads",
]

# Undocumented but long-stable parts of the json package (untyped in typeshed).
scanstring: Callable[[str, int, bool], tuple[str, int]] = getattr(_decoder, "scanstring")
_json_array: Callable[..., tuple[list[Any], int]] = getattr(_decoder, "JSONArray")
_make_scanner: Callable[[Any], Callable[[str, int], tuple[Any, int]]] = getattr(_scanner, "py_make_scanner")
_CONSTANTS: dict[str, float] = getattr(_decoder, "_CONSTANTS")

_WS = re.compile(r"[ \t\n\r]*")
_BREAK = re.compile(r"\r\n|\r|\n")


class JObject(dict):  # type: ignore[type-arg]
    """A JSON object with the offset of its ``{`` and of each key's opening quote."""

    start: int
    key_offsets: dict[str, int]


class JArray(list):  # type: ignore[type-arg]
    """A JSON array with the offset of its ``[``."""

    start: int


class JString(str):
    """A JSON string with the offset of its opening quote."""

    start: int


class DuplicateKeyError(ValueError):
    """An object repeats a key; ``offset`` is the repeat, ``first`` the original."""

    def __init__(self, key: str, offset: int, first: int) -> None:
        super().__init__(f"duplicate key {key!r}")
        self.key, self.offset, self.first = key, offset, first


def _skip(s: str, end: int) -> int:
    return _WS.match(s, end).end()  # type: ignore[union-attr]


def _parse_object(
    s_and_end: tuple[str, int], strict: bool, scan_once: Callable[[str, int], tuple[Any, int]], *_: Any
) -> tuple[JObject, int]:
    s, end = s_and_end
    obj = JObject()
    obj.start, obj.key_offsets = end - 1, {}
    end = _skip(s, end)
    if s[end : end + 1] == "}":
        return obj, end + 1
    while True:
        if s[end : end + 1] != '"':
            raise JSONDecodeError("Expecting property name enclosed in double quotes", s, end)
        key_start = end
        key, end = scanstring(s, end + 1, strict)
        end = _skip(s, end)
        if s[end : end + 1] != ":":
            raise JSONDecodeError("Expecting ':' delimiter", s, end)
        end = _skip(s, end + 1)
        try:
            value, end = scan_once(s, end)
        except StopIteration as err:
            raise JSONDecodeError("Expecting value", s, err.value) from None
        if key in obj:
            raise DuplicateKeyError(key, key_start, obj.key_offsets[key])
        obj[key], obj.key_offsets[key] = value, key_start
        end = _skip(s, end)
        if s[end : end + 1] == "}":
            return obj, end + 1
        if s[end : end + 1] != ",":
            raise JSONDecodeError("Expecting ',' delimiter", s, end)
        end = _skip(s, end + 1)
        if s[end : end + 1] == "}":
            raise JSONDecodeError("Illegal trailing comma before end of object", s, end)


def _parse_array(s_and_end: tuple[str, int], scan_once: Callable[[str, int], tuple[Any, int]]) -> tuple[JArray, int]:
    values, end = _json_array(s_and_end, scan_once)
    out = JArray(values)
    out.start = s_and_end[1] - 1
    return out, end


def _parse_string(s: str, end: int, strict: bool) -> tuple[JString, int]:
    value, new_end = scanstring(s, end, strict)
    out = JString(value)
    out.start = end - 1
    return out, new_end


def _parse_int(digits: str) -> Any:
    """JSON sets no limit on digits; Python's int() refuses more than 4,300. Such a number is inf."""
    try:
        return int(digits)
    except ValueError:
        return float(digits)


class _Context:
    """The attributes ``py_make_scanner`` reads from a decoder."""

    def __init__(self) -> None:
        self.strict = True
        self.object_hook: Optional[Callable[..., Any]] = None
        self.object_pairs_hook: Optional[Callable[..., Any]] = None
        self.parse_float = float
        self.parse_int = _parse_int
        self.parse_constant = _CONSTANTS.__getitem__
        self.parse_object = _parse_object
        self.parse_array = _parse_array
        self.parse_string = _parse_string
        self.memo: dict[str, str] = {}


def loads(text: str) -> Any:
    """Decode ``text``; objects, arrays and strings carry their start offsets.

    Raises :class:`json.JSONDecodeError` (with ``lineno``/``colno``), :class:`DuplicateKeyError`
    or :class:`RecursionError` for absurdly deep nesting.
    """
    scan = _make_scanner(_Context())
    start = _skip(text, 0)
    try:
        value, end = scan(text, start)
    except StopIteration as err:
        raise JSONDecodeError("Expecting value", text, err.value) from None
    end = _skip(text, end)
    if end != len(text):
        raise JSONDecodeError("Extra data", text, end)
    return value


class LineIndex:
    """Offsets in a text -> 1-based (line, column); columns count code points."""

    def __init__(self, text: str) -> None:
        self._starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def line_col(self, offset: int) -> tuple[int, int]:
        i = bisect.bisect_right(self._starts, offset) - 1
        return i + 1, offset - self._starts[i] + 1

    @property
    def line_count(self) -> int:
        return len(self._starts)
