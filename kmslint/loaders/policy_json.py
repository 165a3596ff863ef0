"""Standalone key-policy JSON files -> one :class:`PolicyDocument`.

Accepts a policy document (``{"Version": ..., "Statement": [...]}``) and the output of
``aws kms get-key-policy`` (``{"Policy": "<policy JSON as a string>", "PolicyName": ...}``).
Statement locations are where each statement object starts. Invalid JSON, duplicate keys and a
``Statement`` that is not an object or a list of objects are parse errors (KMS000) with a line
and column; a JSON file that is not a key policy at all yields an empty inventory.
"""

from __future__ import annotations

from typing import Any, Optional, Union

from ..model.policy import policy_from_json
from ..model.resources import Inventory, ParseError, PolicyDocument
from ..model.values import Location
from . import jsonpos

__all__ = ["load_policy_file", "statement_shape_error"]


def _decode(rel: str, text: str, what: str) -> Union[Any, ParseError]:
    index = jsonpos.LineIndex(text)
    try:
        return jsonpos.loads(text)
    except jsonpos.JSONDecodeError as err:
        return ParseError(Location(rel, err.lineno, err.colno), f"{what} is not valid JSON: {err.msg}")
    except jsonpos.DuplicateKeyError as err:
        line, col = index.line_col(err.offset)
        first = index.line_col(err.first)[0]
        return ParseError(
            Location(rel, line, col),
            f"{what} repeats the key {err.key!r} (first at line {first}): which one AWS uses is undefined; keep one",
        )
    except RecursionError:
        return ParseError(Location(rel, 1, 1), f"{what} is nested too deeply to parse")


def _at(rel: str, index: jsonpos.LineIndex, offset: int) -> Location:
    line, col = index.line_col(offset)
    return Location(rel, line, col)


def statement_shape_error(statements: Any) -> Optional[tuple[Any, str]]:
    """Why ``Statement`` is malformed (and the offending node), or None when it is usable."""
    if isinstance(statements, dict):
        return None
    if not isinstance(statements, list):
        kind = "a string" if isinstance(statements, str) else type(statements).__name__
        return statements, f"Statement must be an object or a list of objects, not {kind}"
    for i, item in enumerate(statements):
        if not isinstance(item, dict):
            kind = "a string" if isinstance(item, str) else type(item).__name__
            return item, f"Statement[{i}] must be an object, not {kind}"
    return None


def _embedded(rel: str, outer: jsonpos.JObject, index: jsonpos.LineIndex) -> Union[Any, ParseError]:
    """The document inside ``{"Policy": "<json>"}``."""
    raw = outer["Policy"]
    where = _at(rel, index, raw.start if isinstance(raw, jsonpos.JString) else outer.start)
    inner = _decode(rel, raw, "the Policy string")
    if isinstance(inner, ParseError):
        loc = inner.location
        return ParseError(where, f"{inner.reason} (at line {loc.line}, column {loc.column} of the embedded policy)")
    return inner


def _is_cli_output(doc: jsonpos.JObject) -> bool:
    return isinstance(doc.get("Policy"), str) and "Statement" not in doc


def _shape_error(rel: str, doc: Any, index: Optional[jsonpos.LineIndex], header: Location) -> Optional[ParseError]:
    problem = statement_shape_error(doc["Statement"])
    if problem is None:
        return None
    node, reason = problem
    offset = getattr(node, "start", None)
    where = header if index is None or not isinstance(offset, int) else _at(rel, index, offset)
    return ParseError(where, f"key policy: {reason}")


def _statement_locations(rel: str, doc: Any, index: Optional[jsonpos.LineIndex], header: Location) -> list[Location]:
    statements = doc["Statement"]
    items = [statements] if isinstance(statements, dict) else list(statements)
    if index is None:
        return [header] * len(items)
    return [_at(rel, index, item.start) if isinstance(item, jsonpos.JObject) else header for item in items]


def _inventory(rel: str, doc: Any, index: Optional[jsonpos.LineIndex], header: Location) -> Inventory:
    if isinstance(doc, ParseError):
        return Inventory(parse_errors=(doc,))
    if not isinstance(doc, dict) or "Statement" not in doc:
        return Inventory()
    error = _shape_error(rel, doc, index, header)
    if error is not None:
        return Inventory(parse_errors=(error,))
    policy = policy_from_json(doc, header, _statement_locations(rel, doc, index, header), origin="file")
    return Inventory(policy_documents=(PolicyDocument(rel, rel, header, policy),), units=(rel,))


def load_policy_file(rel: str, text: str) -> Inventory:
    """Parse one key-policy JSON file. Bad input becomes a ParseError, never an exception.

    In the ``get-key-policy`` shape, every statement is located at the ``Policy`` string: the
    embedded document has no lines of its own in the file.
    """
    text = text.lstrip("\ufeff")
    index = jsonpos.LineIndex(text)
    doc = _decode(rel, text, "key policy")
    if isinstance(doc, ParseError):
        return Inventory(parse_errors=(doc,))
    if not isinstance(doc, jsonpos.JObject):
        return Inventory()
    if _is_cli_output(doc):
        return _inventory(rel, _embedded(rel, doc, index), None, _at(rel, index, doc["Policy"].start))
    return _inventory(rel, doc, index, _at(rel, index, doc.start))
