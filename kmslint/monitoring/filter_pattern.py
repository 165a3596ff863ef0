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
- ``%regex%`` values and terms use Python's ``re.search``; AWS forbids ``(`` and ``)`` in them.
- A selector that does not resolve, or resolves to an object, array or null, makes every
  comparison false, ``!=`` included (AWS: "the SELECTOR must point to a value node").
- ``IS NULL``: the node exists and is null. ``NOT EXISTS``: the selector does not resolve.
  ``IS TRUE`` / ``IS FALSE``: the node is that JSON boolean.
- Text terms are case-sensitive substring matches. All plain terms must appear, no ``-term``
  may appear, and when ``?term`` terms are given at least one of them must appear (AWS does
  not document mixing ``?`` with plain terms; this is kmslint's reading).

Not supported (raise :class:`FilterPatternError`, so callers treat the pattern as undecidable):
space-delimited patterns (``[ip, user, ...]``), array wildcards (``$.a[*]``), quoted or
bracketed property names (``$.['a b']``), selectors deeper than the grammar above.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Union

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
    kind: str  # "string", "number" or "regex"
    regex: Optional["re.Pattern[str]"] = None


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


def _equals(literal: Literal, node: Any) -> Optional[bool]:
    """Whether ``node`` equals ``literal``; None when ``node`` is not a value node."""
    text = _scalar_text(node)
    if text is None:
        return None
    if literal.kind == "number" and _is_number(node):
        return float(literal.text) == float(node)
    if literal.regex is not None:
        return literal.regex.search(text) is not None
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
        found, node = self.selector.resolve(record)
        if not found:
            return False
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


@dataclass(frozen=True)
class AllOf:
    parts: tuple["Expr", ...]

    def matches(self, record: Mapping[str, Any]) -> bool:
        return all(p.matches(record) for p in self.parts)


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Expr", ...]

    def matches(self, record: Mapping[str, Any]) -> bool:
        return any(p.matches(record) for p in self.parts)


Expr = Union[Comparison, Check, AllOf, AnyOf]


@dataclass(frozen=True)
class Term:
    """One plain-text term: ``mode`` is "all" (plain), "exclude" (``-t``) or "any" (``?t``)."""

    text: str
    mode: str
    regex: Optional["re.Pattern[str]"] = None

    def found_in(self, message: str) -> bool:
        if self.regex is not None:
            return self.regex.search(message) is not None
        return self.text in message


@dataclass(frozen=True)
class TextPattern:
    terms: tuple[Term, ...]

    def matches(self, record: Mapping[str, Any]) -> bool:
        return self.matches_message(serialise(record))

    def matches_message(self, message: str) -> bool:
        required = all(t.found_in(message) for t in self.terms if t.mode == "all")
        excluded = any(t.found_in(message) for t in self.terms if t.mode == "exclude")
        optional = [t.found_in(message) for t in self.terms if t.mode == "any"]
        return required and not excluded and (not optional or any(optional))


@dataclass(frozen=True)
class FilterPattern:
    """A parsed filter pattern. ``is_json`` tells a ``{ ... }`` pattern from plain text."""

    source: str
    root: Union[Expr, TextPattern]

    @property
    def is_json(self) -> bool:
        return not isinstance(self.root, TextPattern)

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Evaluate against a JSON log event given as a dict."""
        return self.root.matches(record)

    def matches_message(self, message: str) -> bool:
        """Evaluate against a raw log event message, as CloudWatch Logs does.

        A JSON pattern never matches a message that is not a JSON object.
        """
        if isinstance(self.root, TextPattern):
            return self.root.matches_message(message)
        try:
            record = json.loads(message)
        except ValueError:
            return False
        return isinstance(record, dict) and self.root.matches(record)


class _Parser:
    """Recursive descent over the pattern text; every failure is a FilterPatternError."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

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

    def read_regex(self) -> "re.Pattern[str]":
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
            return re.compile(body)
        except re.error as exc:
            raise self.error(f"invalid regex: {exc.msg}", start) from exc

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
        selector = self.selector()
        self.skip_ws()
        for op in _OPERATORS:
            if self.peek(op):
                self.pos += len(op)
                return Comparison(selector, op, self.value(op))
        return Check(selector, self.keyword_test())

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
            regex = self.read_regex()
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
            regex = self.read_regex()
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


def parse_filter_pattern(text: str) -> FilterPattern:
    """Parse a CloudWatch Logs filter pattern; raise :class:`FilterPatternError` if malformed."""
    if not isinstance(text, str):
        raise FilterPatternError(f"a filter pattern is a string, not {type(text).__name__}", 0, "")
    parser = _Parser(text)
    parser.skip_ws()
    if parser.peek("["):
        raise parser.error("space-delimited patterns are not supported by kmslint")
    if parser.peek("{"):
        return FilterPattern(text, parser.json_pattern())
    return FilterPattern(text, parser.text_pattern())


def filter_pattern_matches(pattern: str, record: Mapping[str, Any]) -> bool:
    """Does ``pattern`` match the log event ``record``? Raises FilterPatternError if malformed."""
    return parse_filter_pattern(pattern).matches(record)
