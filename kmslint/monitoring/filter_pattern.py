"""CloudWatch Logs filter patterns: parse one, and evaluate it against one log event.

Semantics follow AWS's "Filter and pattern syntax" documentation for metric filters. A log
event is either a raw message (:meth:`FilterPattern.matches_message`) or a JSON record given
as a dict (:meth:`FilterPattern.matches`), such as a CloudTrail event as CloudTrail delivers it
to CloudWatch Logs; plain-text patterns see a record serialised as compact JSON.

Grammar accepted (whitespace is allowed between tokens)::

    pattern    := json | text
    json       := "{" or_expr "}"
    or_expr    := and_expr ("||" and_expr)*          # && binds tighter than ||
    and_expr   := primary ("&&" primary)*
    primary    := "(" or_expr ")" | condition
    condition  := selector op value
                | selector "IS" ("NULL" | "TRUE" | "FALSE")
                | selector "NOT" "EXISTS"           # keywords are case-insensitive
    selector   := "$" ("." name | "[" digits "]")+   # name: letters, digits, "-", "_"
    op         := "=" | "!=" | "<" | ">" | "<=" | ">="
    value      := quoted | "%" regex "%" | bare
    quoted     := '"' chars '"'                      # backslash escapes the next char
    bare       := chars up to whitespace or one of ( ) { } & | "
    text       := term*                              # "" or blanks: matches every event
    term       := ["-" | "?"] (quoted | "%" regex "%" | bare-word)

Evaluation (AWS's documented behaviour, and kmslint's reading where AWS is silent):

- ``=`` / ``!=`` with a string value: the selected node must be a scalar (string, number or
  boolean, compared by its JSON text). A leading and/or trailing ``*`` is a wildcard
  (``kms*``, ``"* is pending deletion."``, ``*Key*``); a lone ``*`` matches any scalar; a ``*``
  inside the text is literal (AWS: ``Ev*ent`` matches only ``Ev*ent``). Quoting does not
  change wildcard meaning; case matters.
- ``=`` / ``!=`` with a number (``400``, ``+1.5``, ``10e3``): numeric equality on a number node;
  on a string node the number's text is compared as a string (``$.recipientAccountId =
  111122223333`` matches CloudTrail's string account id).
- ``<`` ``>`` ``<=`` ``>=`` need a number value and a number node.
- ``%regex%`` values and terms are searched for with :mod:`.logs_regex` (CloudWatch's regex
  syntax only, matched in linear time; AWS forbids ``(`` and ``)`` in them).
- A selector that does not resolve, or resolves to an object, array or null, makes every
  comparison false, ``!=`` included (AWS: "the SELECTOR must point to a value node").
- ``IS NULL``: the node exists and is null. ``NOT EXISTS``: the selector does not resolve.
  ``IS TRUE`` / ``IS FALSE``: the node is that JSON boolean.
- Text terms are case-sensitive substring matches. All plain terms must appear, no ``-term``
  may appear, and when ``?term`` terms are given at least one of them must appear (AWS does
  not document mixing ``?`` with plain terms; this is kmslint's reading).

Not supported (raise :class:`FilterPatternError`, so callers treat the pattern as undecidable):
space-delimited patterns (``[ip, user, ...]``), array wildcards (``$.a[*]``), quoted or
bracketed property names (``$.['a b']``), selectors deeper than the grammar above, a ``%regex%``
outside CloudWatch's syntax.

``parse_filter_pattern(text, tolerant=True)`` (what coverage uses) parses those instead into parts
whose result is unknown, and evaluates with three-valued logic (:meth:`FilterPattern.tri`): so
``{ $.eventSource = ec2.amazonaws.com && $.a[*] = 1 }`` still provably cannot match a KMS event.
A space-delimited pattern with a condition (``[..., destport="22", ...]``) cannot match a
CloudTrail record, which is one JSON object: positional fields never line up with its values.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional, Union

from .logs_regex import LogsRegex, LogsRegexError, compile_logs_regex

__all__ = [
    "FilterPattern",
    "FilterPatternError",
    "filter_pattern_matches",
    "parse_filter_pattern",
]

_MAX_DEPTH = 64
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
_BARE_STOP = frozenset('(){}&|"')
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")
_OPERATORS = ("!=", "<=", ">=", "=", "<", ">")  # longest first
_ORDERING = frozenset({"<", ">", "<=", ">="})


class FilterPatternError(ValueError):
    """A filter pattern kmslint cannot parse: malformed, or outside the supported grammar.

    ``position`` is the 0-based offset in the pattern text; ``str()`` reports a 1-based column.
    """

    def __init__(self, reason: str, position: int, pattern: str) -> None:
        self.reason = reason
        self.position = position
        self.pattern = pattern
        super().__init__(f"{reason} at column {position + 1}")


PathPart = Union[str, int]


@dataclass(frozen=True)
class Selector:
    """A property selector such as ``$.userIdentity.type`` or ``$.users[0].id``."""

    path: tuple[PathPart, ...]

    def resolve(self, record: Any) -> tuple[bool, Any]:
        """``(found, node)``: whether the path exists in ``record``, and the node there."""
        node = record
        for part in self.path:
            if isinstance(part, int):
                if not isinstance(node, list) or part >= len(node):
                    return False, None
            elif not isinstance(node, dict) or part not in node:
                return False, None
            node = node[part]
        return True, node


@dataclass(frozen=True)
class Literal:
    """The right-hand side of a comparison."""

    text: str
    kind: str  # "string", "number", "regex" or "opaque" (a regex kmslint cannot match safely)
    regex: Optional[LogsRegex] = None


def _scalar_text(node: Any) -> Optional[str]:
    """The JSON text of a scalar node, or None for null, objects and arrays."""
    if isinstance(node, str):
        return node
    if isinstance(node, (bool, int, float)):
        return json.dumps(node)
    return None


def serialise(record: Mapping[str, Any]) -> str:
    """A JSON log event as its message text: compact JSON, as CloudTrail delivers it."""
    return json.dumps(record, separators=(",", ":"), ensure_ascii=False)


def _is_number(node: Any) -> bool:
    return isinstance(node, (int, float)) and not isinstance(node, bool)


def wildcard_matches(expected: str, actual: str) -> bool:
    """AWS's string match: ``*`` at the start and/or end is a wildcard, elsewhere literal."""
    if expected == "*":
        return True
    leading = expected.startswith("*")
    trailing = len(expected) > 1 and expected.endswith("*")
    core = expected[1 if leading else 0 : len(expected) - (1 if trailing else 0)]
    if leading and trailing:
        return core in actual
    if leading:
        return actual.endswith(core)
    if trailing:
        return actual.startswith(core)
    return actual == expected


Tri = Optional[bool]  # three-valued: None is "cannot tell"


def _all(values: Iterable[Tri]) -> Tri:
    seen = list(values)
    return False if False in seen else None if None in seen else True


def _any(values: Iterable[Tri]) -> Tri:
    seen = list(values)
    return True if True in seen else None if None in seen else False


def _equals(literal: Literal, node: Any) -> Optional[bool]:
    """Whether ``node`` equals ``literal``; None when ``node`` is not a value node."""
    text = _scalar_text(node)
    if text is None:
        return None
    if literal.kind == "number" and _is_number(node):
        return float(literal.text) == float(node)
    if literal.regex is not None:
        return literal.regex.search(text)
    return wildcard_matches(literal.text, text)


def _ordered(op: str, literal: Literal, node: Any) -> bool:
    if not _is_number(node):
        return False
    left, right = float(node), float(literal.text)
    return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]


@dataclass(frozen=True)
class Comparison:
    """``selector op value``."""

    selector: Selector
    op: str
    literal: Literal

    def matches(self, record: Mapping[str, Any]) -> bool:
        return self.tri(record) is True

    def tri(self, record: Mapping[str, Any]) -> Tri:
        found, node = self.selector.resolve(record)
        if not found:
            return False
        if self.literal.kind == "opaque":
            return None if _scalar_text(node) is not None else False
        if self.op in _ORDERING:
            return _ordered(self.op, self.literal, node)
        equal = _equals(self.literal, node)
        if equal is None:
            return False
        return equal if self.op == "=" else not equal


@dataclass(frozen=True)
class Check:
    """``selector IS NULL|TRUE|FALSE`` or ``selector NOT EXISTS``."""

    selector: Selector
    test: str  # "null", "true", "false" or "not-exists"

    def matches(self, record: Mapping[str, Any]) -> bool:
        found, node = self.selector.resolve(record)
        if self.test == "not-exists":
            return not found
        if not found:
            return False
        if self.test == "null":
            return node is None
        return node is (self.test == "true")

    def tri(self, record: Mapping[str, Any]) -> Tri:
        return self.matches(record)


@dataclass(frozen=True)
class Opaque:
    """A condition kmslint parsed around but cannot evaluate (``$.a[*].b = x``): always unknown."""

    text: str

    def matches(self, record: Mapping[str, Any]) -> bool:
        return False

    def tri(self, record: Mapping[str, Any]) -> Tri:
        return None


@dataclass(frozen=True)
class AllOf:
    parts: tuple["Expr", ...]

    def matches(self, record: Mapping[str, Any]) -> bool:
        return self.tri(record) is True

    def tri(self, record: Mapping[str, Any]) -> Tri:
        return _all(p.tri(record) for p in self.parts)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Expr", ...]

    def matches(self, record: Mapping[str, Any]) -> bool:
        return self.tri(record) is True

    def tri(self, record: Mapping[str, Any]) -> Tri:
        return _any(p.tri(record) for p in self.parts)


Expr = Union[Comparison, Check, Opaque, AllOf, AnyOf]


@dataclass(frozen=True)
class Term:
    """One plain-text term: ``mode`` is "all" (plain), "exclude" (``-t``) or "any" (``?t``)."""

    text: str
    mode: str
    regex: Optional[LogsRegex] = None
    opaque: bool = False  # a regex kmslint cannot match safely

    def found_in(self, message: str) -> Tri:
        if self.opaque:
            return None
        if self.regex is not None:
            return self.regex.search(message)
        return self.text in message


@dataclass(frozen=True)
class TextPattern:
    terms: tuple[Term, ...]

    def matches(self, record: Mapping[str, Any]) -> bool:
        return self.matches_message(serialise(record))

    def tri(self, record: Mapping[str, Any]) -> Tri:
        return self.tri_message(serialise(record))

    def matches_message(self, message: str) -> bool:
        return self.tri_message(message) is True

    def tri_message(self, message: str) -> Tri:
        required = _all(t.found_in(message) for t in self.terms if t.mode == "all")
        excluded = _any(t.found_in(message) for t in self.terms if t.mode == "exclude")
        optional = [t.found_in(message) for t in self.terms if t.mode == "any"]
        return _all([required, None if excluded is None else not excluded, _any(optional) if optional else True])


@dataclass(frozen=True)
class SpaceDelimited:
    """A space-delimited pattern (``[ip, user, ..., status=404]``), parsed only as far as telling
    whether it has a condition. With one it cannot match a CloudTrail record (one JSON object,
    whose space-separated pieces never line up as positional fields); without one it matches
    any event with enough fields, which kmslint cannot count: unknown."""

    has_condition: bool

    def matches(self, record: Mapping[str, Any]) -> bool:
        return False

    def tri(self, record: Mapping[str, Any]) -> Tri:
        return False if self.has_condition else None


@dataclass(frozen=True)
class FilterPattern:
    """A parsed filter pattern. ``is_json`` tells a ``{ ... }`` pattern from plain text."""

    source: str
    root: Union[Expr, TextPattern, SpaceDelimited]

    @property
    def is_json(self) -> bool:
        return not isinstance(self.root, (TextPattern, SpaceDelimited))

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Evaluate against a JSON log event given as a dict."""
        return self.root.tri(record) is True

    def tri(self, record: Mapping[str, Any]) -> Tri:
        """True, False, or None when a part kmslint parsed around (tolerant mode) decides it."""
        return self.root.tri(record)

    def matches_message(self, message: str) -> bool:
        """Evaluate against a raw log event message, as CloudWatch Logs does.

        A JSON pattern never matches a message that is not a JSON object.
        """
        if isinstance(self.root, TextPattern):
            return self.root.matches_message(message)
        if isinstance(self.root, SpaceDelimited):
            return False
        try:
            record = json.loads(message)
        except ValueError:
            return False
        return isinstance(record, dict) and self.root.matches(record)


class _Parser:
    """Recursive descent over the pattern text; every failure is a FilterPatternError."""

    def __init__(self, text: str, tolerant: bool = False) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0
        self.tolerant = tolerant

    # --- scanning helpers ---------------------------------------------------------------

    def error(self, reason: str, position: Optional[int] = None) -> FilterPatternError:
        return FilterPatternError(reason, self.pos if position is None else position, self.text)

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def peek(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def expect(self, token: str, what: str) -> None:
        self.skip_ws()
        if not self.peek(token):
            raise self.error(f"expected {what}")
        self.pos += len(token)

    def read_while(self, allowed: frozenset[str]) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos] in allowed:
            self.pos += 1
        return self.text[start : self.pos]

    def read_word(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and self.text[self.pos].isalpha():
            self.pos += 1
        return self.text[start : self.pos]

    def read_quoted(self) -> str:
        start = self.pos
        self.pos += 1  # opening quote
        chars: list[str] = []
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char == "\\" and self.pos + 1 < len(self.text):
                chars.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            self.pos += 1
            if char == '"':
                return "".join(chars)
            chars.append(char)
        raise self.error("unterminated quoted string", start)

    def read_regex(self) -> Optional[LogsRegex]:
        """The compiled regex; None (tolerant mode only) for one kmslint cannot match safely."""
        start = self.pos
        end = self.text.find("%", start + 1)
        if end < 0:
            raise self.error("unterminated %regex%", start)
        body = self.text[start + 1 : end]
        if not body:
            raise self.error("empty %regex%", start)
        if "(" in body or ")" in body:
            raise self.error("parentheses are not allowed in a filter-pattern regex", start)
        self.pos = end + 1
        try:
            return compile_logs_regex(body)
        except LogsRegexError as exc:
            if self.tolerant:
                return None
            raise self.error(f"unsupported regex: {exc}", start) from exc

    # --- JSON patterns ------------------------------------------------------------------

    def json_pattern(self) -> Expr:
        self.expect("{", "'{'")
        expr = self.or_expr()
        self.expect("}", "'}' or '&&' or '||'")
        self.skip_ws()
        if not self.at_end():
            raise self.error("unexpected text after '}'")
        return expr

    def or_expr(self) -> Expr:
        parts = [self.and_expr()]
        while self.operator_ahead("||", "|"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def and_expr(self) -> Expr:
        parts = [self.primary()]
        while self.operator_ahead("&&", "&"):
            parts.append(self.primary())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def operator_ahead(self, operator: str, half: str) -> bool:
        self.skip_ws()
        if self.peek(operator):
            self.pos += len(operator)
            return True
        if self.peek(half):
            raise self.error(f"expected {operator!r}")
        return False

    def primary(self) -> Expr:
        self.skip_ws()
        if self.peek("("):
            return self.group()
        if self.peek("$"):
            return self.condition()
        raise self.error("expected a '$' selector or '('")

    def group(self) -> Expr:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error("parentheses nested too deeply")
        self.pos += 1
        expr = self.or_expr()
        self.expect(")", "')'")
        self.depth -= 1
        return expr

    def condition(self) -> Expr:
        start = self.pos
        try:
            selector: Optional[Selector] = self.selector()
        except FilterPatternError:
            if not self.tolerant:
                raise
            self.skip_selector(start)
            selector = None
        self.skip_ws()
        for op in _OPERATORS:
            if self.peek(op):
                self.pos += len(op)
                value = self.value(op)
                if selector is None:
                    return Opaque(self.text[start : self.pos])
                return Comparison(selector, op, value)
        test = self.keyword_test()
        return Opaque(self.text[start : self.pos]) if selector is None else Check(selector, test)

    def skip_selector(self, start: int) -> None:
        """Tolerant mode: step over a selector kmslint does not support (``$.a[*].b``)."""
        self.pos = start
        while self.pos < len(self.text) and not (self.text[self.pos].isspace() or self.text[self.pos] in "=!<>)&|}"):
            self.pos += 1

    def selector(self) -> Selector:
        start = self.pos
        self.pos += 1  # "$"
        path: list[PathPart] = []
        while self.peek(".") or self.peek("["):
            path.append(self.property_name() if self.peek(".") else self.index())
        if not path:
            raise self.error("a selector needs '.name' or '[n]' after '$'", start)
        return Selector(tuple(path))

    def property_name(self) -> str:
        self.pos += 1
        name = self.read_while(_NAME_CHARS)
        if not name:
            raise self.error("expected a property name after '.'")
        return name

    def index(self) -> int:
        self.pos += 1
        digits = self.read_while(frozenset("0123456789"))
        if not digits or not self.peek("]"):
            raise self.error("expected an array index such as [0]")
        self.pos += 1
        return int(digits)

    def keyword_test(self) -> str:
        start = self.pos
        first = self.read_word().upper()
        self.skip_ws()
        second = self.read_word().upper()
        if first == "IS" and second in ("NULL", "TRUE", "FALSE"):
            return second.lower()
        if first == "NOT" and second == "EXISTS":
            return "not-exists"
        raise self.error("expected an operator, IS NULL/TRUE/FALSE or NOT EXISTS", start)

    def value(self, op: str) -> Literal:
        self.skip_ws()
        start = self.pos
        literal = self.raw_value()
        if op in _ORDERING and literal.kind != "number":
            raise self.error(f"operator {op!r} needs a number", start)
        return literal

    def raw_value(self) -> Literal:
        if self.peek('"'):
            return Literal(self.read_quoted(), "string")
        if self.peek("%"):
            start = self.pos
            regex = self.read_regex()
            if regex is None:
                return Literal(self.text[start : self.pos], "opaque")
            return Literal(regex.pattern, "regex", regex)
        start = self.pos
        while self.pos < len(self.text) and not (
            self.text[self.pos].isspace() or self.text[self.pos] in _BARE_STOP
        ):
            self.pos += 1
        text = self.text[start : self.pos]
        if not text or text[0] in "=!<>":
            raise self.error("expected a value", start)
        return Literal(text, "number" if _NUMBER.match(text) else "string")

    # --- plain-text patterns ------------------------------------------------------------

    def text_pattern(self) -> TextPattern:
        terms: list[Term] = []
        self.skip_ws()
        while not self.at_end():
            terms.append(self.term())
            self.skip_ws()
        return TextPattern(tuple(terms))

    def term(self) -> Term:
        start = self.pos
        mode = "all"
        if self.peek("-") or self.peek("?"):
            mode = "exclude" if self.peek("-") else "any"
            self.pos += 1
            self.skip_ws()
        if self.peek('"'):
            text = self.read_quoted()
        elif self.peek("%"):
            at = self.pos
            regex = self.read_regex()
            if regex is None:
                return Term(self.text[at : self.pos], mode, None, opaque=True)
            return Term(regex.pattern, mode, regex)
        else:
            text = self.read_bare_word()
        if not text:
            raise self.error("empty term", start)
        return Term(text, mode)

    def read_bare_word(self) -> str:
        start = self.pos
        while self.pos < len(self.text) and not self.text[self.pos].isspace():
            self.pos += 1
        return self.text[start : self.pos]


def _space_delimited(text: str) -> SpaceDelimited:
    """Whether a ``[...]`` pattern has a condition (a field compared with ``=``, ``<``, ...)."""
    return SpaceDelimited(any(op in text for op in ("=", "<", ">")))


def parse_filter_pattern(text: str, tolerant: bool = False) -> FilterPattern:
    """Parse a CloudWatch Logs filter pattern; raise :class:`FilterPatternError` if malformed.

    ``tolerant``: parse unsupported parts (space-delimited patterns, ``$.a[*]``, a regex kmslint
    cannot match safely) as unknown instead of raising; see :meth:`FilterPattern.tri`."""
    if not isinstance(text, str):
        raise FilterPatternError(f"a filter pattern is a string, not {type(text).__name__}", 0, "")
    parser = _Parser(text, tolerant)
    parser.skip_ws()
    if parser.peek("[") and tolerant:
        return FilterPattern(text, _space_delimited(text))
    if parser.peek("["):
        raise parser.error("space-delimited patterns are not supported by kmslint")
    if parser.peek("{"):
        return FilterPattern(text, parser.json_pattern())
    return FilterPattern(text, parser.text_pattern())


def filter_pattern_matches(pattern: str, record: Mapping[str, Any]) -> bool:
    """Does ``pattern`` match the log event ``record``? Raises FilterPatternError if malformed."""
    return parse_filter_pattern(pattern).matches(record)
