"""The one adapter over python-hcl2: HCL text -> kmslint's HCL syntax tree (``hcl.py``).

python-hcl2's public API gives no positions in 8.x (``with_meta`` is empty), so this module runs
python-hcl2's grammar and post-lexer in a Lark parser (:func:`hcl_parser`), reads the raw parse
tree, whose tokens carry line and column, and converts it into the dataclasses of ``hcl.py``.
Nothing else in kmslint imports hcl2 or knows its grammar rule names; a python-hcl2 upgrade
touches this file only. Callers go through ``hcl.parse``, which looks in the warm cache first.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional, Union

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ...model.values import Location
from .hcl import (
    HEREDOC_MARKER_PAD,
    HEREDOC_OPENER,
    SPLAT,
    Attribute,
    BinOp,
    Block,
    Body,
    Call,
    Conditional,
    Expr,
    ForExpr,
    HclSyntaxError,
    Lit,
    ObjectExpr,
    Opaque,
    Template,
    Traversal,
    TupleExpr,
    UnOp,
    heredoc_closing_line,
    heredoc_markers_as_hcl,
)

LarkTree = Tree[Token]  # python-hcl2's raw parse tree: rules are Trees, terminals Tokens

@lru_cache(maxsize=1)
def hcl_parser() -> "Lark":
    """python-hcl2's grammar and post-lexer in a Lark LALR parser of our own, built once per process.

    It is python-hcl2's ``parser()`` except for ``propagate_positions``: lark computes a position
    for every tree node, which is 35-40 % of parse time, while kmslint needs positions only for the
    nodes it reports; :func:`_edge_token` reads those from the tokens (verified identical on 240,000
    nodes of real and fixture files). The built parser is kept in kmslint's per-user cache, named by
    the grammar text and the lark, python-hcl2 and Python versions, and written atomically, so
    parallel workers never read half a file. It is stored as a pickle of the whole parser
    (:func:`_dump_parser`), not with ``Lark.save``: ``Lark.load`` rebuilds the parse table in
    Python, 0.1 s of every run, while unpickling the built parser takes 0.03 s (issue 19: one
    ``kms.tf`` under 0.2 s). Without a cache directory (``KMSLINT_NO_CACHE``) the grammar is
    compiled on every run (about 2 s here).
    """
    import hashlib
    import sys

    import hcl2
    import hcl2.parser as hp
    import lark
    from hcl2.postlexer import PostLexer

    grammar = heredoc_markers_as_hcl(Path(hp.__file__).with_name("hcl2.lark").read_text("utf-8"))
    from ...cache import cache_dir

    folder = cache_dir()
    versions = (lark.__version__, getattr(hcl2, "__version__", "?"), sys.version_info[:2], "globals-v2")  # v2: how _dump_parser stores actions
    key = hashlib.sha256(f"{grammar}\0{versions}".encode()).hexdigest()[:20]
    cached = folder / f"hcl2-parser-{key}.pickle" if folder is not None else None
    if cached is not None:
        try:
            with cached.open("rb") as f:
                loaded = _load_parser(f)
            if isinstance(loaded, Lark):
                return loaded
        except Exception:  # noqa: BLE001 - missing, or damaged: rebuilt below
            pass
    parser = Lark(grammar, parser="lalr", propagate_positions=False, postlex=PostLexer())
    if cached is not None:
        tmp = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as f:
                _dump_parser(parser, f)
            os.replace(tmp, cached)
        except Exception:  # noqa: BLE001 - caching is an optimisation only
            tmp.unlink(missing_ok=True)
    return parser


def _dump_parser(parser: "Lark", f: Any) -> None:
    """Pickle the built parser. lark compares parse actions by identity (``action is Shift``), so
    its two action objects are stored as references to lark's own (as globals: pickle then writes
    each once, where a persistent id cost a Python call for each of the 26,000 table entries on
    every load), and the regex module lark keeps in its lexer (``re``) as an import."""
    import importlib
    import pickle
    import types

    from lark.parsers import lalr_analysis

    actions = {id(lalr_analysis.Shift): "Shift", id(lalr_analysis.Reduce): "Reduce"}

    class _Pickler(pickle.Pickler):
        def reducer_override(self, obj: Any) -> Any:  # noqa: ANN401 - pickle's protocol
            if id(obj) in actions:
                return actions[id(obj)]  # a global of obj's module, looked up by name on loading
            if isinstance(obj, types.ModuleType):
                return importlib.import_module, (obj.__name__,)
            return NotImplemented

    _Pickler(f, protocol=pickle.HIGHEST_PROTOCOL).dump(parser)


def _load_parser(f: Any) -> Any:
    import pickle

    return pickle.load(f)


# A heredoc's opening line, and the padding Terraform allows around its closing marker: spaces and
# tabs, for ``<<`` and ``<<-`` alike. The grammar (below), the converter and the block splitter

def parse_uncached(text: str, path: str, first_line: int = 1) -> Body:
    """Parse HCL text with python-hcl2's parser (``hcl.parse`` is the cached entry point). Raises :class:`HclSyntaxError` with the parser's reason and position.
    ``first_line``: the line ``text`` starts on in its file (a block cut out of it: ``blocks.py``);
    ``text`` must start at the beginning of that line, so columns need no shift."""
    try:
        tree = _parse_tree(text)
    except HclSyntaxError as exc:
        raise HclSyntaxError(exc.reason, exc.line + first_line - 1, exc.column) from None
    if first_line != 1:
        _shift_lines(tree, first_line - 1)
    try:
        return _Converter(path).body(_child_tree(tree, "body"))
    except RecursionError:  # lark parses deep nesting iteratively; the conversion recurses
        raise HclSyntaxError("nesting is too deep to parse", first_line, 1) from None


def _shift_lines(tree: LarkTree, offset: int) -> None:
    """Move every token of ``tree`` down ``offset`` lines (positions come from tokens only)."""
    for token in tree.scan_values(lambda v: isinstance(v, Token)):
        if token.line is not None:
            token.line += offset
        if token.end_line is not None:
            token.end_line += offset


def _parse_tree(text: str) -> LarkTree:
    try:
        # python-hcl2's own workaround (hcl2.parses_to_tree): its grammar needs a final new line.
        return hcl_parser().parse(text + "\n")
    except UnexpectedToken as exc:
        got = "end of file" if exc.token.type == "$END" else repr(str(exc.token).split("\n")[0].strip()[:40] or "new line")
        raise HclSyntaxError(f"unexpected {got}; expected {_expected(exc.expected)}", exc.line, exc.column) from None
    except UnexpectedCharacters as exc:
        pos = exc.pos_in_stream if exc.pos_in_stream is not None else -1
        char = text[pos] if 0 <= pos < len(text) else "?"
        raise HclSyntaxError(f"unexpected character {char!r}", exc.line, exc.column) from None
    except UnexpectedEOF as exc:
        raise HclSyntaxError(f"unexpected end of file; expected {_expected(exc.expected)}", _last_line(text), 1) from None
    except UnexpectedInput as exc:
        raise HclSyntaxError(str(exc).splitlines()[0], getattr(exc, "line", 1), getattr(exc, "column", 1)) from None
    except LarkError as exc:
        raise HclSyntaxError(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, 1, 1) from None
    except RecursionError:
        raise HclSyntaxError("nesting is too deep to parse", 1, 1) from None


def _expected(names: Any) -> str:
    readable = sorted({_TOKEN_NAMES.get(n, n.lower()) for n in names})
    return ", ".join(readable[:6]) + (" ..." if len(readable) > 6 else "")


_TOKEN_NAMES = {
    "RBRACE": "'}'",
    "LBRACE": "'{'",
    "RSQB": "']'",
    "LSQB": "'['",
    "RPAR": "')'",
    "LPAR": "'('",
    "EQ": "'='",
    "COLON": "':'",
    "COMMA": "','",
    "DBLQUOTE": "'\"'",
    "NAME": "a name",
    "NL_OR_COMMENT": "a new line",
    "$END": "end of file",
}


def _int(digits: str) -> Union[int, float]:
    """An HCL integer literal. Python refuses to convert more than 4,300 digits; such a number is inf."""
    try:
        return int(digits)
    except ValueError:
        return float(digits)


def _last_line(text: str) -> int:
    return text.count("\n") + 1


def _child_tree(tree: LarkTree, name: str) -> LarkTree:
    for c in tree.children:
        if isinstance(c, Tree) and c.data == name:
            return c
    raise HclSyntaxError(f"parser produced no {name}", 1, 1)


def _tree(node: Union[LarkTree, Token]) -> LarkTree:
    """A child the grammar guarantees to be a rule, not a terminal."""
    if not isinstance(node, Tree):
        raise HclSyntaxError(f"unexpected token {node!s}", node.line or 1, node.column or 1)
    return node


def _trees(node: LarkTree) -> list[LarkTree]:
    return [c for c in node.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]


def _edge_token(node: LarkTree, first: bool) -> Optional[Token]:
    """The first (or last) token under ``node``: a rule's span runs from one to the other, exactly
    as lark's ``propagate_positions`` would give it (every terminal of the grammar is kept in the
    tree, and whitespace is in none)."""
    stack: list[Union[LarkTree, Token]] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Token):
            return current
        if isinstance(current, Tree):
            stack.extend(reversed(current.children) if first else current.children)
    return None


class _Converter:
    def __init__(self, path: str) -> None:
        self.path = path

    def loc(self, node: Union[LarkTree, Token]) -> Location:
        if isinstance(node, Token):
            end_col = (node.end_column or node.column or 1) if node.end_line == node.line else 0
            return Location(self.path, node.line or 1, node.column or 1, node.end_line or node.line or 1, end_col)
        first, last = _edge_token(node, first=True), _edge_token(node, first=False)
        if first is None or last is None:
            return Location(self.path, 1, 1)
        return Location(self.path, first.line or 1, first.column or 1, last.end_line or 1, last.end_column or 1)

    # structure

    def body(self, node: LarkTree) -> Body:
        attrs: dict[str, Attribute] = {}
        blocks: list[Block] = []
        for child in _trees(node):
            if child.data == "attribute":
                attr = self.attribute(child)
                attrs[attr.name] = attr
            elif child.data == "block":
                blocks.append(self.block(child))
        return Body(attrs, tuple(blocks))

    def attribute(self, node: LarkTree) -> Attribute:
        name_node, expr_node = node.children[0], node.children[-1]
        return Attribute(self.name(name_node), self.expr(expr_node), self.loc(node))

    def block(self, node: LarkTree) -> Block:
        heads: list[Union[LarkTree, Token]] = []
        body: Optional[LarkTree] = None
        for c in node.children:
            if isinstance(c, Tree) and c.data == "body":
                body = c
            elif isinstance(c, Tree) and c.data in ("identifier", "keyword", "literal_value", "string"):
                heads.append(c)
        names = [self.name(h) if h.data != "string" else self.plain_string(h) for h in heads if isinstance(h, Tree)]
        first, last = self.loc(heads[0]), self.loc(heads[-1])
        header = Location(self.path, first.line, first.column, last.end_line, last.end_column)
        closing = _edge_token(node, first=False)
        return Block(names[0], tuple(names[1:]), self.body(body) if body is not None else Body(), header, (closing.end_line or 0) if closing else 0)

    def name(self, node: Union[LarkTree, Token]) -> str:
        if isinstance(node, Token):
            return str(node)
        return "".join(str(t) for t in node.scan_values(lambda v: isinstance(v, Token)))

    def plain_string(self, node: LarkTree) -> str:
        expr = self.string(node)
        if isinstance(expr, Lit):
            return str(expr.value)
        return "".join(p if isinstance(p, str) else "${...}" for p in expr.parts)

    # expressions

    def expr(self, node: Union[LarkTree, Token]) -> Expr:
        if isinstance(node, Token):
            return Opaque(f"token {node.type}", self.loc(node))
        handler = getattr(self, f"x_{node.data}", None)
        if handler is None:
            return Opaque(f"unsupported expression {node.data}", self.loc(node))
        return handler(node)  # type: ignore[no-any-return]

    def x_expr_term(self, node: LarkTree) -> Expr:
        inner = _trees(node)
        if len(inner) == 1:
            return self.expr(inner[0])
        return Opaque("empty expression", self.loc(node))

    def x_int_lit(self, node: LarkTree) -> Expr:
        return Lit(_int(str(node.children[0])), self.loc(node))

    def x_float_lit(self, node: LarkTree) -> Expr:
        return Lit(float(str(node.children[0])), self.loc(node))

    def x_literal_value(self, node: LarkTree) -> Expr:
        return Lit({"true": True, "false": False, "null": None}[str(node.children[0])], self.loc(node))

    def x_identifier(self, node: LarkTree) -> Expr:
        return Traversal(str(node.children[0]), (), self.loc(node))

    def x_string(self, node: LarkTree) -> Expr:
        return self.string(node)

    def string(self, node: LarkTree) -> Union[Lit, Template]:
        from hcl2.utils import process_escape_sequences

        parts: list[Union[str, Expr]] = []
        for part in node.children:
            if not isinstance(part, Tree):
                continue
            inner = part.children[0]
            if isinstance(inner, Token) and inner.type == "STRING_CHARS":
                parts.append(process_escape_sequences(str(inner)))
            elif isinstance(inner, Token) and inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                parts.append(str(inner)[1:])
            elif isinstance(inner, Tree) and inner.data == "interpolation":
                parts.append(self.expr(_trees(inner)[0]))
            else:
                parts.append(Opaque("template directive", self.loc(part)))
        return _template(parts, self.loc(node))

    def x_template_string(self, node: LarkTree) -> Expr:
        return Lit(str(node.children[0])[2:-2], self.loc(node))

    def x_heredoc_template(self, node: LarkTree) -> Expr:
        return self.heredoc(node, trim=False)

    def x_heredoc_template_trim(self, node: LarkTree) -> Expr:
        return self.heredoc(node, trim=True)

    def heredoc(self, node: LarkTree, trim: bool) -> Expr:
        raw = str(node.children[0])
        match = HEREDOC_OPENER.match(raw)
        if match is None:
            return Opaque("malformed heredoc", self.loc(node))
        body = raw[match.end():].rstrip("\r\n")
        body = body[: body.rfind("\n") + 1]  # without the closing marker line, as HCL reads it
        body = body.replace("\r\n", "\n")
        if trim:
            lines = body.split("\n")
            indents = [len(x) - len(x.lstrip()) for x in lines if x.strip()]
            cut = min(indents) if indents else 0
            body = "\n".join(x[cut:] for x in lines)
        return self.template_text(body, self.loc(node), first_line=self.loc(node).line + 1)

    def template_text(self, text: str, loc: Location, first_line: int) -> Expr:
        """Interpolations inside a heredoc are not parsed by the grammar: parse them here."""
        parts: list[Union[str, Expr]] = []
        pos = 0
        for start, end in _interpolations(text):
            parts.append(text[pos:start])
            parts.append(_parse_fragment(text[start + 2 : end - 1], self.path, loc))
            pos = end
        parts.append(text[pos:])
        if any("%{" in p for p in parts if isinstance(p, str)):
            return Opaque("template directive in heredoc", loc)
        heredoc_loc = Location(loc.path, loc.line, loc.column, loc.end_line, loc.end_column)
        result = _template(parts, heredoc_loc)
        return Lit(result.value, Location(loc.path, first_line, 1, loc.end_line, loc.end_column)) if isinstance(result, Lit) else result

    def x_tuple(self, node: LarkTree) -> Expr:
        return TupleExpr(tuple(self.expr(c) for c in _trees(node)), self.loc(node))

    def x_object(self, node: LarkTree) -> Expr:
        items: list[tuple[Union[str, Expr], Expr]] = []
        for elem in _trees(node):
            key_node, value_node = elem.children[0], elem.children[-1]
            items.append((self.object_key(key_node), self.expr(value_node)))
        return ObjectExpr(tuple(items), self.loc(node))

    def object_key(self, node: Union[LarkTree, Token]) -> Union[str, Expr]:
        if isinstance(node, Tree) and node.data == "object_elem_key":
            inner = _trees(node)[0] if _trees(node) else node.children[0]
            if isinstance(inner, Tree) and inner.data == "keyword":
                return self.name(inner)
            expr = self.expr(inner)
            if isinstance(expr, Traversal) and isinstance(expr.root, str) and not expr.steps:
                return expr.root
            return expr
        return self.expr(node)

    def x_function_call(self, node: LarkTree) -> Expr:
        names = [self.name(c) for c in node.children if isinstance(c, Tree) and c.data == "identifier"]
        args: list[Expr] = []
        expand = False
        for c in node.children:
            if isinstance(c, Tree) and c.data == "arguments":
                args = [self.expr(a) for a in _trees(c)]
                expand = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in c.children)
        return Call("::".join(names), tuple(args), self.loc(node), expand)

    def _traverse(self, node: LarkTree, step: Union[str, Expr, int]) -> Expr:
        base = self.expr(node.children[0])
        if isinstance(base, Traversal):
            return Traversal(base.root, base.steps + (step,), self.loc(node))
        return Traversal(base, (step,), self.loc(node))

    def x_get_attr_expr_term(self, node: LarkTree) -> Expr:
        attr = _tree(node.children[1])
        return self._traverse(node, self.name(attr.children[-1]))

    def x_index_expr_term(self, node: LarkTree) -> Expr:
        index = _tree(node.children[1])
        if index.data == "short_index":
            return self._traverse(node, Lit(_int(str(index.children[-1])), self.loc(index)))
        return self._traverse(node, self.expr(_trees(index)[0]))

    def x_attr_splat_expr_term(self, node: LarkTree) -> Expr:
        return self.splat(node)

    def x_full_splat_expr_term(self, node: LarkTree) -> Expr:
        return self.splat(node)

    def splat(self, node: LarkTree) -> Expr:
        base = self.expr(node.children[0])
        steps: list[Union[str, Expr, int]] = [SPLAT]
        for c in _tree(node.children[1]).children:
            if isinstance(c, Tree) and c.data == "get_attr":
                steps.append(self.name(c.children[-1]))
            elif isinstance(c, Tree) and c.data in ("braces_index", "short_index"):
                steps.append(Lit(_int(str(c.children[-1])), self.loc(c)) if c.data == "short_index" else self.expr(_trees(c)[0]))
        if isinstance(base, Traversal):
            return Traversal(base.root, base.steps + tuple(steps), self.loc(node))
        return Traversal(base, tuple(steps), self.loc(node))

    def x_conditional(self, node: LarkTree) -> Expr:
        parts = _trees(node)
        return Conditional(self.expr(parts[0]), self.expr(parts[1]), self.expr(parts[2]), self.loc(node))

    def x_binary_op(self, node: LarkTree) -> Expr:
        left, term = _trees(node)[:2]
        op_node, right = _trees(term)[:2]
        return BinOp(str(op_node.children[0]), self.expr(left), self.expr(right), self.loc(node))

    def x_unary_op(self, node: LarkTree) -> Expr:
        return UnOp(str(node.children[0]), self.expr(node.children[1]), self.loc(node))

    def x_for_tuple_expr(self, node: LarkTree) -> Expr:
        return self.for_expr(node, is_object=False)

    def x_for_object_expr(self, node: LarkTree) -> Expr:
        return self.for_expr(node, is_object=True)

    def for_expr(self, node: LarkTree, is_object: bool) -> Expr:
        intro = next(c for c in node.children if isinstance(c, Tree) and c.data == "for_intro")
        names = [self.name(c) for c in intro.children if isinstance(c, Tree) and c.data == "identifier"]
        coll = [c for c in _trees(intro) if c.data != "identifier"]
        rest = [c for c in _trees(node) if c.data not in ("for_intro", "for_cond")]
        cond_node = next((c for c in node.children if isinstance(c, Tree) and c.data == "for_cond"), None)
        cond = self.expr(_trees(cond_node)[0]) if cond_node is not None else None
        grouping = any(isinstance(t, Token) and t.type == "ELLIPSIS" for t in node.children)
        key_var, value_var = (names[0], names[1]) if len(names) == 2 else (None, names[0])
        key = self.expr(rest[0]) if is_object else None
        value = self.expr(rest[1] if is_object else rest[0])
        return ForExpr(key_var, value_var, self.expr(coll[-1]), value, key, cond, grouping, self.loc(node))


def _template(parts: list[Union[str, Expr]], loc: Location) -> Union[Lit, Template]:
    merged: list[Union[str, Expr]] = []
    for p in parts:
        if isinstance(p, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + p
        elif p != "":
            merged.append(p)
    if all(isinstance(p, str) for p in merged):
        return Lit("".join(p for p in merged if isinstance(p, str)), loc)
    return Template(tuple(merged), loc)


def _interpolations(text: str) -> list[tuple[int, int]]:
    """Spans of ``${...}`` (not ``$${``), honouring nested braces and quoted strings."""
    spans: list[tuple[int, int]] = []
    i = 0
    while True:
        i = text.find("${", i)
        if i < 0:
            return spans
        if i > 0 and text[i - 1] == "$":
            i += 2
            continue
        depth, j, quote = 0, i + 1, False
        while j < len(text):
            ch = text[j]
            if ch == '"' and text[j - 1] != "\\":
                quote = not quote
            elif not quote and ch == "{":
                depth += 1
            elif not quote and ch == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        if j >= len(text):
            return spans
        spans.append((i, j + 1))
        i = j + 1


def _parse_fragment(source: str, path: str, loc: Location) -> Expr:
    """Parse the expression inside a heredoc interpolation."""
    try:
        tree = hcl_parser().parse(f"x = {source}\n\n")
    except (LarkError, RecursionError):
        return Opaque("unparsable interpolation", loc)
    conv = _Converter(path)
    attr = _trees(_child_tree(tree, "body"))[0]
    return conv.expr(attr.children[-1])  # fragment positions are not used: heredoc values only
