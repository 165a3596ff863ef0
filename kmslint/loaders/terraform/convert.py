"""Evaluated Terraform values -> model values (typed, located, UNKNOWN-aware)."""

from __future__ import annotations

import json
from typing import Any, Optional

from ...model.policy import Policy, policy_from_json
from ..coerce import as_bool, as_int
from ...model.values import UNKNOWN, Location, Presence, Value
from .tfvalues import Encoded, Text, contains_unknown, is_partial, plainify


def as_str(v: Any) -> Any:
    if isinstance(v, str) and not is_partial(v):
        return str(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return str(v)
    return UNKNOWN


def as_presence(v: Any) -> Any:
    """Set to anything non-null (even a computed value): True; UNKNOWN if unresolvable."""
    if v is UNKNOWN:
        return UNKNOWN
    return v is not None and v != ""


CONVERTERS = {"bool": as_bool, "int": as_int, "str": as_str, "presence": as_presence}


def model_value(raw: Any, kind: str, loc: Location) -> Optional[Value[Any]]:
    """None when the source gives null (Terraform: the attribute is unset, AWS default applies)."""
    if raw is None:
        return None
    converted = CONVERTERS[kind](raw)
    if converted is UNKNOWN:
        return Value(UNKNOWN, loc, Presence.UNKNOWN)
    return Value(converted, loc)


# --- policies ---------------------------------------------------------------------------


def _statement_starts(text: str) -> list[int]:
    """Offsets of the objects in the top-level ``"Statement": [...]`` array of JSON text."""
    key = text.find('"Statement"')
    if key < 0:
        return []
    i = text.find(":", key) + 1
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    if i >= len(text):
        return []
    if text[i] == "{":
        return [i]
    starts: list[int] = []
    depth, in_str, esc = 0, False, False
    for j in range(i, len(text)):
        ch = text[j]
        if in_str:
            esc = (not esc) and ch == "\\"
            if ch == '"' and not esc:
                in_str = False
            continue
        if ch == '"':
            in_str = True
        elif ch in "[{":
            if depth == 1 and ch == "{":
                starts.append(j)
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth == 0:
                break
    return starts


def _text_locations(text: Text, offsets: list[int], fallback: Location) -> list[Location]:
    """The source location of each offset (ascending) in a heredoc or string: one pass over the text,
    not a recount from its start per statement (quadratic in a policy of thousands of statements)."""
    if text.loc is None:
        return [fallback for _ in offsets]
    out, line, line_start, pos = [], text.loc.line, -1, 0
    for offset in offsets:
        newlines = text.count("\n", pos, offset)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", pos, offset)
        pos = offset
        col = offset - line_start if line_start >= 0 else text.loc.column + offset
        out.append(Location(text.loc.path, line, col))
    return out


def _statement_unknown(stmt: Any) -> bool:
    if stmt is UNKNOWN or contains_unknown(stmt):
        return True
    if isinstance(stmt, dict):
        return any(is_partial(stmt.get(k)) for k in ("Effect", "Action", "NotAction"))
    return False


def policy_from_value(v: Any, loc: Location, origin: str) -> Optional[Policy]:
    """A Policy from an evaluated ``policy`` argument; None when the argument is null."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None  # null or "": the provider sends no policy and AWS attaches its default
    if v is UNKNOWN:
        return Policy(location=loc, origin=origin, known=False)
    if isinstance(v, Encoded):
        v = v.value
    if isinstance(v, str):
        return _policy_from_text(v, loc, origin)
    if not isinstance(v, dict):
        return Policy(location=loc, origin=origin, known=False, parse_error="policy is not a JSON object")
    stmts = v.get("Statement")
    if stmts is UNKNOWN:
        return Policy(location=loc, origin=origin, known=False)
    if not isinstance(stmts, (list, dict)) or (isinstance(stmts, list) and any(not isinstance(x, dict) and x is not UNKNOWN for x in stmts)):
        return Policy(location=loc, origin=origin, known=False, parse_error="Statement must be an object or a list of objects")
    items = stmts if isinstance(stmts, list) else [stmts]
    locs = [getattr(s, "loc", None) or loc for s in items]
    unknown = [i for i, s in enumerate(items) if _statement_unknown(s)]
    doc = {k: plainify(x) if k != "Statement" else [plainify(s) if s is not UNKNOWN else {} for s in items] for k, x in v.items()}
    if not isinstance(stmts, list) and isinstance(stmts, dict):
        doc["Statement"] = doc["Statement"][0]
    return policy_from_json(doc, loc, locs, origin=origin, unknown_statements=unknown)


def _policy_from_text(text: str, loc: Location, origin: str) -> Policy:
    t = text if isinstance(text, Text) else Text(text)
    if t.partial and t.startswith("${") and t.endswith("}") and t.count("${") == 1:
        return Policy(location=loc, origin=origin, known=False)
    try:
        doc = json.loads(t)
    except ValueError as exc:
        return Policy(location=loc, origin=origin, known=False, parse_error=f"policy is not valid JSON: {exc}")
    except RecursionError:  # a heredoc or escaped JSON policy nested ~1,000 deep
        return Policy(location=loc, origin=origin, known=False, parse_error="policy JSON is nested too deeply to read")
    locs = _text_locations(t, _statement_starts(t), loc)
    return policy_from_json(doc, loc, locs, origin=origin)
