"""The one adapter over cfn-lint's template decoder: text -> nodes with marks, or a ParseError.

cfn-lint (imported lazily: it costs most of a second, and a Terraform-only scan never needs
it) turns YAML short-form intrinsics (``!Ref``, ``!Sub``...) into their long form, reports
duplicate keys, and gives every mapping, sequence and string a start mark. Integers and
booleans carry no mark: their position is the key's. Two mark flavours exist: PyYAML's
(0-based line and column, with a character ``index``) and cfn-lint's JSON fallback (0-based
line, 1-based column); :func:`mark_location` hides the difference.

The decoded tree is copied into kmslint's own node classes (``nodes.py``) and kept in the warm cache
(``parsecache.py``, kind ``cfn``) with the ParseError, if any: a re-scan of an unchanged template
imports neither cfn-lint nor PyYAML.
"""

from __future__ import annotations

import re
from typing import Any, Optional, Union

from ...model.resources import ParseError
from ...model.values import Location
from .nodes import Unconvertible, from_cfnlint

__all__ = ["decode_template", "end_line", "mark_location", "node_location", "source_lines"]

_BREAK = re.compile(r"\r\n|\r|\n")
_STACK_LIMIT = "nested too deeply to parse"
_DUPLICATE = re.compile(r"^Duplicate found '(?P<key>.*)' \(line (?P<line>\d+)\)$")


def source_lines(text: str) -> list[str]:
    """The text's lines as editors and reports count them (CRLF, CR, LF)."""
    return _BREAK.split(text)


def mark_location(rel: str, mark: Any) -> Optional[Location]:
    """A decoder mark as a 1-based Location, or None if ``mark`` is not a mark."""
    line, column = getattr(mark, "line", None), getattr(mark, "column", None)
    if not isinstance(line, int) or not isinstance(column, int):
        return None
    if hasattr(mark, "index"):  # PyYAML: both 0-based
        return Location(rel, line + 1, column + 1)
    return Location(rel, line + 1, max(column, 1))  # cfn-lint JSON: 0-based line, 1-based column


def node_location(rel: str, node: Any, fallback: Location) -> Location:
    """Where ``node`` starts (with its end when known), else ``fallback``."""
    start = mark_location(rel, getattr(node, "start_mark", None))
    if start is None:
        return fallback
    end = mark_location(rel, getattr(node, "end_mark", None))
    if isinstance(node, str) and end is not None and end.line == start.line:
        return Location(rel, start.line, start.column, end.line, end.column)
    return start


def mark_index(node: Any) -> Optional[int]:
    """The character offset of ``node`` in the source text (PyYAML marks only)."""
    index = getattr(getattr(node, "start_mark", None), "index", None)
    return index if isinstance(index, int) else None


def end_line(rel: str, node: Any, start_line: int) -> int:
    """The last source line ``node`` occupies, from the marks inside it.

    Container end marks are unreliable in YAML (a block mapping ends where the next token
    starts, after blank lines and comments), so this is the greatest line of any marked
    descendant, using a string's end mark when the string ends mid-line.
    """
    last = start_line
    stack = [node]
    while stack:
        item = stack.pop()
        loc = mark_location(rel, getattr(item, "start_mark", None))
        if loc is not None:
            last = max(last, loc.line)
        if isinstance(item, str):
            end = getattr(item, "end_mark", None)
            end_loc = mark_location(rel, end)
            if end_loc is not None:
                last = max(last, end_loc.line if end_loc.column > 1 else end_loc.line - 1)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return last


def _reason(message: str, text: str, line: int, column: int) -> str:
    lines = source_lines(text)
    if "cannot start any token" in message and 0 < line <= len(lines) and "\t" in lines[line - 1][: max(column, 1)]:
        return f"{message}: a tab character; YAML indentation must use spaces"
    if message.startswith("Template could not be parsed: "):
        message = message[len("Template could not be parsed: ") :].split("\n", 1)[0]
    if "maximum recursion depth" in message:
        return _STACK_LIMIT
    return message


def _first_error(rel: str, text: str, matches: list[Any]) -> ParseError:
    """The error to report. cfn-lint reports each occurrence of a duplicate key, every message
    naming its own line; the later occurrence is the one to remove."""
    dups = [(m, d) for m in matches if (d := _DUPLICATE.match(str(m.message))) is not None]
    if len(dups) > 1:
        (_, first), (chosen, _) = dups[0], dups[1]
        reason = f"duplicate key {first['key']!r} (first at line {first['line']}): CloudFormation keeps only one; remove one"
    else:
        chosen = matches[0]
        reason = ""
    line = max(int(getattr(chosen, "linenumber", 1) or 1), 1)
    column = max(int(getattr(chosen, "columnnumber", 1) or 1), 1)
    reason = reason or _reason(str(chosen.message), text, line, column)
    return ParseError(Location(rel, line, column), f"CloudFormation template could not be parsed: {reason}")


def _quiet_cfnlint() -> None:
    """cfn-lint logs decode problems at ERROR; kmslint reports them as KMS000 instead."""
    import logging  # here: a warm scan decodes nothing

    log = logging.getLogger("cfnlint")
    if not any(isinstance(h, logging.NullHandler) for h in log.handlers):
        log.addHandler(logging.NullHandler())


def decode_template(rel: str, text: str) -> Union[Any, ParseError]:
    """Decode a YAML or JSON template with cfn-lint; errors become a ParseError.

    The result, or the ParseError, is cached under (path, text) for the next scan. A tree holding a
    value :func:`~.nodes.from_cfnlint` does not copy (a YAML ``!!set``) is returned as cfn-lint made
    it and is not cached, nor is a template nested too deeply for Python's stack (the outcome
    depends on how deep the caller's stack already is)."""
    from ...parsecache import parse_cache

    cache = parse_cache()
    key = cache.key("cfn", rel, 1, text)
    hit = cache.get(key)
    if isinstance(hit, tuple) and len(hit) == 1:  # (tree or ParseError,): a tree may be any YAML value
        return hit[0]
    result = _decode(rel, text)
    if result is _TOO_DEEP:
        return ParseError(Location(rel, 1, 1), "CloudFormation template could not be parsed: nested too deeply")
    if isinstance(result, ParseError) and result.reason.endswith(_STACK_LIMIT):
        return result  # Python's stack ran out inside cfn-lint: it depends on the caller's depth, not only on the text
    if not isinstance(result, ParseError):
        try:
            result = from_cfnlint(result)
        except Unconvertible:
            return result
    cache.put(key, (result,))
    return result


_TOO_DEEP = object()


def _decode(rel: str, text: str) -> Any:
    """cfn-lint's tree, a ParseError, or ``_TOO_DEEP``."""
    from cfnlint.decode import decode_str  # lazy: see module docstring

    _quiet_cfnlint()
    try:
        template, matches = decode_str(text)
    except RecursionError:
        return _TOO_DEEP
    if matches:
        return _first_error(rel, text, list(matches))
    return template
