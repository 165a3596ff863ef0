"""kmslint's small, typed HCL syntax tree, and :func:`parse`, the one way to get one from text.

The tree's classes are here; the adapter over python-hcl2 that builds them is ``hcl_lark.py``,
imported only when a text is not in the warm cache (``parsecache.py``): a warm scan never imports
lark or python-hcl2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from ...model.values import Location


@dataclass(frozen=True)
class Lit:
    value: Any  # str, int, float, bool or None
    loc: Location


@dataclass(frozen=True)
class Template:
    """A string with interpolations: parts are literal text or expressions."""

    parts: tuple[Union[str, "Expr"], ...]
    loc: Location


@dataclass(frozen=True)
class TupleExpr:
    items: tuple["Expr", ...]
    loc: Location


@dataclass(frozen=True)
class ObjectExpr:
    """An object literal. A bare identifier key is a ``str``; other keys are expressions."""

    items: tuple[tuple[Union[str, "Expr"], "Expr"], ...]
    loc: Location


@dataclass(frozen=True)
class Traversal:
    """``root.a.b[0]``: ``root`` is a name, or an expression for ``(expr).a``."""

    root: Union[str, "Expr"]
    steps: tuple[Union[str, "Expr", int], ...]  # attribute names, index expressions, splat marker -1
    loc: Location


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple["Expr", ...]
    loc: Location
    expand_last: bool = False


@dataclass(frozen=True)
class BinOp:
    op: str
    left: "Expr"
    right: "Expr"
    loc: Location


@dataclass(frozen=True)
class UnOp:
    op: str
    operand: "Expr"
    loc: Location


@dataclass(frozen=True)
class Conditional:
    cond: "Expr"
    then: "Expr"
    other: "Expr"
    loc: Location


@dataclass(frozen=True)
class ForExpr:
    """``[for k, v in coll : val if cond]`` or ``{for k, v in coll : key => val if cond}``."""

    key_var: Optional[str]
    value_var: str
    collection: "Expr"
    value: "Expr"
    key: Optional["Expr"]
    cond: Optional["Expr"]
    grouping: bool
    loc: Location


@dataclass(frozen=True)
class Opaque:
    """A construct kmslint does not evaluate (template directives, splats of calls...)."""

    reason: str
    loc: Location


Expr = Union[Lit, Template, TupleExpr, ObjectExpr, Traversal, Call, BinOp, UnOp, Conditional, ForExpr, Opaque]
SPLAT = -1


@dataclass(frozen=True)
class Attribute:
    name: str
    expr: Expr
    loc: Location  # from the name to the end of the value


@dataclass(frozen=True)
class Block:
    type: str
    labels: tuple[str, ...]
    body: "Body"
    loc: Location  # the header line: type and labels
    end_line: int = 0


@dataclass(frozen=True)
class Body:
    attributes: dict[str, Attribute] = field(default_factory=dict)
    blocks: tuple[Block, ...] = ()

    def blocks_of(self, type_: str) -> tuple[Block, ...]:
        return tuple(b for b in self.blocks if b.type == type_)


class HclSyntaxError(Exception):
    """The file is not valid HCL. ``line``/``column`` point at the problem."""

    def __init__(self, reason: str, line: int, column: int) -> None:
        super().__init__(reason)
        self.reason, self.line, self.column = reason, line, column


# --- parsing ------------------------------------------------------------------------------


# (``blocks.py``) all take the rule from here.
HEREDOC_OPENER = re.compile(r"<<-?([A-Za-z][A-Za-z0-9._-]*)\r?\n")
HEREDOC_MARKER_PAD = r"[ \t]*"


def heredoc_closing_line(marker: str) -> "re.Pattern[str]":
    """The line that ends a heredoc opened with ``marker``: the marker, padded as Terraform allows."""
    return re.compile(rf"^{HEREDOC_MARKER_PAD}{re.escape(marker)}{HEREDOC_MARKER_PAD}\r?$", re.M)


def heredoc_markers_as_hcl(grammar: str) -> str:
    r"""python-hcl2 8.1's heredoc terminals end at a line holding only the marker after ``\s*``, so a
    closing ``POLICY   `` (trailing blanks) does not end a ``<<POLICY`` heredoc: the heredoc runs on
    to the next ``POLICY`` line, swallowing the resources between, or fails as a syntax error.
    Terraform's HCL trims spaces and tabs on both sides of the closing marker (for ``<<`` and
    ``<<-``) and nothing else, so the marker line is matched as ``[ \t]*MARKER[ \t]*``. If a
    python-hcl2 release changes these terminals the grammar is used as it comes, and the heredoc
    fixtures (fixtures/terraform/heredoc_markers) fail."""
    for group in ("heredoc", "heredoc_trim"):
        grammar = grammar.replace(f"\\s*(?P={group})\\r?\\n", f"{HEREDOC_MARKER_PAD}(?P={group}){HEREDOC_MARKER_PAD}\\r?\\n")
    return grammar


def parse(text: str, path: str, first_line: int = 1, cached_only: bool = False) -> Body:
    """Parse HCL text. Raises :class:`HclSyntaxError` with the parser's reason and position.
    ``first_line``: the line ``text`` starts on in its file (a block cut out of it: ``blocks.py``);
    ``text`` must start at the beginning of that line, so columns need no shift.

    A text parsed before, at the same path and line and by the same parser, comes from the warm
    cache (``parsecache.py``); syntax errors are never cached (they are rare, and cheap to find).
    ``cached_only``: raise :class:`~kmslint.parsecache.NotCached` instead of parsing."""
    from ...parsecache import NotCached, parse_cache

    cache = parse_cache()
    key = cache.key("hcl", path, first_line, text)
    body = cache.get(key)
    if isinstance(body, Body):
        return body
    if cached_only:
        raise NotCached(path)
    from .hcl_lark import parse_uncached

    body = parse_uncached(text, path, first_line)
    cache.put(key, body)
    return body


def parse_template(text: str, path: str) -> Expr:
    """A whole file read by ``templatefile()``, as a template expression (cached like :func:`parse`)."""
    from ...parsecache import parse_cache

    cache = parse_cache()
    key = cache.key("hcl-template", path, 1, text)
    expr = cache.get(key)
    if expr is not None:
        return expr  # type: ignore[no-any-return]  # stored by this function only
    from .hcl_lark import _Converter

    expr = _Converter(path).template_text(text, Location(path, 1, 1), first_line=1)
    cache.put(key, expr)
    return expr
