"""Suppressions declared in a resource's Metadata.

    Metadata:
      kmslint:
        ignore:
          - id: KMS008
            reason: the stack is deleted with the account

Each entry silences that rule's findings inside the resource (its header line through its last
line). ``id`` may also be a list of rule ids. An entry without a reason is still recorded with
an empty reason, which the suppression filter reports: suppressions must say why.
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from ...model.resources import Ignore
from ...model.values import Location
from .decode import end_line, node_location

__all__ = ["resource_ignores", "resource_end_line"]

_INDENT = re.compile(r"^[ \t]*")


def _indent(line: str) -> int:
    return len(_INDENT.match(line).group(0))  # type: ignore[union-attr]


def resource_end_line(lines: Sequence[str], header: Location) -> int:
    """The last line of a YAML block resource: before the next line indented no deeper than
    its logical id (blank and comment lines do not count)."""
    if not 0 < header.line <= len(lines):
        return header.line
    depth = _indent(lines[header.line - 1])
    last = header.line
    for number in range(header.line + 1, len(lines) + 1):
        text = lines[number - 1]
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if _indent(text) <= depth:
            break
        last = number
    return last


def _entries(res: Mapping[str, Any]) -> list[Any]:
    meta = res.get("Metadata")
    section = meta.get("kmslint") if isinstance(meta, dict) else None
    entries = section.get("ignore") if isinstance(section, dict) else None
    if isinstance(entries, dict):
        return [entries]
    return entries if isinstance(entries, list) else []


def _rule_ids(raw: Any) -> list[str]:
    if isinstance(raw, str):
        return [raw.strip()] if raw.strip() else []
    if isinstance(raw, list):
        return [str(r).strip() for r in raw if isinstance(r, str) and r.strip()]
    return []


def resource_ignores(rel: str, lines: Sequence[str], res: Mapping[str, Any], header: Location) -> tuple[Ignore, ...]:
    """The Metadata suppressions of one resource; ``lines`` are the template's lines."""
    entries = _entries(res)
    if not entries:
        return ()
    last = max(end_line(rel, res, header.line), resource_end_line(lines, header))
    out: list[Ignore] = []
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        reason = entry.get("reason")
        where = node_location(rel, entry, header)
        for rule_id in _rule_ids(entry.get("id")):
            out.append(Ignore(rel, header.line, last, rule_id.upper(), str(reason).strip() if isinstance(reason, str) else "", where))
    return tuple(out)
