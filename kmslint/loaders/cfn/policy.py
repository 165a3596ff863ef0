"""``KeyPolicy`` (a map, a JSON string, or JSON built by ``Fn::Sub``/``Fn::Join``) -> Policy.

Statement locations: for a map, where each statement starts. For JSON text inside a YAML
literal block scalar (``KeyPolicy: !Sub |``), the statement's own line in the file, since the
block's lines are the file's lines; for any other string, the string's start. Statements with
parts kmslint cannot resolve are marked unknown, so rules skip them rather than guess.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Optional

from ...model.policy import Policy, policy_from_json
from ...model.resources import ParseError
from ...model.values import UNKNOWN, Location
from .. import jsonpos
from .resolve import UNKNOWN_MARK, RNode, Template, contains_unknown, plain

__all__ = ["key_policy"]

_BLOCK_HEADER = re.compile(r"^(?:!\S+\s+)?\|[-+0-9]*\s*(?:#.*)?$")
_INDENT = re.compile(r"^[ ]*")


def _unknown(loc: Location, why: str) -> Policy:
    return Policy(location=loc, origin="inline", known=False, parse_error=why)


def _map_policy(node: RNode) -> Policy:
    doc = plain(node)
    statements = node.get("Statement")
    if statements is None or not statements.known:
        return policy_from_json(doc, node.loc) if statements is None else _unknown(node.loc, statements.note)
    items = statements.value if isinstance(statements.value, tuple) else (statements,)
    locations = [item.loc for item in items]
    unknown = [i for i, item in enumerate(items) if contains_unknown(plain(item))]
    return policy_from_json(doc, node.loc, locations, unknown_statements=unknown)


def _block_mapper(tpl: Template, src: Location) -> Optional[Callable[[int, int], Location]]:
    """For a literal block scalar starting at ``src``: (line, col) in its text -> file Location."""
    lines = tpl.lines
    if not 0 < src.line <= len(lines) or not _BLOCK_HEADER.match(lines[src.line - 1][src.column - 1 :].rstrip()):
        return None
    body = [ln for ln in lines[src.line :] if ln.strip()]
    indent = len(_INDENT.match(body[0]).group(0)) if body else 0  # type: ignore[union-attr]
    return lambda line, col: Location(tpl.rel, src.line + line, indent + col)


def _text_policy(tpl: Template, node: RNode, text: str, owner: str) -> tuple[Policy, Optional[ParseError]]:
    partial = UNKNOWN_MARK in text
    try:
        doc = jsonpos.loads(text)
    except (jsonpos.JSONDecodeError, jsonpos.DuplicateKeyError, RecursionError) as err:
        if partial:
            return _unknown(node.loc, f"KeyPolicy JSON cannot be read with unresolved parts ({node.note})"), None
        detail = err.msg if isinstance(err, jsonpos.JSONDecodeError) else str(err)
        where = f" (line {err.lineno}, column {err.colno} of the policy)" if isinstance(err, jsonpos.JSONDecodeError) else ""
        reason = f"KeyPolicy of {owner} is not valid JSON: {detail}{where}"
        return _unknown(node.loc, reason), ParseError(node.src, reason)
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    items = [statements] if isinstance(statements, dict) else statements if isinstance(statements, list) else []
    mapper = _block_mapper(tpl, node.src)
    index = jsonpos.LineIndex(text)
    locations = [
        mapper(*index.line_col(item.start)) if mapper and isinstance(item, jsonpos.JObject) else node.src for item in items
    ]
    unknown = [i for i, item in enumerate(items) if contains_unknown(item)]
    return policy_from_json(doc, node.loc, locations, unknown_statements=unknown), None


def key_policy(tpl: Template, node: Optional[RNode], owner: str) -> tuple[Optional[Policy], Optional[ParseError]]:
    """The key's policy (None when the template gives none) and a parse error, if any."""
    if node is None:
        return None, None
    if isinstance(node.value, dict):
        return _map_policy(node), None
    if isinstance(node.value, str):
        return _text_policy(tpl, node, node.value, owner)
    if node.value is UNKNOWN and node.partial is not None:
        return _text_policy(tpl, node, node.partial, owner)
    if node.value is UNKNOWN:
        return _unknown(node.loc, node.note or "KeyPolicy cannot be resolved"), None
    return _unknown(node.loc, "KeyPolicy is neither a map nor a JSON string"), None
