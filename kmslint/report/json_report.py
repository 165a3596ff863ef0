"""JSON output, exactly the fields DESIGN.md promises."""

from __future__ import annotations

import json
from typing import Any, Sequence

from .. import __version__
from ..engine.rules import Rule
from ..findings import Finding, ScanResult


def finding_dict(f: Finding) -> dict[str, Any]:
    loc = f.location
    out: dict[str, Any] = {
        "rule_id": f.rule_id,
        "rule_name": f.rule_name,
        "level": f.level,
        "message": f.message,
        "path": loc.path,
        "line": loc.line,
        "column": loc.column,
        "end_line": loc.end_line,
        "end_column": loc.end_column,
        "resource": f.resource,
        "related": [{"path": r.path, "line": r.line} for r in f.related],
    }
    if f.suppression is not None:
        out["suppression"] = {"kind": f.suppression.kind, "justification": f.suppression.justification}
    return out


def render(result: ScanResult, rules: Sequence[Rule], show_unknown: bool = False) -> str:
    doc: dict[str, Any] = {
        "version": __version__,
        "findings": [finding_dict(f) for f in result.findings],
        # Input warnings (a suppression naming an unknown rule) share the list, with a level: they never fail the run.
        "errors": [{"path": e.path, "rule_id": e.rule_id, "message": e.message} for e in result.errors]
        + [{"path": w.path, "line": w.line, "level": "warning", "message": w.message} for w in result.warnings],
        "suppressed": [finding_dict(f) for f in result.suppressed],
        "unchecked": [{"path": u.location.path, "line": u.location.line, "reason": u.reason} for u in result.unchecked],
        "config": result.config or None,  # which .kmslint.yaml / pyproject.toml applied (null: the defaults)
    }
    if show_unknown:
        doc["unknown"] = [
            {"rule_id": u.rule_id, "path": u.location.path, "line": u.location.line, "detail": u.detail} for u in result.unknowns
        ]
    return json.dumps(utf8_safe(doc), indent=2) + "\n"


def utf8_safe(value: Any) -> Any:
    """``value`` with every string encodable as UTF-8: a lone surrogate (a non-UTF-8 file name, a plan
    address from a hostile plan) becomes the text ``\\udcff``, so the report is valid UTF-8 and no
    strict JSON reader meets an unpaired surrogate escape."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
        return value
    if isinstance(value, dict):
        return {utf8_safe(k): utf8_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [utf8_safe(v) for v in value]
    return value
