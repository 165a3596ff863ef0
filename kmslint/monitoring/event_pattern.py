"""EventBridge event patterns: validate one, and evaluate it against one event.

Semantics follow AWS's "Amazon EventBridge event patterns" documentation:

- A pattern is a JSON object. Each field maps to a non-empty array of matchers (the field
  matches when any matcher does) or to an object (a nested pattern for an object field).
  Fields of the same object must all match. ``"$or": [pattern, ...]`` at any level adds an
  alternative group: at least one of its patterns must match at that level.
- A matcher is a literal (string, number, boolean, null; exact, type-sensitive, numbers by
  value) or a one-key content filter: ``prefix``, ``suffix`` (a string, or
  ``{"equals-ignore-case": s}``), ``equals-ignore-case``, ``wildcard`` (``*`` any run of
  characters, ``\\*`` a literal star), ``anything-but`` (a scalar, a list of scalars, or
  ``{"prefix"|"suffix"|"wildcard"|"equals-ignore-case": s or [s, ...]}``), ``numeric``
  (``[op, n, op, n, ...]`` with op in ``< <= = > >=``), ``exists`` (boolean), ``cidr``.
- When the event's value is an array, the field matches if any element matches.
- An absent field matches only ``{"exists": false}``; ``anything-but`` needs the field present
  with a string or number value.

Malformed patterns raise :class:`EventPatternError` naming the path to the bad part.
"""

from __future__ import annotations

import ipaddress
import json
import operator
from typing import Any, Callable, Mapping, Sequence

from ..wildcard import glob_match

__all__ = [
    "EventPatternError",
    "event_pattern_matches",
    "parse_event_pattern",
    "validate_event_pattern",
]

_STRING_FILTERS = frozenset({"prefix", "suffix", "equals-ignore-case", "wildcard"})
_ANYTHING_BUT_FILTERS = frozenset({"prefix", "suffix", "wildcard", "equals-ignore-case"})
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    ">": operator.gt,
    ">=": operator.ge,
}
_NUMERIC_OPS = frozenset(_COMPARE)
_FILTERS = _STRING_FILTERS | {"anything-but", "numeric", "exists", "cidr"}


class EventPatternError(ValueError):
    """A malformed event pattern. ``path`` locates the bad part, e.g. ``detail.eventName[0]``."""

    def __init__(self, reason: str, path: str = "") -> None:
        self.reason = reason
        self.path = path
        super().__init__(f"{reason} at {path}" if path else reason)


# --- validation ---------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, bool, int, float))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def validate_event_pattern(pattern: Any, path: str = "") -> None:
    """Raise :class:`EventPatternError` unless ``pattern`` is a well-formed event pattern."""
    if not isinstance(pattern, Mapping):
        raise EventPatternError("an event pattern is a JSON object", path)
    for key, value in pattern.items():
        if not isinstance(key, str):
            raise EventPatternError("field names are strings", path)
        where = _join(path, key)
        if key == "$or":
            _validate_or(value, where)
        elif isinstance(value, Mapping):
            validate_event_pattern(value, where)
        else:
            _validate_matchers(value, where)


def _validate_or(value: Any, path: str) -> None:
    if not isinstance(value, list) or not value:
        raise EventPatternError("$or takes a non-empty array of patterns", path)
    for i, alternative in enumerate(value):
        validate_event_pattern(alternative, f"{path}[{i}]")


def _validate_matchers(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise EventPatternError("a field's match values must be an array", path)
    if not value:
        raise EventPatternError("a field's match array must not be empty", path)
    for i, matcher in enumerate(value):
        where = f"{path}[{i}]"
        if isinstance(matcher, Mapping):
            _validate_filter(matcher, where)
        elif not _is_scalar(matcher):
            raise EventPatternError("match values are strings, numbers, booleans, null or filters", where)


def _validate_filter(matcher: Mapping[str, Any], path: str) -> None:
    if len(matcher) != 1:
        raise EventPatternError("a content filter has exactly one operator", path)
    ((name, arg),) = matcher.items()
    if name not in _FILTERS:
        raise EventPatternError(f"unknown content filter {name!r}", path)
    _FILTER_VALIDATORS[name](arg, _join(path, name))


def _require_string(arg: Any, path: str) -> None:
    if not isinstance(arg, str):
        raise EventPatternError("expected a string", path)


def _validate_affix(arg: Any, path: str) -> None:
    if isinstance(arg, Mapping) and set(arg) == {"equals-ignore-case"}:
        _require_string(arg["equals-ignore-case"], _join(path, "equals-ignore-case"))
        return
    _require_string(arg, path)


def _validate_exists(arg: Any, path: str) -> None:
    if not isinstance(arg, bool):
        raise EventPatternError("exists takes true or false", path)


def _validate_numeric(arg: Any, path: str) -> None:
    if not isinstance(arg, list) or not arg or len(arg) % 2:
        raise EventPatternError("numeric takes [operator, number, ...] pairs", path)
    for i in range(0, len(arg), 2):
        if arg[i] not in _NUMERIC_OPS or not _is_number(arg[i + 1]):
            raise EventPatternError("numeric takes [operator, number, ...] pairs", f"{path}[{i}]")


def _validate_cidr(arg: Any, path: str) -> None:
    _require_string(arg, path)
    try:
        ipaddress.ip_network(arg, strict=False)
    except ValueError as exc:
        raise EventPatternError(f"invalid CIDR: {exc}", path) from exc


def _validate_anything_but(arg: Any, path: str) -> None:
    if isinstance(arg, Mapping):
        if len(arg) != 1 or next(iter(arg)) not in _ANYTHING_BUT_FILTERS:
            raise EventPatternError("anything-but takes one of prefix, suffix, wildcard, equals-ignore-case", path)
        ((name, inner),) = arg.items()
        values = inner if isinstance(inner, list) and name in ("wildcard", "equals-ignore-case") else [inner]
        for value in values:
            _require_string(value, _join(path, name))
        return
    values = arg if isinstance(arg, list) else [arg]
    if not values or not all(isinstance(v, str) or _is_number(v) for v in values):
        raise EventPatternError("anything-but takes strings or numbers", path)


_FILTER_VALIDATORS: dict[str, Callable[[Any, str], None]] = {
    "prefix": _validate_affix,
    "suffix": _validate_affix,
    "equals-ignore-case": _require_string,
    "wildcard": _require_string,
    "exists": _validate_exists,
    "numeric": _validate_numeric,
    "cidr": _validate_cidr,
    "anything-but": _validate_anything_but,
}


def parse_event_pattern(text: str) -> dict[str, Any]:
    """Load an event pattern from JSON text and validate it."""
    try:
        pattern = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise EventPatternError(f"not valid JSON: {exc}") from exc
    validate_event_pattern(pattern)
    assert isinstance(pattern, dict)  # validate_event_pattern guarantees an object
    return pattern


# --- matching -----------------------------------------------------------------------------


def event_pattern_matches(pattern: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Does ``pattern`` match ``event``? Raises :class:`EventPatternError` if malformed."""
    validate_event_pattern(pattern)
    return _object_matches(pattern, event)


def _object_matches(pattern: Mapping[str, Any], event: Any) -> bool:
    if isinstance(event, list):
        return any(_object_matches(pattern, item) for item in event)
    if not isinstance(event, Mapping):
        return False
    return all(_field_matches(key, spec, event) for key, spec in pattern.items())


def _field_matches(key: str, spec: Any, event: Mapping[str, Any]) -> bool:
    if key == "$or":
        return any(_object_matches(alternative, event) for alternative in spec)
    if isinstance(spec, Mapping):
        return key in event and _object_matches(spec, event[key])
    if key not in event:
        return any(isinstance(m, Mapping) and m.get("exists") is False for m in spec)
    value = event[key]
    values: Sequence[Any] = value if isinstance(value, list) else [value]
    return any(_matcher_matches(m, v) for m in spec for v in values)


def _matcher_matches(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, Mapping):
        return _same(matcher, value)
    ((name, arg),) = matcher.items()
    return _FILTER_MATCHERS[name](arg, value)


def _same(expected: Any, value: Any) -> bool:
    """Exact, type-sensitive equality (``true`` is not ``1``; ``1`` is ``1.0``)."""
    if _is_number(expected) and _is_number(value):
        return float(expected) == float(value)
    return type(expected) is type(value) and bool(expected == value)


def _affix(arg: Any, value: Any, test: Callable[[str, str], bool]) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(arg, Mapping):
        return test(value.casefold(), str(arg["equals-ignore-case"]).casefold())
    return test(value, str(arg))


def _prefix(arg: Any, value: Any) -> bool:
    return _affix(arg, value, str.startswith)


def _suffix(arg: Any, value: Any) -> bool:
    return _affix(arg, value, str.endswith)


def _equals_ignore_case(arg: Any, value: Any) -> bool:
    return isinstance(value, str) and value.casefold() == str(arg).casefold()


def wildcard_matches(pattern: str, value: str) -> bool:
    """EventBridge wildcard: ``*`` matches any run of characters, ``\\*`` a literal star.

    Matched by :func:`kmslint.wildcard.glob_match` (linear time; ``re`` took minutes on
    ``***...***x``). It has no escape for a literal star, so each ``\\*`` becomes a character
    that occurs in neither the pattern nor the value, in both, before matching."""
    if "\\*" not in pattern:
        return glob_match(pattern, value, any_char=None)
    used = set(pattern) | set(value)
    star = next(chr(c) for c in range(0xE000, 0x110000) if chr(c) not in used)
    return glob_match(pattern.replace("\\*", star), value.replace("*", star), any_char=None)


def _wildcard(arg: Any, value: Any) -> bool:
    return isinstance(value, str) and wildcard_matches(str(arg), value)


def _exists(arg: Any, value: Any) -> bool:
    """Only reached when the field is present; AWS's exists applies to leaf values only."""
    return arg is True and not isinstance(value, Mapping)


def _numeric(arg: Any, value: Any) -> bool:
    if not _is_number(value):
        return False
    return all(_COMPARE[arg[i]](float(value), float(arg[i + 1])) for i in range(0, len(arg), 2))


def _cidr(arg: Any, value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return ipaddress.ip_address(value) in ipaddress.ip_network(arg, strict=False)
    except ValueError:
        return False  # the event value is not an IP address: no match


def _anything_but(arg: Any, value: Any) -> bool:
    if isinstance(arg, Mapping):
        ((name, inner),) = arg.items()
        excluded = inner if isinstance(inner, list) else [inner]
        return isinstance(value, str) and not any(_FILTER_MATCHERS[name](e, value) for e in excluded)
    if not (isinstance(value, str) or _is_number(value)):
        return False
    excluded = arg if isinstance(arg, list) else [arg]
    return not any(_same(e, value) for e in excluded)


_FILTER_MATCHERS: dict[str, Callable[[Any, Any], bool]] = {
    "prefix": _prefix,
    "suffix": _suffix,
    "equals-ignore-case": _equals_ignore_case,
    "wildcard": _wildcard,
    "exists": _exists,
    "numeric": _numeric,
    "cidr": _cidr,
    "anything-but": _anything_but,
}
