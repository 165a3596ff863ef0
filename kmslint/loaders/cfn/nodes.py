"""kmslint's own nodes for a decoded CloudFormation template: strings, mappings and lists with marks.

cfn-lint decodes a template into its ``str_node``/``dict_node``/``list_node`` classes, whose marks
(PyYAML's) hold the whole source text: a tree of them cannot be kept in the warm cache
(``parsecache.py``), and loading one would import cfn-lint, which is the cost a warm scan avoids.
:func:`from_cfnlint` copies that tree into the classes below, which keep exactly what the loader
reads (``decode.mark_location``, ``mark_index``): a mark's line and column, and for PyYAML marks
the character ``index``. The loader reads nodes only through ``isinstance(dict/list/str)`` and
``start_mark``/``end_mark``, so the copy is read as the original was (``dict_node.get``, which
gives a dict default its mapping's marks, is not copied: the loader never passes a dict default;
nor are ``using_merge`` and ``yaml_aliases``, which it never reads). ``Fn::ForEach`` expansion
(``foreach.py``) builds its nodes from these classes too.

Written here rather than pickling cfn-lint's classes: unpickling them imports cfn-lint, and their
marks would carry a copy of the template's text per node.
"""

from __future__ import annotations

import datetime
from typing import Any

__all__ = ["JsonMark", "MarkedDict", "MarkedList", "MarkedStr", "Unconvertible", "YamlMark", "from_cfnlint", "marked"]


class YamlMark:
    """A PyYAML mark: 0-based line and column, and the character offset ``index``."""

    __slots__ = ("line", "column", "index")

    def __init__(self, line: int, column: int, index: int) -> None:
        self.line, self.column, self.index = line, column, index

    def __reduce__(self) -> tuple[Any, ...]:
        return (YamlMark, (self.line, self.column, self.index))

    def __repr__(self) -> str:
        return f"YamlMark({self.line}, {self.column}, {self.index})"


class JsonMark:
    """cfn-lint's own mark (its JSON decoder, and a few YAML constructs): line and column, no ``index``."""

    __slots__ = ("line", "column")

    def __init__(self, line: int, column: int) -> None:
        self.line, self.column = line, column

    def __reduce__(self) -> tuple[Any, ...]:
        return (JsonMark, (self.line, self.column))

    def __repr__(self) -> str:
        return f"JsonMark({self.line}, {self.column})"


class MarkedStr(str):
    """A string carrying the source marks of the node it was made from."""

    start_mark: Any = None
    end_mark: Any = None


class MarkedDict(dict):  # type: ignore[type-arg]
    start_mark: Any = None
    end_mark: Any = None


class MarkedList(list):  # type: ignore[type-arg]
    start_mark: Any = None
    end_mark: Any = None


def marked(value: Any, like: Any) -> Any:
    """``value`` (a Marked* node) given the marks of ``like``."""
    value.start_mark = getattr(like, "start_mark", None)
    value.end_mark = getattr(like, "end_mark", None)
    return value


class Unconvertible(TypeError):
    """The tree holds something :func:`from_cfnlint` does not copy (a ``!!set``, ``!!omap``...):
    the caller keeps cfn-lint's tree, uncached."""


# Values kept as they are: immutable, from the standard library, carrying no marks in cfn-lint's tree.
_SCALARS = (int, float, bool, type(None), bytes, datetime.date, datetime.datetime, datetime.time, datetime.timedelta)


def _mark(mark: Any) -> Any:
    if mark is None:
        return None
    line, column = getattr(mark, "line", None), getattr(mark, "column", None)
    if type(line) is not int or type(column) is not int:
        raise Unconvertible(f"a mark without a line and column: {type(mark).__name__}")
    if hasattr(mark, "index"):
        index = mark.index
        if type(index) is not int:
            raise Unconvertible("a PyYAML mark without an index")
        return YamlMark(line, column, index)
    return JsonMark(line, column)


def _with_marks(value: Any, node: Any) -> Any:
    value.start_mark = _mark(getattr(node, "start_mark", None))
    value.end_mark = _mark(getattr(node, "end_mark", None))
    return value


def from_cfnlint(tree: Any) -> Any:
    """A copy of cfn-lint's decoded ``tree`` in kmslint's classes. Plain ``str``/``dict``/``list``
    values (cfn-lint leaves some unmarked: the argument of ``!Ref x``) stay plain, scalars stay the
    same objects, dict key order and the keys' marks are kept, and a node reached twice (a YAML
    alias) is copied once and shared. Iterative: a deeply nested template cannot exhaust the stack.
    Raises :class:`Unconvertible` for anything else."""
    from cfnlint.decode.node import dict_node, list_node, str_node  # only after cfn-lint decoded the tree

    copies: dict[int, Any] = {}
    pending: list[tuple[Any, Any]] = []

    def copy(node: Any) -> Any:
        kind = type(node)
        if kind is str or kind in _SCALARS:
            return node
        done = copies.get(id(node))
        if done is not None:
            return done
        out: Any
        if kind is str_node:
            out = _with_marks(MarkedStr(node), node)
        elif kind is dict_node:
            out = _with_marks(MarkedDict(), node)
        elif kind is list_node:
            out = _with_marks(MarkedList(), node)
        elif kind is dict:
            out = {}
        elif kind is list:
            out = []
        else:
            raise Unconvertible(f"a {kind.__name__} value")
        copies[id(node)] = out
        if isinstance(out, (dict, list)):
            pending.append((node, out))
        return out

    root = copy(tree)
    while pending:
        node, out = pending.pop()
        if isinstance(out, dict):
            for key, value in node.items():
                out[copy(key)] = copy(value)
        else:
            out.extend(copy(item) for item in node)
    return root

